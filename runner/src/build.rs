//! Builds our node binaries with cargo, once per invocation.
//!
//! Binary paths come from cargo's own JSON messages, so `CARGO_TARGET_DIR`
//! and profiles are honoured without guessing. Not used with `--bin`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;

/// The workspace this glomers binary was built from.
pub fn default_workspace_root() -> PathBuf {
    let runner_crate = Path::new(env!("CARGO_MANIFEST_DIR"));
    runner_crate.parent().unwrap_or(runner_crate).to_path_buf()
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
}

/// Runs `cargo build --release -p nodes --bins` in `workspace_root` and
/// returns where each binary landed.
pub async fn build_nodes(workspace_root: &Path) -> Result<NodeBinaries, BuildError> {
    let output =
        tokio::process::Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
            .args([
                "build",
                "--release",
                "-p",
                "nodes",
                "--bins",
                "--message-format=json-render-diagnostics",
            ])
            .current_dir(workspace_root)
            .stdin(Stdio::null())
            .kill_on_drop(true)
            .output()
            .await
            .map_err(|source| BuildError::Spawn {
                root: workspace_root.to_path_buf(),
                source,
            })?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        return Err(BuildError::Failed {
            code: output.status.code(),
            output: String::from_utf8_lossy(&output.stderr).into_owned(),
        });
    }
    Ok(executables(&stdout))
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
        let err = build_nodes(dir.path()).await.unwrap_err();
        match err {
            BuildError::Failed { output, .. } => assert!(output.contains("Cargo.toml"), "{output}"),
            other => panic!("unexpected {other}"),
        }
    }
}
