//! Which program runs the test: the embedded simulator (our own `glomers`
//! executable, `glomers maelstrom test ...`) or a real Maelstrom install.
//!
//! Both take the same `test ...` arguments and write the same `store/`
//! layout, so nothing downstream knows which one ran.

use std::path::{Path, PathBuf};

/// What the user asked for with `--backend` (or `glomers.toml`'s `[defaults] backend`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BackendChoice {
    /// The embedded simulator.
    #[default]
    Sim,
    /// Real Maelstrom (needs Java).
    Maelstrom,
    /// Real Maelstrom when one is found, else the simulator.
    Auto,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BackendKind {
    Sim,
    Maelstrom,
}

impl std::fmt::Display for BackendKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            BackendKind::Sim => "sim",
            BackendKind::Maelstrom => "maelstrom",
        })
    }
}

/// A resolved backend: the program and the arguments that precede `test ...`.
#[derive(Debug, Clone, PartialEq)]
pub struct Backend {
    pub kind: BackendKind,
    pub program: PathBuf,
    pub prefix_args: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum BackendError {
    #[error(
        "real Maelstrom was requested but not found: pass --maelstrom PATH, set $MAELSTROM, or put \
         `maelstrom` on PATH (download maelstrom.tar.bz2 from github.com/jepsen-io/maelstrom/releases)"
    )]
    MaelstromNotFound,
    #[error("Maelstrom at {0} does not exist or is not executable")]
    MaelstromNotExecutable(PathBuf),
    #[error(
        "Maelstrom at {0} needs Java, but `java` is not on PATH: install a JDK (11 or newer), e.g. `apt install openjdk-17-jre-headless`"
    )]
    JavaMissing(PathBuf),
    #[error("cannot locate the glomers executable to run the simulator: {0}")]
    SelfExe(std::io::Error),
}

impl Backend {
    /// The simulator, run through `glomers_exe maelstrom test ...`.
    pub fn sim(glomers_exe: PathBuf) -> Backend {
        Backend {
            kind: BackendKind::Sim,
            program: glomers_exe,
            prefix_args: vec!["maelstrom".into()],
        }
    }

    /// The simulator through the currently running executable.
    pub fn sim_from_current_exe() -> Result<Backend, BackendError> {
        std::env::current_exe()
            .map(Backend::sim)
            .map_err(BackendError::SelfExe)
    }

    /// Real Maelstrom at `path` (checked to exist, and to have Java when it is
    /// the official launcher script, which runs `java -jar maelstrom.jar`).
    pub fn maelstrom(path: &Path) -> Result<Backend, BackendError> {
        let program = which::which(path)
            .map_err(|_| BackendError::MaelstromNotExecutable(path.to_path_buf()))?;
        if needs_java(&program) && which::which("java").is_err() {
            return Err(BackendError::JavaMissing(program));
        }
        Ok(Backend {
            kind: BackendKind::Maelstrom,
            program,
            prefix_args: Vec::new(),
        })
    }

    /// Resolves `choice`: an explicit `--maelstrom` path wins, then
    /// `$MAELSTROM`, then `maelstrom` on PATH.
    pub fn resolve(
        choice: BackendChoice,
        maelstrom_flag: Option<&Path>,
        sim: impl FnOnce() -> Result<Backend, BackendError>,
    ) -> Result<Backend, BackendError> {
        let found = || -> Option<PathBuf> {
            maelstrom_flag
                .map(Path::to_path_buf)
                .or_else(|| {
                    std::env::var_os("MAELSTROM")
                        .filter(|v| !v.is_empty())
                        .map(PathBuf::from)
                })
                .or_else(|| which::which("maelstrom").ok())
        };
        match choice {
            BackendChoice::Sim => sim(),
            BackendChoice::Maelstrom => {
                Backend::maelstrom(&found().ok_or(BackendError::MaelstromNotFound)?)
            }
            BackendChoice::Auto => match found().map(|p| Backend::maelstrom(&p)) {
                Some(Ok(backend)) => Ok(backend),
                _ => sim(),
            },
        }
    }

    /// Full argv after the program: prefix, then the `test ...` arguments.
    pub fn argv(&self, test_args: &[String]) -> Vec<String> {
        self.prefix_args.iter().chain(test_args).cloned().collect()
    }
}

/// True for a launcher script that starts the JVM (only a small prefix is read).
fn needs_java(program: &Path) -> bool {
    use std::io::Read;
    let mut head = Vec::with_capacity(4096);
    std::fs::File::open(program)
        .and_then(|f| f.take(4096).read_to_end(&mut head))
        .map(|_| String::from_utf8_lossy(&head).contains("java"))
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn script(dir: &Path, name: &str, body: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, body).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        path
    }

    #[test]
    fn both_backends_get_the_same_test_arguments() {
        let dir = tempfile::tempdir().unwrap();
        let fake = script(dir.path(), "maelstrom", "#!/bin/sh\nexit 0\n");
        let test_args: Vec<String> = ["test", "-w", "echo", "--bin", "/x/echo"]
            .map(String::from)
            .into();
        let sim = Backend::sim(PathBuf::from("/bin/glomers"));
        assert_eq!(sim.argv(&test_args)[0], "maelstrom");
        assert_eq!(sim.argv(&test_args)[1..], test_args[..]);
        let real =
            Backend::resolve(BackendChoice::Maelstrom, Some(&fake), || unreachable!()).unwrap();
        assert_eq!(real.kind, BackendKind::Maelstrom);
        assert_eq!(real.argv(&test_args), test_args);
    }

    #[test]
    fn missing_maelstrom_is_a_clear_error() {
        let err = Backend::resolve(
            BackendChoice::Maelstrom,
            Some(Path::new("/nonexistent/maelstrom")),
            || unreachable!(),
        )
        .unwrap_err();
        assert!(err.to_string().contains("/nonexistent/maelstrom"), "{err}");
    }

    #[test]
    fn auto_falls_back_to_the_simulator() {
        let sim = Backend::sim(PathBuf::from("/bin/glomers"));
        let got = Backend::resolve(
            BackendChoice::Auto,
            Some(Path::new("/nonexistent/maelstrom")),
            || Ok(sim.clone()),
        )
        .unwrap();
        assert_eq!(got, sim);
    }

    #[test]
    fn launcher_script_requires_java() {
        let dir = tempfile::tempdir().unwrap();
        let launcher = script(
            dir.path(),
            "maelstrom",
            "#!/bin/sh\nexec java -jar lib/maelstrom.jar \"$@\"\n",
        );
        let result = Backend::maelstrom(&launcher);
        match which::which("java") {
            Ok(_) => assert!(result.is_ok()),
            Err(_) => assert!(matches!(result, Err(BackendError::JavaMissing(_)))),
        }
    }
}
