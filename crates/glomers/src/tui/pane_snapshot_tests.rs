//! Snapshots of the why pane (from a real Maelstrom store through `explain`),
//! the Challenges screen's node per challenge, and the seed and node on Results.

use std::path::{Path, PathBuf};

use crossterm::event::KeyCode;
use runner::project::NodePlan;
use runner::run_log::RunSummary;
use runner::session::RunStatus;

use super::app::{self, Action, App, Effect, Screen, update};
use super::test_support::{outcome, press, type_keys};
use super::test_support::{render, snapshot_sizes};

fn fixture_store() -> PathBuf {
    store_of("broadcast-lost-partition-store")
}

fn store_of(case: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/maelstrom")
        .join(case)
}

/// A failed 3c run whose store is the real Maelstrom fixture, opened on Results.
fn failed_broadcast() -> App {
    failed_broadcast_in(fixture_store())
}

/// A failed 3c run whose store is `store`, opened on Results.
fn failed_broadcast_in(store: PathBuf) -> App {
    let mut app = App::new(true);
    let mut summary = RunSummary::from(&outcome("3c", "20261203T080000.000Z-3c", 0.0, 0.0, 0.0));
    summary.passed = false;
    summary.status = RunStatus::Failed;
    summary.reasons = vec!["Maelstrom's checker: invalid (lost-count 2)".into()];
    summary.store_dir = Some(store);
    app::open_recorded(&mut app, summary);
    app
}

/// `e` asks the event loop to explain the store; its answer comes back as it would.
fn explained(app: &mut App) {
    let effects = type_keys(app, "e");
    let [Effect::Explain { run_id, store_dir }] = effects.as_slice() else {
        panic!("e on a failed run asks for its findings, got {effects:?}");
    };
    assert_eq!(
        Some(store_dir),
        app.results.as_ref().unwrap().summary.store_dir.as_ref()
    );
    let explanation = explain::explain(store_dir).map_err(|e| e.to_string());
    update(
        app,
        Action::Explained {
            run_id: run_id.clone(),
            explanation,
        },
    );
}

#[test]
fn why_pane_lists_the_findings_of_the_fixture_store() {
    let mut app = failed_broadcast();
    assert_eq!(app.screen, Screen::Results);
    explained(&mut app);
    let view = app.results.as_ref().expect("results open");
    let findings = &view
        .why
        .explanation
        .as_ref()
        .unwrap()
        .as_ref()
        .unwrap()
        .findings;
    assert!(
        findings.iter().any(|f| f.kind == "lost-value"),
        "the fixture lost values: {findings:?}"
    );
    snapshot_sizes!("why_findings", &mut app);
    // `e` again hides the pane; opening it a second time reads nothing more.
    type_keys(&mut app, "e");
    assert!(!app.results.as_ref().unwrap().why.shown);
    assert!(type_keys(&mut app, "e").is_empty());
}

#[test]
fn why_pane_opens_a_finding_with_its_message_trace() {
    let mut app = failed_broadcast();
    explained(&mut app);
    press(&mut app, KeyCode::Enter);
    snapshot_sizes!("why_finding", &mut app);
    // Too short for the whole detail: it says so, and scrolls down to the trace.
    let short = render(&mut app, 80, 16);
    assert!(
        short.contains("more ↓") && !short.contains("broadcast #17"),
        "{short}"
    );
    press(&mut app, KeyCode::PageDown);
    press(&mut app, KeyCode::PageDown);
    let scrolled = render(&mut app, 80, 16);
    assert!(
        scrolled.contains("◀───────────┤      broadcast #17") && !scrolled.contains("more ↓"),
        "{scrolled}"
    );
    press(&mut app, KeyCode::Esc);
    let why = &app.results.as_ref().unwrap().why;
    assert!(
        why.shown && why.open.is_none(),
        "esc goes back to the findings"
    );
}

