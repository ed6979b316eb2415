//! Builds the node binaries once per invocation: ours with cargo, or a
//! project's with its `glomers.toml` `[build] command`; both supervised.
//!
//! Our binary paths come from cargo's own JSON messages, so `CARGO_TARGET_DIR`
//! and profiles are honoured without guessing. Not used with `--bin`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::sync::{mpsc, watch};

use crate::supervise::{self, Supervised};

/// The glomers workspace around `start`: the nearest `Cargo.toml`, in `start`
/// or a parent, whose `[workspace] members` include `nodes`.
pub fn find_workspace(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .find(|dir| has_nodes_member(&dir.join("Cargo.toml")))
        .map(Path::to_path_buf)
}

fn has_nodes_member(manifest: &Path) -> bool {
    #[derive(serde::Deserialize)]
    struct Manifest {
        workspace: Option<Workspace>,
    }
    #[derive(serde::Deserialize)]
    struct Workspace {
        #[serde(default)]
        members: Vec<String>,
    }
    std::fs::read_to_string(manifest)
        .ok()
        .and_then(|text| toml::from_str::<Manifest>(&text).ok())
        .and_then(|m| m.workspace)
        .is_some_and(|w| w.members.iter().any(|m| m.trim_end_matches('/') == "nodes"))
}

/// Node binary name → executable path.
pub type NodeBinaries = BTreeMap<String, PathBuf>;

#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("cannot run cargo in {root}: {source} (is cargo on PATH?)")]
    Spawn {
        root: PathBuf,
        source: std::io::Error,
    },
    /// Cargo's rendered diagnostics, verbatim.
    #[error("cargo build of the node binaries failed (exit {code:?}):\n{output}")]
    Failed { code: Option<i32>, output: String },
    /// The project's `[build] command` failed; its output, verbatim.
    #[error("the build command `{command}` failed ({status}):\n{output}")]
    CommandFailed {
        command: String,
        status: String,
        output: String,
    },
    #[error("the build was cancelled")]
    Cancelled,
}

/// Where a build's human-readable output goes, line by line, while it runs.
pub type BuildLines = mpsc::UnboundedSender<String>;

/// Runs `cargo build --release -p nodes --bins` in `workspace_root` and
/// returns where each binary landed. Cargo and its compilers run supervised:
/// a cancel (or glomers' death) stops the whole build at once. Cargo's
/// stderr (progress and diagnostics) goes to `lines` as it comes.
pub async fn build_nodes(
    workspace_root: &Path,
    cancel: watch::Receiver<bool>,
    lines: BuildLines,
) -> Result<NodeBinaries, BuildError> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    build_with(Path::new(&cargo), workspace_root, cancel, lines).await
}

async fn build_with(
    cargo: &Path,
    workspace_root: &Path,
    mut cancel: watch::Receiver<bool>,
    lines: BuildLines,
) -> Result<NodeBinaries, BuildError> {
    let args: Vec<String> = [
        "build",
        "--release",
        "-p",
        "nodes",
        "--bins",
        "--message-format=json-render-diagnostics",
    ]
    .map(String::from)
    .into();
    let spawn_error = |source| BuildError::Spawn {
        root: workspace_root.to_path_buf(),
        source,
    };
    // Stdout is cargo's JSON for us; only stderr is for people.
    let streams = Streams {
        stdout: None,
        stderr: Some(lines),
    };
    let (status, stdout, stderr) = run_supervised(
        cargo,
        &args,
        workspace_root,
        &mut cancel,
        streams,
        spawn_error,
    )
    .await?;
    // The supervisor exits 127 when it cannot find cargo at all.
    if status.code() == Some(127) && stdout.is_empty() {
        return Err(spawn_error(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            String::from_utf8_lossy(&stderr).trim().to_string(),
        )));
    }
    if !status.success() {
        return Err(BuildError::Failed {
            code: status.code(),
            output: String::from_utf8_lossy(&stderr).into_owned(),
        });
    }
    Ok(executables(&String::from_utf8_lossy(&stdout)))
}

