//! Signals and a panic at every moment of a run: nothing may be left running.

use super::*;

#[derive(Clone, Copy)]
enum Moment {
    /// While cargo builds the nodes (a stand-in cargo with a compiler-like child).
    Build,
    /// While glomers starts the simulator and the simulator starts the node.
    Launch,
    /// Once the simulator reports its main phase.
    Run,
    /// While the backend analyses (a stand-in Maelstrom that analyses for minutes).
    Analysis,
}

/// Stands in for a long `cargo build`: a compiler-like child, then waits.
/// The child's command line names the sandbox, so a survivor is found.
const SLOW_CARGO: &str = r#"#!/bin/sh
python3 -c 'import time; time.sleep(300)' "$0" &
: > "$0.busy"
wait
"#;

/// Stands in for Maelstrom stuck in analysis, with a JVM-like child.
const SLOW_ANALYSIS: &str = r#"#!/bin/sh
echo "INFO [2026-01-01 00:00:00,000] jepsen test runner - jepsen.core Running test with fake"
echo "INFO [2026-01-01 00:00:05,000] jepsen test runner - jepsen.core Analyzing..."
python3 -c 'import time; time.sleep(300)' "$0" &
: > "$0.busy"
wait
"#;

impl Sandbox {
    /// `glomers run 1` that will be busy in `moment` for minutes.
    fn long_run(&self, moment: Moment) -> Command {
        match moment {
            Moment::Launch | Moment::Run => self.run("60"),
            Moment::Build => {
                write_executable(&self.path("cargo"), SLOW_CARGO);
                let mut cmd = Command::cargo_bin("glomers").unwrap();
                cmd.args(["run", "1", "--ci", "--backend", "sim", "--work-dir"])
                    .arg(self.work_dir())
                    .env("CARGO", self.path("cargo"));
                cmd
            }
            Moment::Analysis => {
                write_executable(&self.path("maelstrom"), SLOW_ANALYSIS);
                let mut cmd = Command::cargo_bin("glomers").unwrap();
                // --bin: no node build first (minutes on a cold target dir).
                cmd.args(["run", "1", "--ci", "--backend", "maelstrom", "--maelstrom"])
                    .arg(self.path("maelstrom"))
                    .arg("--bin")
                    .arg(self.path("echo.py"))
                    .arg("--work-dir")
                    .arg(self.work_dir());
                cmd
            }
        }
    }

