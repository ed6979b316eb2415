//! Child processes that cannot outlive glomers.
//!
//! A supervised program starts under a tiny `sh` that leads its own process
//! group and gets SIGTERM when glomers dies (how it learns that depends on
//! the platform: see `platform`); on that signal it tears the whole group
//! down (TERM, then KILL). Glomers itself stops the group on cancel (TERM,
//! [`GRACE`], KILL) and kills it on drop, so
//! grandchildren (rustc under cargo, nodes under a JVM) go too, even when
//! glomers is killed with SIGKILL.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;

use crate::platform;

/// Time between TERM and KILL when cancelling.
pub const GRACE: Duration = Duration::from_secs(3);

/// Traps TERM/INT, then stops everything in its process group: politely, then for good.
const SUPERVISOR_TRAP: &str =
    r#"trap 'trap "" TERM INT; kill -TERM 0 2>/dev/null; sleep 2; kill -KILL 0' TERM INT"#;
/// Runs the program, so that the trap can fire while it runs.
const SUPERVISOR_RUN: &str = r#""$@" &
wait $!"#;

/// A running supervised program; its stdout and stderr are piped.
pub struct Supervised {
    pub child: tokio::process::Child,
    pub guard: GroupGuard,
}

/// Kills the process group when dropped, unless the process was reaped.
pub struct GroupGuard {
    pgid: Option<Pid>,
}

impl GroupGuard {
    fn signal(&self, signal: Signal) {
        if let Some(pgid) = self.pgid {
            // ESRCH just means everyone is already gone.
            let _ = killpg(pgid, signal);
        }
    }

    /// The leader was reaped: kill leftovers we still own, then forget the
    /// group, whose id may be reused from now on.
    pub fn reaped(&mut self) {
        self.signal(Signal::SIGKILL);
        self.pgid = None;
    }

    /// TERM the group, wait up to [`GRACE`], then KILL it.
    pub async fn stop(&mut self, child: &mut tokio::process::Child) {
        self.signal(Signal::SIGTERM);
        if tokio::time::timeout(GRACE, child.wait()).await.is_err() {
            self.signal(Signal::SIGKILL);
            let _ = child.wait().await;
        }
        // Processes that ignored TERM but outlived the supervisor go too.
        self.reaped();
    }
}

impl Drop for GroupGuard {
    fn drop(&mut self) {
        self.signal(Signal::SIGKILL);
    }
}

/// Starts `program args` with `env` in `dir`, stdin closed, output piped.
pub fn spawn(
    program: &Path,
    args: &[String],
    env: &[(String, String)],
    dir: &Path,
) -> std::io::Result<Supervised> {
    let mut command = tokio::process::Command::new("/bin/sh");
    let watchdog = platform::tie_to_glomers(&mut command);
    let script = format!("{SUPERVISOR_TRAP}\n{watchdog}{SUPERVISOR_RUN}");
    command
        .arg("-c")
        .arg(script)
        .arg("glomers-supervisor")
        .arg(program)
        .args(args)
        .envs(env.iter().map(|(k, v)| (k, v)))
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true);
    let child = command.spawn()?;
    let guard = GroupGuard {
        pgid: child.id().map(|id| Pid::from_raw(id as i32)),
    };
    Ok(Supervised { child, guard })
}