/// Runs a project's build `command` with `sh -c` in `dir`, supervised like
/// cargo; its output goes to `lines` as it comes, and on failure the error
/// holds it too (stdout, then stderr).
pub async fn build_command(
    command: &str,
    dir: &Path,
    mut cancel: watch::Receiver<bool>,
    lines: BuildLines,
) -> Result<(), BuildError> {
    let args = ["-c".to_string(), command.to_string()];
    let spawn_error = |source| BuildError::Spawn {
        root: dir.to_path_buf(),
        source,
    };
    let streams = Streams {
        stdout: Some(lines.clone()),
        stderr: Some(lines),
    };
    let (status, mut output, stderr) = run_supervised(
        Path::new("sh"),
        &args,
        dir,
        &mut cancel,
        streams,
        spawn_error,
    )
    .await?;
    if status.success() {
        return Ok(());
    }
    output.extend(stderr);
    Err(BuildError::CommandFailed {
        command: command.to_string(),
        status: status.to_string(),
        output: String::from_utf8_lossy(&output).into_owned(),
    })
}

/// Resolves once `cancel` turns true; never if nobody can cancel any more.
async fn cancelled(cancel: &mut watch::Receiver<bool>) {
    loop {
        if *cancel.borrow_and_update() {
            return;
        }
        if cancel.changed().await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}

/// Which of a build's streams are shown live, and where.
struct Streams {
    stdout: Option<BuildLines>,
    stderr: Option<BuildLines>,
}

/// Runs `program` supervised in `dir` until it exits or the build is
/// cancelled (then its whole process group is stopped); returns its status
/// and everything it wrote on stdout and stderr.
async fn run_supervised(
    program: &Path,
    args: &[String],
    dir: &Path,
    cancel: &mut watch::Receiver<bool>,
    streams: Streams,
    spawn_error: impl Fn(std::io::Error) -> BuildError,
) -> Result<(std::process::ExitStatus, Vec<u8>, Vec<u8>), BuildError> {
    let Supervised {
        mut child,
        mut guard,
    } = supervise::spawn(program, args, &[], dir).map_err(&spawn_error)?;
    let stdout = tokio::spawn(read_all(child.stdout.take(), streams.stdout));
    let stderr = tokio::spawn(read_all(child.stderr.take(), streams.stderr));
    let status = tokio::select! {
        status = child.wait() => status.map_err(&spawn_error)?,
        _ = cancelled(cancel) => {
            guard.stop(&mut child).await;
            return Err(BuildError::Cancelled);
        }
    };
    guard.reaped();
    Ok((
        status,
        stdout.await.unwrap_or_default(),
        stderr.await.unwrap_or_default(),
    ))
}

/// Everything `stream` holds, each line also sent to `lines` as it comes.
async fn read_all(stream: Option<impl AsyncRead + Unpin>, lines: Option<BuildLines>) -> Vec<u8> {
    let mut bytes = Vec::new();
    let Some(stream) = stream else { return bytes };
    let mut reader = BufReader::new(stream);
    loop {
        let start = bytes.len();
        match reader.read_until(b'\n', &mut bytes).await {
            Ok(0) | Err(_) => return bytes,
            Ok(_) => {
                if let Some(lines) = &lines {
                    let line = String::from_utf8_lossy(&bytes[start..]);
                    let _ = lines.send(line.trim_end_matches(['\n', '\r']).to_string());
                }
            }
        }
    }
}

/// Collects `executable` paths of `bin` targets from cargo's JSON lines.
fn executables(cargo_json: &str) -> NodeBinaries {
    cargo_json
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|msg| msg["reason"] == "compiler-artifact")
        .filter(|msg| {
            msg["target"]["kind"]
                .as_array()
                .is_some_and(|k| k.iter().any(|k| k == "bin"))
        })
        .filter_map(|msg| {
            let name = msg["target"]["name"].as_str()?.to_string();
            let exe = msg["executable"].as_str()?;
            Some((name, PathBuf::from(exe)))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_bin_executables_from_cargo_messages() {
        let json = r#"{"reason":"compiler-artifact","target":{"kind":["lib"],"name":"nodes"},"executable":null}
{"reason":"compiler-artifact","target":{"kind":["bin"],"name":"echo"},"executable":"/t/release/echo"}
{"reason":"build-finished","success":true}
not json"#;
        let bins = executables(json);
        assert_eq!(bins.len(), 1);
        assert_eq!(bins["echo"], PathBuf::from("/t/release/echo"));
    }

    #[tokio::test]
    async fn build_failure_keeps_cargo_output() {
        let dir = tempfile::tempdir().unwrap();
        // No Cargo.toml here: cargo fails and says so.
        let (_cancel, never) = watch::channel(false);
        let (lines, mut shown) = mpsc::unbounded_channel();
        let err = build_nodes(dir.path(), never, lines).await.unwrap_err();
        let mut streamed = Vec::new();
        while let Ok(line) = shown.try_recv() {
            streamed.push(line);
        }
        match err {
            BuildError::Failed { output, .. } => {
                assert!(output.contains("Cargo.toml"), "{output}");
                assert_eq!(
                    streamed.join("\n"),
                    output.trim_end(),
                    "stderr, line by line"
                );
            }
            other => panic!("unexpected {other}"),
        }
    }

    #[test]
    fn the_workspace_is_the_nearest_manifest_with_a_nodes_member() {
        let dir = tempfile::tempdir().unwrap();
        let (outer, inner) = (dir.path(), dir.path().join("project/src"));
        std::fs::create_dir_all(&inner).unwrap();
        std::fs::write(
            outer.join("Cargo.toml"),
            "[workspace]\nmembers = [\"nodes\", \"runner\"]\n",
        )
        .unwrap();
        // A project's own workspace on the way up does not count.
        std::fs::write(
            dir.path().join("project/Cargo.toml"),
            "[workspace]\nmembers = [\"node\"]\n",
        )
        .unwrap();
        assert_eq!(find_workspace(&inner), Some(outer.to_path_buf()));
        std::fs::write(outer.join("Cargo.toml"), "[package]\nname = \"x\"\n").unwrap();
        assert_eq!(find_workspace(&inner), None);
    }

    #[tokio::test]
    async fn a_failed_build_command_keeps_its_output() {
        let dir = tempfile::tempdir().unwrap();
        let (_cancel, never) = watch::channel(false);
        let (lines, _shown) = mpsc::unbounded_channel();
        build_command("touch built", dir.path(), never.clone(), lines.clone())
            .await
            .unwrap();
        assert!(dir.path().join("built").exists(), "runs in the project dir");
        let err = build_command("echo out; echo err >&2; exit 4", dir.path(), never, lines)
            .await
            .unwrap_err();
        match err {
            BuildError::CommandFailed { status, output, .. } => {
                assert_eq!(
                    (status.as_str(), output.as_str()),
                    ("exit status: 4", "out\nerr\n")
                )
            }
            other => panic!("unexpected {other}"),
        }
    }

    #[tokio::test]
    async fn a_build_commands_lines_arrive_while_it_runs() {
        let dir = tempfile::tempdir().unwrap();
        let (_cancel, never) = watch::channel(false);
        let (lines, mut shown) = mpsc::unbounded_channel();
        // The command waits for a file the test writes only after seeing the
        // first line, so that line cannot have come at the end.
        let command =
            "echo compiling; while [ ! -e go ]; do sleep 0.02; done; echo 'error: x' >&2; exit 1";
        let build = tokio::spawn({
            let dir = dir.path().to_path_buf();
            async move { build_command(command, &dir, never, lines).await }
        });
        assert_eq!(shown.recv().await.as_deref(), Some("compiling"));
        assert!(!build.is_finished());
        std::fs::write(dir.path().join("go"), "").unwrap();
        assert_eq!(shown.recv().await.as_deref(), Some("error: x"));
        assert!(matches!(
            build.await.unwrap(),
            Err(BuildError::CommandFailed { .. })
        ));
        assert_eq!(shown.recv().await, None, "the stream ends with the build");
    }

    /// A stand-in for cargo that starts a compiler-like child and waits.
    fn slow_cargo(dir: &Path) -> PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let path = dir.join("cargo");
        std::fs::write(
            &path,
            "#!/bin/sh\nsleep 300 &\necho $! > \"$0.child\"\nwait\n",
        )
        .unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        path
    }

    #[tokio::test]
    async fn cancel_stops_cargo_and_its_children() {
        let dir = tempfile::tempdir().unwrap();
        let cargo = slow_cargo(dir.path());
        let (cancel, cancelled) = watch::channel(false);
        let build = tokio::spawn({
            let root = dir.path().to_path_buf();
            let (lines, _) = mpsc::unbounded_channel();
            async move { build_with(&cargo, &root, cancelled, lines).await }
        });
        let child_pid = dir.path().join("cargo.child");
        while !child_pid.exists() {
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        cancel.send(true).unwrap();
        let started = std::time::Instant::now();
        assert!(matches!(build.await.unwrap(), Err(BuildError::Cancelled)));
        assert!(started.elapsed() < supervise::GRACE + std::time::Duration::from_secs(1));
        let pid: i32 = std::fs::read_to_string(&child_pid)
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        assert!(
            crate::platform::has_exited(pid, std::time::Duration::from_secs(1)),
            "the compiler-like child {pid} outlived the cancelled build"
        );
    }
}
