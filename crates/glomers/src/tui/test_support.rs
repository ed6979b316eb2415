//! Builders for tests: keys, synthetic runner events and outcomes. Every
//! state in the tests is reached through `update`, as in the real loop.

use std::path::PathBuf;
use std::time::Duration;

use checker::Validity;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use runner::backend::BackendKind;
use runner::catalog::{self, Overrides, Profile};
use runner::event::{Phase, Progress, RunEvent, SessionEvent};
use runner::results::{Anomalies, OpStats, RunResults};
use runner::run_log::RunSummary;
use runner::session::{RunOutcome, RunStatus};
use runner::verdict;

use super::app::{Action, App, Effect, update};

pub fn press(app: &mut App, code: KeyCode) -> Vec<Effect> {
    update(app, Action::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

/// Presses each character of `keys` in turn.
pub fn type_keys(app: &mut App, keys: &str) -> Vec<Effect> {
    keys.chars()
        .flat_map(|c| press(app, KeyCode::Char(c)))
        .collect()
}

pub fn run_event(app: &mut App, index: usize, event: RunEvent) {
    update(app, Action::Session(SessionEvent::Run { index, event }));
}

/// A finished run of challenge `id` with these metrics, judged by the runner.
pub fn outcome(
    id: &str,
    run_id: &str,
    msgs_per_op: f64,
    median_ms: f64,
    max_ms: f64,
) -> RunOutcome {
    let challenge = catalog::find(id).expect("known challenge");
    let results = RunResults {
        valid: Validity::Valid,
        invalid_checkers: Vec::new(),
        msgs_per_op_servers: Some(msgs_per_op),
        msgs_per_op_all: Some(msgs_per_op + 1.5),
        stable_latencies: vec![
            (0.0, 0.0),
            (0.5, median_ms),
            (0.95, max_ms * 0.8),
            (0.99, max_ms * 0.95),
            (1.0, max_ms),
        ],
        availability: Some(1.0),
        stats: OpStats {
            count: 1000,
            ok_count: 998,
            fail_count: 0,
            info_count: 2,
        },
        stats_by_f: Default::default(),
        anomalies: Anomalies {
            lost_count: Some(0),
            ..Anomalies::default()
        },
    };
    let verdict = verdict::judge(&results, &challenge.thresholds);
    let work_dir = PathBuf::from(format!("/home/dev/glomers/.glomers/runs/{run_id}"));
    RunOutcome {
        run_id: run_id.to_string(),
        params: challenge.params(Profile::Quick, true, &Overrides::default()),
        challenge,
        profile: Profile::Quick,
        backend: BackendKind::Sim,
        argv: Vec::new(),
        status: if verdict.passed {
            RunStatus::Passed
        } else {
            RunStatus::Failed
        },
        verdict,
        exit_code: Some(0),
        results: Some(results),
        crash: None,
        started_at: "2026-11-25T18:00:00.000Z".into(),
        wall: Duration::from_millis(9_400),
        store_dir: Some(work_dir.join("store/current")),
        work_dir,
        node_warnings: Vec::new(),
        node: None,
    }
}

/// A run log with a passing 3d, a 3e over its limits and a passing echo.
pub fn runs() -> Vec<RunSummary> {
    [
        outcome("1", "20261125T170000.000Z-1", 0.0, 1.0, 4.0),
        outcome("3d", "20261125T171000.000Z-3d", 24.6, 312.0, 489.0),
        outcome("3e", "20261125T172000.000Z-3e", 22.3, 871.0, 2210.0),
    ]
    .iter()
    .map(RunSummary::from)
    .collect()
}

/// Plays the start of run `index`: started, running 3 of 5 s, some output.
pub fn play_running(app: &mut App, index: usize, id: &str) {
    run_event(
        app,
        index,
        RunEvent::Started {
            challenge: id.into(),
            run_id: format!("20261125T180000.000Z-{id}"),
            backend: BackendKind::Sim,
            program: "/usr/local/bin/glomers".into(),
            argv: vec!["maelstrom".into(), "test".into()],
            work_dir: format!("/home/dev/glomers/.glomers/runs/20261125T180000.000Z-{id}").into(),
        },
    );
    run_event(app, index, RunEvent::Phase(Phase::Starting));
    for line in [
        "INFO [2026-11-25 18:00:00,101] jepsen test runner - jepsen.core Running test with 5 nodes",
        "INFO [2026-11-25 18:00:00,230] jepsen worker 0 - jepsen.util 0\t:invoke\t:broadcast\t0",
        "INFO [2026-11-25 18:00:00,412] jepsen worker 0 - jepsen.util 0\t:ok\t:broadcast\t0",
        "WARN [2026-11-25 18:00:01,002] jepsen worker 3 - jepsen.util 3\t:info\t:read\tnil\t:net-timeout",
    ] {
        run_event(app, index, RunEvent::HarnessLine(line.into()));
    }
    run_event(app, index, RunEvent::Phase(Phase::Running));
    run_event(
        app,
        index,
        RunEvent::Progress(Progress {
            elapsed: Duration::from_secs(3),
            time_limit: Duration::from_secs(5),
            ops_invoked: 312,
            ops_ok: 305,
            ops_fail: 0,
            ops_info: 2,
        }),
    );
    for (node, line) in [
        ("n0", "node n0 up, neighbours [n1 n3]"),
        ("n1", "node n1 up, neighbours [n0 n2 n4]"),
        ("n0", "gossip to n1: 4 new values"),
        ("n1", "gossip to n2: 4 new values"),
        ("n1", "ERROR: n4 did not ack gossip batch 17, retrying"),
        ("n1", "gossip to n0: 2 new values"),
        ("n2", "node n2 up, neighbours [n1]"),
    ] {
        run_event(
            app,
            index,
            RunEvent::NodeLog {
                node: node.into(),
                line: line.into(),
            },
        );
    }
}

/// Finishes run `index` with `outcome`.
pub fn play_finished(app: &mut App, index: usize, outcome: RunOutcome) {
    run_event(app, index, RunEvent::Phase(Phase::Analysing));
    run_event(app, index, RunEvent::Phase(Phase::Done));
    run_event(app, index, RunEvent::Finished(Box::new(outcome)));
}

/// A history of 5 s: five clients each invoking every 250 ms, latencies
/// rising from 20 ms to about 120 ms plus up to 108 ms of jitter.
pub fn synthetic_history() -> String {
    let mut events: Vec<(u64, String)> = Vec::new();
    for i in 0..100u64 {
        let invoked_ms = i * 50;
        let latency_ms = 20 + i + (i * 7 % 10) * 12;
        let process = i % 5;
        for (at, kind) in [(invoked_ms, "invoke"), (invoked_ms + latency_ms, "ok")] {
            events.push((at * 1_000_000, format!(":type :{kind}, :process {process}")));
        }
    }
    events.sort_by_key(|(at, _)| *at);
    events
        .iter()
        .enumerate()
        .map(|(index, (at, rest))| {
            format!("{{:index {index}, :time {at}, {rest}, :f :broadcast, :value {index}}}\n")
        })
        .collect()
}

/// The answer to `LoadRunFiles` for `run_id`: the synthetic history's chart
/// and a real Maelstrom `results.edn` (broadcast, invalid).
pub fn run_files_loaded(run_id: &str) -> Action {
    let results = include_str!("../../../../testdata/maelstrom/broadcast-invalid/results.edn");
    Action::RunFilesLoaded {
        run_id: run_id.into(),
        latency: super::latency::latency_chart(&synthetic_history()),
        tree: edn::parse(results).map_err(|e| e.to_string()),
    }
}

/// A run of `id` made with `node_env`; `figures` are msgs/op, median and
/// max ms, or `None` for a run that crashed before producing results.
pub fn summary_with_figures(
    id: &str,
    run_id: &str,
    node_env: &[(&str, &str)],
    figures: Option<(f64, f64, f64)>,
) -> RunSummary {
    let (msgs, median, max) = figures.unwrap_or_default();
    let mut summary = RunSummary::from(&outcome(id, run_id, msgs, median, max));
    summary.params.node_env = node_env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    if figures.is_none() {
        summary.passed = false;
        summary.status = RunStatus::Crashed;
        summary.valid = None;
        summary.msgs_per_op = None;
        summary.msgs_per_op_all = None;
        summary.latency_median_ms = None;
        summary.latency_max_ms = None;
        summary.availability = None;
        summary.margins.clear();
        summary.reasons = vec!["the backend ended without results".into()];
    }
    summary
}

/// A run of `id` with `node_env` and only its msgs/op of interest.
pub fn summary_with_env(
    id: &str,
    run_id: &str,
    node_env: &[(&str, &str)],
    msgs_per_op: Option<f64>,
) -> RunSummary {
    summary_with_figures(id, run_id, node_env, msgs_per_op.map(|m| (m, 300.0, 500.0)))
}

/// Oldest first: 3e at its defaults, an echo run, 3d, 3e at four batch
/// intervals (one crashed), and a later, failing rerun of the 200 ms setting.
pub fn frontier_runs() -> Vec<RunSummary> {
    const KNOB: &str = "GLOMERS_BATCH_MS";
    vec![
        summary_with_figures(
            "3e",
            "20261125T184000.000Z-3e",
            &[],
            Some((0.72, 380.0, 713.0)),
        ),
        summary_with_figures("1", "20261125T185000.000Z-1", &[], Some((0.0, 1.0, 4.0))),
        summary_with_figures(
            "3d",
            "20261125T190000.000Z-3d",
            &[],
            Some((11.99, 80.0, 99.0)),
        ),
        summary_with_figures(
            "3e",
            "20261125T190100.000Z-3e",
            &[(KNOB, "200")],
            Some((1.70, 259.0, 354.0)),
        ),
        summary_with_figures(
            "3e",
            "20261125T190300.000Z-3e",
            &[(KNOB, "600")],
            Some((0.74, 387.0, 719.0)),
        ),
        summary_with_figures(
            "3e",
            "20261125T190500.000Z-3e",
            &[(KNOB, "1600")],
            Some((0.32, 862.0, 1717.0)),
        ),
        summary_with_figures("3e", "20261125T190600.000Z-3e", &[(KNOB, "100")], None),
        summary_with_figures(
            "3e",
            "20261125T191000.000Z-3e",
            &[(KNOB, "200")],
            Some((1.9, 1300.0, 2400.0)),
        ),
    ]
}

/// The whole screen as text, drawn into a `width`×`height` test terminal.
pub fn render(app: &mut App, width: u16, height: u16) -> String {
    let mut terminal = ratatui::Terminal::new(ratatui::backend::TestBackend::new(width, height))
        .expect("test backend");
    terminal
        .draw(|frame| super::ui::draw(frame, app))
        .expect("draw");
    terminal.backend().to_string()
}

/// Snapshots `app` at 80×24 and 160×48. A macro, so that insta names the
/// snapshot files after the calling test module.
macro_rules! snapshot_sizes {
    ($name:expr, $app:expr) => {
        for (width, height) in [(80, 24), (160, 48)] {
            insta::assert_snapshot!(
                format!("{}_{width}x{height}", $name),
                $crate::tui::test_support::render($app, width, height)
            );
        }
    };
}
pub(crate) use snapshot_sizes;
