//! The real `glomers` dashboard in a pseudo-terminal: tmux provides the
//! terminal (100×30) and the keys, `script` records every byte the
//! dashboard writes, and `stty -a` afterwards shows the terminal mode it
//! left behind. Skipped (with a note) where tmux or script is missing.
//!
//! The full run builds the nodes, runs challenge 1 on the simulator and
//! looks at its latency chart and results tree. Under `cargo test
//! --workspace` the nodes are already built by then (`sim_end_to_end` runs
//! first and builds them in the same `CARGO_TARGET_DIR`); run alone on a
//! cold target dir, the release build takes minutes, and [`BUILD`] allows for it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// A private tmux server running one dashboard under `script`.
struct Dashboard {
    dir: tempfile::TempDir,
    socket: PathBuf,
}

impl Dashboard {
    /// Starts `glomers` (no arguments) in a 100×30 pane; `None` when tmux or script is missing.
    fn start() -> Option<Dashboard> {
        Dashboard::start_with(&[])
    }

    /// [`Dashboard::start`] with extra `NAME=value` environment entries.
    fn start_with(env: &[&str]) -> Option<Dashboard> {
        Dashboard::start_in(env, &[])
    }

    /// [`Dashboard::start_with`] in a directory holding `files` (name, text,
    /// executable); our nodes come from this workspace (`GLOMERS_WORKSPACE`).
    fn start_in(env: &[&str], files: &[(&str, String, bool)]) -> Option<Dashboard> {
        use std::os::unix::fs::PermissionsExt;
        if which("tmux").is_none() || which("script").is_none() {
            eprintln!("skipped: the pty tests need tmux and script (util-linux)");
            return None;
        }
        let dir = tempfile::tempdir().expect("temp dir");
        for (name, text, executable) in files {
            let path = dir.path().join(name);
            std::fs::write(&path, text).expect("project file");
            let mode = if *executable { 0o755 } else { 0o644 };
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
        }
        let workspace = format!(
            "GLOMERS_WORKSPACE={}",
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../..")
                .display()
        );
        let socket = dir.path().join("tmux.sock");
        let inner = format!(
            "{} ; echo $? > {} ; stty -a > {}",
            shell_quote(env!("CARGO_BIN_EXE_glomers")),
            shell_quote(&dir.path().join("exit.txt").to_string_lossy()),
            shell_quote(&dir.path().join("stty.txt").to_string_lossy())
        );
        let script = format!(
            "script -q -e -c {} {}",
            shell_quote(&inner),
            shell_quote(&dir.path().join("raw.out").to_string_lossy())
        );
        let dashboard = Dashboard { socket, dir };
        let glomers_dir = format!(
            "GLOMERS_DIR={}",
            dashboard.dir.path().join("glomers").display()
        );
        let cwd = dashboard.dir.path().to_string_lossy().into_owned();
        let args: Vec<&str> = [
            "new-session",
            "-d",
            "-s",
            "dash",
            "-x",
            "100",
            "-y",
            "30",
            "-c",
            &cwd,
            "-e",
            &glomers_dir,
            "-e",
            "NO_COLOR=1",
            "-e",
            &workspace,
        ]
        .into_iter()
        .chain(env.iter().flat_map(|entry| ["-e", entry]))
        .chain([script.as_str()])
        .collect();
        let started = dashboard.tmux(&args);
        assert!(
            started.status.success(),
            "tmux new-session: {}",
            String::from_utf8_lossy(&started.stderr)
        );
        Some(dashboard)
    }

    fn tmux(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .arg("-S")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("run tmux")
    }

