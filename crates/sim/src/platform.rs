//! The one place where the simulator's process control depends on the platform.
//!
//! Nodes must not outlive the simulator, nor the simulator glomers. On Linux
//! the kernel kills each node when the simulator dies (`PR_SET_PDEATHSIG`),
//! and the simulator goes with glomers' supervisor's process group. Everywhere
//! else (macOS), and on Linux with the `portable-process` feature so that CI
//! exercises that code, only POSIX is used: a helper thread polls
//! `getppid()` and, once the parent is gone, kills every node's group and
//! exits; nodes, being users' programs, are otherwise reached through their
//! process groups and through their stdin closing. Nothing outside this
//! module may use `prctl` or `/proc` (a test scans the sources).

#[cfg(all(target_os = "linux", not(feature = "portable-process")))]
mod imp {
    /// Asks the kernel to SIGKILL the node if the simulator dies first.
    #[allow(unsafe_code)]
    pub fn die_with_parent(cmd: &mut tokio::process::Command) {
        let parent = std::process::id();
        // SAFETY: the closure runs in the forked child before exec and only calls
        // prctl and getppid, which are async-signal-safe and touch no shared state.
        unsafe {
            cmd.pre_exec(move || {
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) == -1 {
                    return Err(std::io::Error::last_os_error());
                }
                // If the simulator died between fork and prctl, no signal will ever come.
                if libc::getppid() as u32 != parent {
                    return Err(std::io::Error::other(
                        "the simulator exited while starting the node",
                    ));
                }
                Ok(())
            });
        }
    }

    /// Nothing to watch: the supervisor's group, the simulator included, is
    /// signalled by the kernel when glomers dies.
    pub struct ParentWatch;

    pub fn watch_parent(_: impl FnOnce() + Send + 'static) -> ParentWatch {
        ParentWatch
    }
}

#[cfg(not(all(target_os = "linux", not(feature = "portable-process"))))]
mod imp {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::time::Duration;

    /// How often the helper thread checks for its parent.
    const POLL: Duration = Duration::from_millis(100);

    /// Nodes are users' programs: nothing runs in them before exec here, so
    /// they are reached through their process group and their stdin instead.
    pub fn die_with_parent(_: &mut tokio::process::Command) {}

    /// Stops the helper thread when dropped.
    pub struct ParentWatch {
        stopped: Arc<AtomicBool>,
    }

    impl Drop for ParentWatch {
        fn drop(&mut self) {
            self.stopped.store(true, Ordering::Relaxed);
        }
    }

    /// Calls `orphaned` once the process that started this one is gone
    /// (the parent pid changes when the parent dies), checking every [`POLL`].
    pub fn watch_parent(orphaned: impl FnOnce() + Send + 'static) -> ParentWatch {
        let stopped = Arc::new(AtomicBool::new(false));
        let parent = nix::unistd::getppid();
        let stop = Arc::clone(&stopped);
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                if nix::unistd::getppid() != parent {
                    orphaned();
                    return;
                }
                std::thread::sleep(POLL);
            }
        });
        ParentWatch { stopped }
    }
}

pub use imp::{die_with_parent, watch_parent};