    /// Waits until the stand-in says it is busy, and resets the mark.
    fn wait_busy(&self, name: &str) {
        let mark = self.path(&format!("{name}.busy"));
        let deadline = Instant::now() + Duration::from_secs(15);
        while std::fs::remove_file(&mark).is_err() {
            assert!(Instant::now() < deadline, "{name} never got busy");
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

/// Starts a long run, signals it at `moment`, and checks the aftermath, in a loop.
fn interrupt_in_a_loop(signal: Signal, moment: Moment) {
    let sandbox = Sandbox::new();
    // A finished run first, so there is a run log that must survive the interrupts.
    let status = sandbox.run("1").stdout(Stdio::null()).status().unwrap();
    assert!(status.success());
    assert_eq!(sandbox.run_log_len(), 1);
    for i in 0..soak_iterations() {
        let (mut child, running) =
            support::spawn_with_running_signal(&mut sandbox.long_run(moment));
        match moment {
            // Spread the signal over the first 300 ms: before the simulator,
            // while it spawns, and while the node starts.
            Moment::Launch => std::thread::sleep(Duration::from_millis(30 + 67 * (i as u64 % 5))),
            Moment::Run => running
                .recv_timeout(Duration::from_secs(15))
                .expect("the run never reached its main phase"),
            Moment::Build => sandbox.wait_busy("cargo"),
            Moment::Analysis => sandbox.wait_busy("maelstrom"),
        }
        kill(Pid::from_raw(child.id() as i32), signal).unwrap();
        let status = wait_bounded(&mut child, Duration::from_secs(10));
        // Once its handler is installed glomers stops everything and exits
        // 128 + the signal (130 for SIGINT, 143 for SIGTERM); a signal in its
        // first milliseconds kills it outright, before it has started anything.
        let by_signal = status.signal() == Some(signal as i32);
        let handled = signal != Signal::SIGKILL && status.code() == Some(128 + signal as i32);
        assert!(handled || by_signal, "iteration {i}: {status:?}");
        sandbox.assert_no_survivors(Duration::from_secs(6));
        // Interrupted runs are not recorded, and the earlier one is intact.
        assert_eq!(sandbox.run_log_len(), 1, "iteration {i}");
    }
}

#[test]
fn sigint_during_build_leaves_nothing_behind() {
    interrupt_in_a_loop(Signal::SIGINT, Moment::Build);
}

#[test]
fn sigterm_during_build_leaves_nothing_behind() {
    interrupt_in_a_loop(Signal::SIGTERM, Moment::Build);
}

#[test]
fn sigkill_during_build_leaves_nothing_behind() {
    interrupt_in_a_loop(Signal::SIGKILL, Moment::Build);
}

#[test]
fn sigint_during_analysis_leaves_nothing_behind() {
    interrupt_in_a_loop(Signal::SIGINT, Moment::Analysis);
}

#[test]
fn sigterm_during_analysis_leaves_nothing_behind() {
    interrupt_in_a_loop(Signal::SIGTERM, Moment::Analysis);
}

#[test]
fn sigkill_during_analysis_leaves_nothing_behind() {
    interrupt_in_a_loop(Signal::SIGKILL, Moment::Analysis);
}

#[test]
fn sigint_during_launch_leaves_nothing_behind() {
    interrupt_in_a_loop(Signal::SIGINT, Moment::Launch);
}

#[test]
fn sigint_during_run_leaves_nothing_behind() {
    interrupt_in_a_loop(Signal::SIGINT, Moment::Run);
}

#[test]
fn sigterm_during_launch_leaves_nothing_behind() {
    interrupt_in_a_loop(Signal::SIGTERM, Moment::Launch);
}

#[test]
fn sigterm_during_run_leaves_nothing_behind() {
    interrupt_in_a_loop(Signal::SIGTERM, Moment::Run);
}

#[test]
fn sigkill_during_launch_leaves_nothing_behind() {
    interrupt_in_a_loop(Signal::SIGKILL, Moment::Launch);
}

#[test]
fn sigkill_during_run_leaves_nothing_behind() {
    interrupt_in_a_loop(Signal::SIGKILL, Moment::Run);
}

/// A panic in glomers mid-run (debug builds panic on `GLOMERS_PANIC_AT`):
/// the run is an infrastructure error (exit 2) in bounded time, recorded,
/// nothing left running, the run log intact.
#[test]
fn panic_during_run_leaves_nothing_behind() {
    let sandbox = Sandbox::new();
    let status = sandbox.run("1").stdout(Stdio::null()).status().unwrap();
    assert!(status.success());
    for i in 0..soak_iterations() {
        let mut child = sandbox
            .run("60")
            .env("GLOMERS_PANIC_AT", "Running")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let status = wait_bounded(&mut child, Duration::from_secs(20));
        let mut stderr = String::new();
        std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
        // The panicking run becomes an infrastructure error (exit 2) and is recorded.
        assert_eq!(status.code(), Some(2), "iteration {i}: {stderr}");
        assert!(
            stderr.contains("a deliberate panic"),
            "iteration {i}: {stderr}"
        );
        sandbox.assert_no_survivors(Duration::from_secs(6));
        assert_eq!(sandbox.run_log_len(), 2 + i, "iteration {i}");
        let runs = RunLog::new(&sandbox.work_dir()).load().unwrap().runs;
        let reasons = &runs.last().unwrap().reasons;
        assert!(
            reasons
                .iter()
                .any(|r| r.contains("internal error in glomers: GLOMERS_PANIC_AT=Running")),
            "iteration {i}: {reasons:?}"
        );
    }
}