    fn screen(&self) -> String {
        String::from_utf8_lossy(&self.tmux(&["capture-pane", "-p", "-t", "dash"]).stdout)
            .into_owned()
    }

    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "dash"];
        args.extend(keys);
        assert!(self.tmux(&args).status.success(), "send-keys {keys:?}");
    }

    /// Polls the screen until `done` holds; `seen` is called on every capture.
    fn wait_until(
        &self,
        what: &str,
        timeout: Duration,
        mut seen: impl FnMut(&str) -> bool,
    ) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            let screen = self.screen();
            if seen(&screen) {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; screen:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn wait_for(&self, text: &str, timeout: Duration) -> String {
        self.wait_until(&format!("`{text}`"), timeout, |s| s.contains(text))
    }

    /// Waits for the pane's command (and so the dashboard) to exit.
    fn wait_exit(&self, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        while self.tmux(&["has-session", "-t", "dash"]).status.success() {
            assert!(
                Instant::now() < deadline,
                "dashboard did not exit; screen:\n{}",
                self.screen()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The dashboard's exit status, once it has exited.
    fn exit_status(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("exit.txt"))
            .expect("exit status recorded")
            .trim()
            .to_string()
    }

    /// Asserts the dashboard left the alternate screen last, mouse capture and
    /// raw mode are off, and no process (dashboard, backend, node) still runs
    /// in the test directory; returns what was written after leaving.
    fn assert_restored(&self) -> String {
        let raw = std::fs::read(self.dir.path().join("raw.out")).expect("script output");
        let raw = String::from_utf8_lossy(&raw);
        let entered = raw
            .rfind("\x1b[?1049h")
            .expect("entered the alternate screen");
        let left = raw.rfind("\x1b[?1049l").expect("left the alternate screen");
        assert!(
            left > entered,
            "the last alternate-screen switch must be leaving it"
        );
        // Mouse reporting left on would send the shell escape codes for every click.
        let mouse_on = raw.rfind("\x1b[?1000h").expect("mouse capture enabled");
        let mouse_off = raw.rfind("\x1b[?1000l").expect("mouse capture disabled");
        assert!(
            mouse_off > mouse_on,
            "the last mouse-capture switch must be turning it off"
        );
        let stty = std::fs::read_to_string(self.dir.path().join("stty.txt")).expect("stty output");
        let modes: Vec<&str> = stty.split([' ', ';', '\n']).collect();
        assert!(
            modes.contains(&"icanon") && modes.contains(&"echo"),
            "raw mode still on: {stty}"
        );
        // A backend orphaned by a dying dashboard takes its supervisor's
        // TERM-then-KILL grace (2 s) to go.
        let deadline = Instant::now() + Duration::from_secs(6);
        loop {
            let left_over = processes_in(self.dir.path());
            if left_over.is_empty() {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "processes survived the dashboard: {left_over:?}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        raw[left + "\x1b[?1049l".len()..].replace("\x1b[?25h", "")
    }

    /// [`Dashboard::assert_restored`], with nothing but script's own footer after.
    fn assert_cleaned_up(&self) {
        let after = self.assert_restored();
        assert!(
            after
                .lines()
                .all(|l| l.trim().is_empty() || l.starts_with("Script done")),
            "nothing but showing the cursor may follow leaving the alternate screen: {after:?}"
        );
    }
}

impl Drop for Dashboard {
    fn drop(&mut self) {
        // Our private server only (its own socket).
        let _ = self.tmux(&["kill-server"]);
        // `script` keeps its own pty, and the glomers on it, after tmux's
        // pane is gone: a test that failed midway must not leave them.
        for (pid, _) in processes_in(self.dir.path()) {
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(pid),
                nix::sys::signal::Signal::SIGKILL,
            );
        }
    }
}

fn which(program: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")?
        .to_str()?
        .split(':')
        .map(|d| Path::new(d).join(program))
        .find(|p| p.is_file())
}

fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// Processes whose working directory is under `dir`: pid and command line.
fn processes_in(dir: &Path) -> Vec<(i32, String)> {
    let Ok(dir) = std::fs::canonicalize(dir) else {
        return Vec::new();
    };
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|e| Some((e.file_name().to_str()?.parse::<i32>().ok()?, e.path())))
        .filter(|(_, proc)| {
            std::fs::read_link(proc.join("cwd")).is_ok_and(|cwd| cwd.starts_with(&dir))
        })
        .map(|(pid, proc)| {
            let cmdline = std::fs::read(proc.join("cmdline")).unwrap_or_default();
            (pid, String::from_utf8_lossy(&cmdline).replace('\0', " "))
        })
        .collect()
}

const SHORT: Duration = Duration::from_secs(15);
/// A cold release build of every node binary on a small, shared machine.
const BUILD: Duration = Duration::from_secs(15 * 60);
/// Challenge 1 on the quick profile: 5 s of load, recovery and the checker.
const RUN: Duration = Duration::from_secs(120);
/// What the Run screen's gauge shows once the build is over (or the verdict has replaced it).
const AFTER_BUILD: [&str; 7] = [
    "build failed",
    "starting nodes",
    "running ",
    "recovery:",
    "analysing",
    " PASS ",
    " FAIL ",
];

#[test]
fn dashboard_opens_navigates_and_quits_restoring_the_terminal() {
    let Some(dash) = Dashboard::start() else {
        return;
    };
    dash.wait_for("Grow-Only Counter", SHORT);
    dash.keys(&["5"]);
    dash.wait_for("No runs recorded yet", SHORT);
    dash.keys(&["?"]);
    dash.wait_for("keys · ↑↓ scroll · esc closes", SHORT);
    // Esc and the next key must arrive apart, or they read as Alt+key.
    dash.keys(&["Escape"]);
    dash.wait_until("the help to close", SHORT, |s| !s.contains("esc closes"));
    dash.keys(&["1", "j", "j", "e"]);
    dash.wait_for("run parameters", SHORT);
    dash.keys(&["Escape"]);
    dash.wait_until("the form to close", SHORT, |s| {
        !s.contains("run parameters")
    });
    dash.keys(&["q"]);
    dash.wait_exit(SHORT);
    dash.assert_cleaned_up();
    assert_eq!(dash.exit_status(), "0", "nothing was running");
}

/// Issue 19 #1 and #3: with a session going (still building counts), esc
/// leaves the Run screen without cancelling, `c` and `q` ask first and `n`
/// keeps it running, and `q` then `y` cancels it and exits 130.
#[test]
fn keys_never_cancel_a_run_unasked_and_quitting_one_exits_130() {
    let Some(dash) = Dashboard::start() else {
        return;
    };
    dash.wait_for("Echo", SHORT);
    dash.keys(&["p", "Enter"]);
    dash.wait_for("harness output", SHORT);
    dash.keys(&["Escape"]);
    dash.wait_for("Grow-Only Counter", SHORT);
    dash.keys(&["2"]);
    dash.wait_for("harness output", SHORT);
    let screen = dash.screen();
    assert!(
        !screen.contains("cancelling"),
        "esc cancelled the run:\n{screen}"
    );
    dash.keys(&["c"]);
    dash.wait_for("Cancel the running session?", SHORT);
    dash.keys(&["n"]);
    dash.wait_until("the question to close", SHORT, |s| {
        !s.contains("Cancel the running session?")
    });
    dash.keys(&["q"]);
    dash.wait_for("Quit and cancel it?", SHORT);
    dash.keys(&["y"]);
    dash.wait_exit(BUILD);
    dash.assert_cleaned_up();
    assert_eq!(dash.exit_status(), "130", "a running session was cancelled");
}

#[test]
fn dashboard_runs_echo_on_the_simulator_shows_node_logs_and_the_verdict() {
    let Some(dash) = Dashboard::start() else {
        return;
    };
    dash.wait_for("Echo", SHORT);
    // Quick profile, then run challenge 1 (the cursor starts on it).
    dash.keys(&["p", "Enter"]);
    dash.wait_for("harness output", SHORT);
    let mut saw_node_log = false;
    let built = dash.wait_until("the node build to finish", BUILD, |screen| {
        saw_node_log |= screen.lines().any(|l| l.starts_with("│ n0 "));
        AFTER_BUILD.iter().any(|m| screen.contains(m))
    });
    // Fail at once on a broken build instead of waiting out the run's deadline.
    assert!(
        !built.contains("build failed"),
        "the node build failed:\n{built}"
    );
    let verdict = dash.wait_until("the verdict", RUN, |screen| {
        saw_node_log |= screen.lines().any(|l| l.starts_with("│ n0 "));
        screen.contains(" PASS ") || screen.contains(" FAIL ")
    });
    assert!(verdict.contains(" PASS "), "echo should pass:\n{verdict}");
    assert!(saw_node_log, "the node-log pane never showed n0");
    // The run's history.edn becomes the latency chart, its results.edn the `t` tree.
    dash.wait_for("client-op latency: p50 p95 p99 max", SHORT);
    dash.keys(&["t"]);
    dash.wait_for("▾ :stats", SHORT);
    dash.keys(&["t"]);
    dash.wait_for("client-op latency: p50 p95 p99 max", SHORT);
    dash.keys(&["5"]);
    dash.wait_for("┌ 1 runs ", SHORT);
    dash.keys(&["q"]);
    dash.wait_exit(SHORT);
    dash.assert_cleaned_up();
}

/// A project's own node from `glomers.toml` (a Python echo): the dashboard
/// runs it, not ours, and nothing is built.
#[test]
fn dashboard_runs_the_node_configured_in_glomers_toml() {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/python");
    let read = |name: &str| std::fs::read_to_string(examples.join(name)).unwrap();
    let files = [
        (
            "glomers.toml",
            "[challenges]\n1 = \"echo.sh\"\n".to_string(),
            false,
        ),
        ("node.py", read("node.py"), false),
        ("echo.py", read("echo.py"), true),
        // Leaves a mark, so the test knows this node ran and not ours.
        (
            "echo.sh",
            "#!/bin/sh\ncd \"$(dirname \"$0\")\" && touch ran && exec ./echo.py\n".to_string(),
            true,
        ),
    ];
    let Some(dash) = Dashboard::start_in(&[], &files) else {
        return;
    };
    // The Challenges screen names the node and the line that configured it.
    dash.wait_for("node: echo.sh (glomers.toml line 2)", SHORT);
    dash.keys(&["p", "Enter"]);
    let verdict = dash.wait_until("the verdict", RUN, |screen| {
        screen.contains(" PASS ") || screen.contains(" FAIL ")
    });
    assert!(
        verdict.contains(" PASS "),
        "echo.py should pass:\n{verdict}"
    );
    assert!(
        verdict.contains("/echo.sh "),
        "Results names the node it ran:\n{verdict}"
    );
    assert!(dash.dir.path().join("ran").exists(), "echo.sh never ran");
    dash.keys(&["q"]);
    dash.wait_exit(SHORT);
    dash.assert_cleaned_up();
}

/// A project's `[build] command` that fails: its output shows while it
/// runs, then the failure with the compiler's message, and nothing runs.
#[test]
fn dashboard_shows_a_project_build_live_and_its_failure() {
    let files = [
        (
            "glomers.toml",
            "[build]\ncommand = \"echo compiling broadcast; while [ ! -e go ]; do sleep 0.05; done; \
             echo 'broadcast/main.go:41:9: undefined: gossip' >&2; exit 1\"\n\
             [challenges]\n1 = \"echo.sh\"\n"
                .to_string(),
            false,
        ),
        ("echo.sh", "#!/bin/sh\ntouch ran\n".to_string(), true),
    ];
    let Some(dash) = Dashboard::start_in(&[], &files) else {
        return;
    };
    dash.wait_for("node: echo.sh (glomers.toml line 4)", SHORT);
    dash.keys(&["p", "Enter"]);
    // Live: the first line is on screen while the command still waits.
    let building = dash.wait_for("compiling broadcast", SHORT);
    assert!(building.contains("build output"), "{building}");
    std::fs::write(dash.dir.path().join("go"), "").unwrap();
    let failed = dash.wait_for("build failed", SHORT);
    assert!(
        failed.contains("main.go:41:9: undefined: gossip"),
        "{failed}"
    );
    assert!(
        !dash.dir.path().join("ran").exists(),
        "a failed build runs nothing"
    );
    dash.keys(&["q"]);
    dash.wait_exit(SHORT);
    dash.assert_cleaned_up();
}

/// A panic in glomers during a run (debug builds panic on
/// `GLOMERS_PANIC_AT`): the terminal is given back, the message is printed
/// on it, and the run's simulator and node go down with the dashboard.
#[test]
fn panic_during_a_run_restores_the_terminal_and_leaves_nothing_behind() {
    let Some(dash) = Dashboard::start_with(&["GLOMERS_PANIC_AT=Running"]) else {
        return;
    };
    dash.wait_for("Echo", SHORT);
    dash.keys(&["p", "Enter"]);
    dash.wait_exit(BUILD);
    let after = dash.assert_restored();
    assert!(after.contains("a deliberate panic"), "{after:?}");
}

/// Watch mode (`w`) on a project's Python echo: the first cycle passes,
/// breaking the node starts a cycle that fails, and quitting stops the
/// loop, exits 130 and leaves nothing running.
#[test]
fn watch_mode_reruns_on_each_save_and_quitting_stops_it() {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/python");
    let read = |name: &str| std::fs::read_to_string(examples.join(name)).unwrap();
    let echo = read("echo.py");
    // Only the nodes: script's own output file in the same directory changes all the time.
    let files = [
        (
            "glomers.toml",
            "watch = [\"*.py\"]\n\n[challenges]\n1 = \"echo.py\"\n".to_string(),
            false,
        ),
        ("node.py", read("node.py"), false),
        ("echo.py", echo.clone(), true),
    ];
    let Some(dash) = Dashboard::start_in(&[], &files) else {
        return;
    };
    dash.wait_for("Echo", SHORT);
    dash.keys(&["p", "w"]);
    dash.wait_for("watch ● 1", SHORT);
    let first = dash.wait_until("the first cycle's verdict", RUN, |screen| {
        screen.contains(" PASS ") || screen.contains("FAIL")
    });
    assert!(
        first.contains(" PASS ") && !first.contains("FAIL"),
        "echo.py should pass:\n{first}"
    );
    dash.wait_for("waiting for a change", SHORT);

    let broken = echo.replace("msg[\"body\"][\"echo\"]", "\"not what was sent\"");
    assert_ne!(broken, echo, "the edit must change the node");
    std::fs::write(dash.dir.path().join("echo.py"), broken).unwrap();
    dash.wait_for("watch ● 2", SHORT);
    let second = dash.wait_until("the second cycle's verdict", RUN, |screen| {
        screen.contains("FAIL")
    });
    assert!(second.contains("watch ● 2"), "{second}");

    dash.keys(&["q"]);
    dash.wait_for("Watch mode is on. Quit and stop it?", SHORT);
    dash.keys(&["y"]);
    dash.wait_exit(SHORT);
    dash.assert_cleaned_up();
    assert_eq!(dash.exit_status(), "130", "quitting stopped watch mode");
}
