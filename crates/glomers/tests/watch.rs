//! `glomers watch` end to end on a scripted node: cycles on every save with
//! the change since the previous cycle, a change mid-cycle cancels it, and
//! Ctrl-C (130) or SIGTERM (143) leave nothing running. Also `glomers
//! rerun` of a recorded partitioned run: same seed, same schedule.

use std::io::{BufRead, BufReader};
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use assert_cmd::prelude::*;
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use runner::run_log::RunLog;
use support::ECHO_NODE as ECHO;

mod support;

/// The same node, answering every echo with the wrong payload.
fn broken_echo() -> String {
    ECHO.replace(r#"echo=body["echo"]"#, r#"echo="something else""#)
}

/// A temp dir holding the node; every process a test starts names the dir
/// in its command line, which is how survivors are found.
struct Sandbox {
    dir: tempfile::TempDir,
}

impl Sandbox {
    fn new(node: &str) -> Sandbox {
        let sandbox = Sandbox {
            dir: tempfile::tempdir().unwrap(),
        };
        sandbox.save(node);
        sandbox
    }

    fn node(&self) -> PathBuf {
        self.dir.path().join("node.py")
    }

    fn work_dir(&self) -> PathBuf {
        self.dir.path().join("runs")
    }

    /// Writes the node as an editor's save would.
    fn save(&self, text: &str) {
        support::write_executable(&self.node(), text);
    }

    fn glomers(&self, args: &[&str]) -> Command {
        let mut cmd = Command::cargo_bin("glomers").unwrap();
        cmd.arg("--work-dir").arg(self.work_dir()).args(args);
        cmd
    }

    /// Live processes whose command line names this sandbox.
    fn survivors(&self) -> Vec<String> {
        support::survivors(self.dir.path())
    }
}

/// A running `glomers watch`, its stdout and stderr lines as they come.
struct Watching {
    child: Child,
    lines: Receiver<(bool, String)>,
    /// Every line so far, `out:` or `err:` first, for failure messages.
    seen: Vec<String>,
}

impl Watching {
    fn start(sandbox: &Sandbox, time_limit: &str) -> Watching {
        let node = sandbox.node();
        let mut child = sandbox
            .glomers(&[
                "watch",
                "1",
                "--time-limit",
                time_limit,
                "--bin",
                node.to_str().unwrap(),
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (tx, lines) = channel();
        let out = BufReader::new(child.stdout.take().unwrap());
        let err = BufReader::new(child.stderr.take().unwrap());
        let tx_err = tx.clone();
        std::thread::spawn(move || {
            out.lines()
                .map_while(Result::ok)
                .for_each(|l| drop(tx.send((true, l))))
        });
        std::thread::spawn(move || {
            err.lines()
                .map_while(Result::ok)
                .for_each(|l| drop(tx_err.send((false, l))))
        });
        Watching {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// The next line (stdout when `stdout`) that starts with `prefix`.
    fn expect(&mut self, stdout: bool, prefix: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(90);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let Ok((is_out, line)) = self.lines.recv_timeout(left) else {
                panic!(
                    "no line starting `{prefix}`; saw:\n{}",
                    self.seen.join("\n")
                );
            };
            self.seen
                .push(format!("{}: {line}", if is_out { "out" } else { "err" }));
            if is_out == stdout && line.starts_with(prefix) {
                return line;
            }
        }
    }

    /// Sends `signal`, then waits (bounded) for the exit code.
    fn stop(mut self, signal: Signal) -> i32 {
        kill(Pid::from_raw(self.child.id() as i32), signal).unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code().unwrap_or(-1);
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("glomers watch did not stop on {signal}");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Every verdict line seen so far.
    fn verdicts(&self) -> Vec<&str> {
        self.seen
            .iter()
            .filter_map(|l| l.strip_prefix("out: "))
            .collect()
    }
}

fn assert_nothing_left(sandbox: &Sandbox) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while !sandbox.survivors().is_empty() {
        assert!(
            Instant::now() < deadline,
            "left running: {:?}",
            sandbox.survivors()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn each_save_gives_a_cycle_pass_fail_pass_and_ctrl_c_leaves_nothing() {
    let sandbox = Sandbox::new(ECHO);
    let mut watching = Watching::start(&sandbox, "1");
    let first = watching.expect(true, "PASS 1");
    assert!(!first.contains("(was"), "{first}");

    sandbox.save(&broken_echo());
    watching.expect(false, "── cycle 2: node.py changed");
    let failed = watching.expect(true, "FAIL 1");
    assert!(failed.contains("(was PASS) · glomers explain "), "{failed}");

    sandbox.save(ECHO);
    let fixed = watching.expect(true, "PASS 1");
    assert!(fixed.ends_with("(was FAIL)"), "{fixed}");
    assert_eq!(watching.verdicts().len(), 3, "{:?}", watching.verdicts());

    let log = RunLog::new(&sandbox.work_dir()).load().unwrap();
    let passed: Vec<bool> = log.runs.iter().map(|r| r.passed).collect();
    assert_eq!(passed, [true, false, true], "every cycle is recorded");
    assert!(
        log.runs
            .iter()
            .all(|r| r.seed.is_some() && r.bin_sha256.is_some())
    );
    assert_ne!(log.runs[0].bin_sha256, log.runs[1].bin_sha256);
    assert_eq!(log.runs[0].bin_sha256, log.runs[2].bin_sha256);

    assert_eq!(watching.stop(Signal::SIGINT), 130);
    assert_nothing_left(&sandbox);
}

#[test]
fn a_save_mid_run_cancels_it_and_sigterm_exits_143() {
    let sandbox = Sandbox::new(&broken_echo());
    let mut watching = Watching::start(&sandbox, "30");
    watching.expect(false, "[1] running");
    // A burst of saves, as an editor writing a file several times, fixes it.
    for _ in 0..4 {
        sandbox.save(ECHO);
        std::thread::sleep(Duration::from_millis(20));
    }
    watching.expect(false, "cycle 1 cancelled");
    watching.expect(false, "── cycle 2: node.py changed");
    watching.expect(false, "[1] running");
    std::thread::sleep(Duration::from_millis(500));
    assert!(
        !watching.seen.iter().any(|l| l.contains("── cycle 3")),
        "the burst made one cycle: {:?}",
        watching.seen
    );
    assert_eq!(
        watching.verdicts(),
        Vec::<&str>::new(),
        "the cancelled run has no verdict"
    );
    assert_eq!(watching.stop(Signal::SIGTERM), 143);
    assert_nothing_left(&sandbox);
    let log = RunLog::new(&sandbox.work_dir()).load().unwrap();
    assert!(
        log.runs.is_empty(),
        "cancelled runs are not recorded: {:?}",
        log.runs
    );
}

/// What a run's history scheduled (see [`sim::testing::schedule`]).
fn schedule(store: &std::path::Path) -> (Vec<String>, Vec<String>) {
    let text = std::fs::read_to_string(store.join("history.edn")).unwrap();
    sim::testing::schedule(&text)
}

#[test]
fn rerun_of_a_partitioned_run_repeats_its_seed_and_schedule_and_names_a_changed_binary() {
    let sandbox = Sandbox::new(ECHO);
    let nodes = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../sim/tests/nodes");
    for name in ["broadcast.py", "node_lib.py"] {
        std::fs::copy(nodes.join(name), sandbox.dir.path().join(name)).unwrap();
    }
    let node = sandbox.dir.path().join("broadcast.py");
    let first = sandbox
        .glomers(&["run", "3c", "--quick", "--ci", "--time-limit", "3", "--bin"])
        .arg(&node)
        .args(["--", "--nemesis-interval", "1"])
        .output()
        .unwrap();
    assert_eq!(
        first.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let recorded = RunLog::new(&sandbox.work_dir()).load().unwrap().runs[0].clone();
    let seed = recorded.seed.expect("the simulator's seed is recorded");
    assert_eq!(recorded.bin.as_deref(), Some(node.as_path()));

    // The same behaviour, different bytes: the rerun warns, and still repeats.
    let mut source = std::fs::read_to_string(&node).unwrap();
    source.push_str("\n# edited after the run\n");
    std::fs::write(&node, source).unwrap();
    let again = sandbox
        .glomers(&["rerun", &recorded.run_id])
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&again.stderr);
    assert_eq!(again.status.code(), Some(0), "{said}");
    assert!(
        said.contains(&format!("rerunning {} with seed {seed}", recorded.run_id)),
        "{said}"
    );
    assert!(
        said.contains(&format!("warning: {} changed since run", node.display())),
        "{said}"
    );

    let runs = RunLog::new(&sandbox.work_dir()).load().unwrap().runs;
    let repeat = &runs[1];
    assert_eq!(
        (repeat.seed, &repeat.params),
        (Some(seed), &recorded.params)
    );
    assert_ne!(repeat.bin_sha256, recorded.bin_sha256);
    let (ops_a, nemesis_a) = schedule(recorded.store_dir.as_deref().unwrap());
    let (ops_b, nemesis_b) = schedule(repeat.store_dir.as_deref().unwrap());
    assert!(
        nemesis_a.len() >= 2,
        "partitions were injected: {nemesis_a:?}"
    );
    assert_eq!(nemesis_a, nemesis_b, "same nemesis events");
    assert!(ops_a.len() > 10, "{ops_a:?}");
    sim::testing::same_up_to_neighbour_swaps(&ops_a, &ops_b, 4).unwrap();
}

/// Stands in for a long `cargo build`: a compiler-like child that names the
/// sandbox in its command line, then waits.
const SLOW_CARGO: &str = r#"#!/bin/sh
python3 -c 'import time; time.sleep(300)' "$0" &
wait
"#;

#[test]
fn a_save_during_the_build_stops_the_whole_build_and_builds_again() {
    let sandbox = Sandbox::new(ECHO);
    let root = sandbox.dir.path();
    let source = root.join("ws/nodes/src/lib.rs");
    std::fs::create_dir_all(source.parent().unwrap()).unwrap();
    std::fs::write(&source, "// v1\n").unwrap();
    let cargo = root.join("cargo");
    std::fs::write(&cargo, SLOW_CARGO).unwrap();
    std::fs::set_permissions(&cargo, std::fs::Permissions::from_mode(0o755)).unwrap();
    let compilers = || {
        sandbox
            .survivors()
            .iter()
            .filter(|c| c.contains("time.sleep(300)"))
            .count()
    };
    let wait_for = |count: usize| {
        let deadline = Instant::now() + Duration::from_secs(30);
        while compilers() != count {
            assert!(Instant::now() < deadline, "{:?}", sandbox.survivors());
            std::thread::sleep(Duration::from_millis(50));
        }
    };
    let workspace = root.join("ws");
    let mut child = sandbox
        .glomers(&["--workspace", workspace.to_str().unwrap(), "watch", "1"])
        .env("CARGO", &cargo)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (tx, lines) = channel();
    let err = BufReader::new(child.stderr.take().unwrap());
    std::thread::spawn(move || {
        err.lines()
            .map_while(Result::ok)
            .for_each(|l| drop(tx.send((false, l))))
    });
    let mut watching = Watching {
        child,
        lines,
        seen: Vec::new(),
    };
    watching.expect(false, "building node binaries");
    wait_for(1);
    std::fs::write(&source, "// v2\n").unwrap();
    watching.expect(false, "cycle 1 cancelled");
    watching.expect(false, "── cycle 2: lib.rs changed");
    watching.expect(false, "building node binaries");
    wait_for(1);
    // Settles at one compiler: the first build's is gone. (Under load one
    // save can reach the watcher as two changes, truncate then write, so a
    // further cycle may replace the second build; that is fine.)
    std::thread::sleep(Duration::from_millis(300));
    wait_for(1);
    assert_eq!(watching.stop(Signal::SIGINT), 130);
    assert_nothing_left(&sandbox);
}
