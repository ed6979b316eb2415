//! The one place where process control depends on the platform.
//!
//! Two facts differ: how a supervisor learns that glomers died, and how a
//! test tells an exited-but-unreaped process (a zombie) from a live one. On
//! Linux the kernel signals the supervisor (`PR_SET_PDEATHSIG`) and `/proc`
//! shows zombies. Everywhere else (macOS), and on Linux with the
//! `portable-process` feature so that CI exercises that code, only POSIX is
//! used: the supervisor polls whether glomers is still alive, and a process
//! counts as gone once `kill(pid, 0)` stops finding it. Nothing outside this
//! module may use `prctl` or `/proc` (a test scans the sources).

#[cfg(all(target_os = "linux", not(feature = "portable-process")))]
mod imp {
    use nix::sys::signal::Signal;

    /// Asks the kernel to TERM the supervisor when glomers dies; the
    /// supervisor script needs no watchdog line.
    #[allow(unsafe_code)]
    pub fn tie_to_glomers(command: &mut tokio::process::Command) -> String {
        let parent = nix::unistd::getpid();
        // SAFETY: the closure runs in the forked child before exec and only makes
        // the prctl and getppid syscalls, which are async-signal-safe and touch no memory of ours.
        unsafe {
            command.pre_exec(move || {
                nix::sys::prctl::set_pdeathsig(Signal::SIGTERM).map_err(std::io::Error::from)?;
                // If glomers died between fork and prctl, no signal will ever come: give up now.
                if nix::unistd::getppid() != parent {
                    return Err(std::io::Error::other(
                        "glomers exited while starting a child process",
                    ));
                }
                Ok(())
            });
        }
        String::new()
    }

    /// A zombie has exited; only its parent has not collected it yet.
    #[cfg(test)]
    pub fn is_zombie(pid: i32) -> bool {
        std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
            stat.rsplit(')')
                .next()
                .is_some_and(|rest| rest.trim_start().starts_with('Z'))
        })
    }
}

#[cfg(not(all(target_os = "linux", not(feature = "portable-process"))))]
mod imp {
    /// Returns the supervisor's watchdog: a background loop that checks
    /// every 100 ms that glomers still exists and TERMs the supervisor (whose
    /// trap takes the whole group down) once it does not. Its output goes
    /// nowhere, so it never holds the program's pipes open.
    pub fn tie_to_glomers(_: &mut tokio::process::Command) -> String {
        let glomers = std::process::id();
        format!(
            "(while kill -0 {glomers} 2>/dev/null; do sleep 0.1; done; kill -TERM $$) \
             </dev/null >/dev/null 2>&1 &\n"
        )
    }

    /// Without `/proc` a zombie cannot be told from a live process; the
    /// processes glomers' tests watch are reaped by their new parent within
    /// moments of dying, so [`super::has_exited`] waits for that instead.
    #[cfg(test)]
    pub fn is_zombie(_: i32) -> bool {
        false
    }
}

pub(crate) use imp::tie_to_glomers;

/// True once `pid` has exited (a zombie counts), waiting up to `within`.
#[cfg(test)]
pub(crate) fn has_exited(pid: i32, within: std::time::Duration) -> bool {
    use nix::sys::signal::kill;
    use nix::unistd::Pid;
    let deadline = std::time::Instant::now() + within;
    loop {
        if kill(Pid::from_raw(pid), None).is_err() || imp::is_zombie(pid) {
            return true;
        }
        if std::time::Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_killed_child_has_exited_and_a_running_one_has_not() {
        let mut child = std::process::Command::new("sleep")
            .arg("30")
            .spawn()
            .unwrap();
        let pid = child.id() as i32;
        assert!(!has_exited(pid, Duration::from_millis(100)));
        child.kill().unwrap();
        let _ = child.wait();
        assert!(has_exited(pid, Duration::from_secs(1)));
    }

    #[cfg(all(target_os = "linux", not(feature = "portable-process")))]
    #[test]
    fn a_dead_unreaped_child_is_a_zombie() {
        let mut child = std::process::Command::new("sleep")
            .arg("30")
            .spawn()
            .unwrap();
        let pid = child.id() as i32;
        assert!(!imp::is_zombie(pid));
        child.kill().unwrap();
        assert!(has_exited(pid, Duration::from_secs(1)));
        let _ = child.wait();
    }

    /// The Linux-only names; `/proc` only as a path (not `process`).
    const LINUX_ONLY: &str = r"prctl|PR_SET_PDEATHSIG|/proc\b";
    const LINUX_ITEM: &str =
        r#"#[cfg(all(target_os = "linux", not(feature = "portable-process")))]"#;
    const PORTABLE_ITEM: &str =
        r#"#[cfg(not(all(target_os = "linux", not(feature = "portable-process"))))]"#;

    fn rust_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                rust_files(&path, out);
            } else if path.extension().is_some_and(|ext| ext == "rs") {
                out.push(path);
            }
        }
    }

    /// Code lines (not comments) using Linux-only process control, as
    /// `file:line`, except inside a seam's Linux-only module.
    fn linux_only_uses(root: &std::path::Path) -> Vec<String> {
        let pattern = regex::Regex::new(LINUX_ONLY).unwrap();
        let mut sources = Vec::new();
        let crates = std::fs::read_dir(root.join("crates")).unwrap().flatten();
        for dir in crates
            .map(|entry| entry.path())
            .chain(["nodes", "runner"].map(|name| root.join(name)))
        {
            if dir.join("src").is_dir() {
                rust_files(&dir.join("src"), &mut sources);
            }
        }
        let mut found = Vec::new();
        for path in sources {
            let seam = path.ends_with("src/platform.rs");
            let mut in_linux_item = false;
            for (number, line) in std::fs::read_to_string(&path).unwrap().lines().enumerate() {
                let code = line.trim_start();
                if seam && code == LINUX_ITEM {
                    in_linux_item = true;
                } else if seam && code == PORTABLE_ITEM {
                    in_linux_item = false;
                }
                if !code.starts_with("//") && pattern.is_match(code) && !in_linux_item {
                    found.push(format!("{}:{}", path.display(), number + 1));
                }
            }
        }
        found
    }

    #[test]
    fn linux_only_process_control_stays_inside_the_seams() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        assert_eq!(linux_only_uses(&root), Vec::<String>::new());
    }

    #[test]
    fn the_scan_finds_linux_only_code_outside_a_seam() {
        let root = tempfile::tempdir().unwrap();
        let src = root.path().join("crates/some/src");
        std::fs::create_dir_all(&src).unwrap();
        std::fs::create_dir_all(root.path().join("runner/src")).unwrap();
        std::fs::write(
            src.join("lib.rs"),
            "// prctl in a comment is fine\nlet s = std::fs::read(\"/proc/1/stat\");\n",
        )
        .unwrap();
        std::fs::write(
            src.join("platform.rs"),
            format!(
                "{LINUX_ITEM}\nmod imp {{ prctl(); }}\n{PORTABLE_ITEM}\nmod imp {{ prctl(); }}\n"
            ),
        )
        .unwrap();
        let found = linux_only_uses(root.path());
        let names: Vec<&str> = found
            .iter()
            .map(|f| f.rsplit('/').next().unwrap())
            .collect();
        assert_eq!(names, ["lib.rs:2", "platform.rs:4"], "{found:?}");
    }
}