#[test]
fn why_pane_shades_the_messages_sent_during_a_partition() {
    // A simulator store of a node that gossips each value once, under partitions.
    let mut app = failed_broadcast_in(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/sim/broadcast-partition-store"),
    );
    explained(&mut app);
    let findings = &app
        .results
        .as_ref()
        .unwrap()
        .why
        .explanation
        .as_ref()
        .unwrap();
    let target = findings
        .as_ref()
        .unwrap()
        .findings
        .iter()
        .position(|f| f.values == [serde_json::json!(46)])
        .expect("value 46 was lost during the second partition");
    for _ in 0..target {
        press(&mut app, KeyCode::Down);
    }
    press(&mut app, KeyCode::Enter);
    for _ in 0..3 {
        press(&mut app, KeyCode::PageDown);
    }
    let screen = render(&mut app, 80, 24);
    assert!(
        screen.contains("░ partition 3.77 s to 4.01 s: n0 n1 | n2 n3 n4"),
        "{screen}"
    );
    assert_eq!(
        screen.lines().filter(|l| l.starts_with("\"│░ ")).count(),
        6,
        "the label and the five messages sent during the partition: {screen}"
    );
    snapshot_sizes!("why_partition", &mut app);
}

#[test]
fn why_is_offered_for_a_passing_run_too() {
    let mut app = App::new(true);
    let summary = RunSummary::from(&outcome("1", "20261203T080000.000Z-1", 0.0, 1.0, 4.0));
    app::open_recorded(&mut app, summary);
    let effects = type_keys(&mut app, "e");
    assert!(
        matches!(effects.as_slice(), [Effect::Explain { .. }]),
        "{effects:?}"
    );
    assert!(app.results.as_ref().unwrap().why.shown);

    let mut kept_nothing = RunSummary::from(&outcome("1", "20261203T080001.000Z-1", 0.0, 1.0, 4.0));
    kept_nothing.store_dir = None;
    app::open_recorded(&mut app, kept_nothing);
    assert!(type_keys(&mut app, "e").is_empty());
    assert_eq!(
        app.notice.as_deref(),
        Some("this run kept no store: nothing to explain from")
    );
}

#[test]
fn results_header_shows_the_seed_and_the_node() {
    let mut app = App::new(true);
    let mut summary = RunSummary::from(&outcome("1", "20261203T080000.000Z-1", 0.0, 1.0, 4.0));
    summary.seed = Some(1_733_212_800);
    summary.bin = Some("/home/dev/solution/bin/echo".into());
    app::open_recorded(&mut app, summary);
    snapshot_sizes!("results_seed_node", &mut app);
}

#[test]
fn challenges_show_the_nodes_glomers_toml_names() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("glomers.toml");
    std::fs::write(
        &file,
        "[challenges]\n1 = \"bin/echo\"\n3b = { bin = \"bin/broadcast\", args = [\"--fanout\", \"4\"] }\n",
    )
    .expect("write glomers.toml");
    let project = runner::project::load(&file).expect("a valid glomers.toml");
    let mut app = App::new(true);
    app.challenges_view.nodes = NodePlan {
        project: Some(project),
        ..NodePlan::default()
    };
    // The cursor on 3b, whose node has arguments.
    type_keys(&mut app, "jjj");
    assert_eq!(app.challenges[app.challenges_view.cursor].id, "3b");
    snapshot_sizes!("challenges_nodes_from_project", &mut app);
}

#[test]
fn challenges_say_how_when_no_node_is_configured() {
    let mut app = App::new(true);
    snapshot_sizes!("challenges_nodes_none", &mut app);
    type_keys(&mut app, "?");
    insta::assert_snapshot!("challenges_nodes_help_80x24", render(&mut app, 80, 24));
}

#[test]
fn findings_of_another_run_are_not_shown() {
    let mut app = failed_broadcast();
    type_keys(&mut app, "e");
    update(
        &mut app,
        Action::Explained {
            run_id: "20261203T070000.000Z-3c".into(),
            explanation: Err("stale".into()),
        },
    );
    let why = &app.results.as_ref().unwrap().why;
    assert!(why.shown && why.explanation.is_none());
    assert!(render(&mut app, 80, 24).contains("explaining the run's store…"));
}
