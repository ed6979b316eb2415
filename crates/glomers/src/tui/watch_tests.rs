//! Watch mode (`w`) through `update`: what toggling asks of the event loop,
//! each cycle's events routed to the Run and Results screens, stopping and
//! quitting; and the header and Run screen drawn while watching.

use crossterm::event::KeyCode;
use runner::backend::BackendKind;
use runner::catalog::Profile;
use runner::event::{Phase, RunEvent, SessionEvent};
use runner::session::{RunOutcome, RunStatus};
use runner::watch::WatchEvent;

use super::app::{Action, App, Effect, Screen, update};
use super::test_support::{outcome, play_running, press, runs, type_keys};
use super::test_support::{render, snapshot_sizes};

/// Quick profile, then `keys` on the Challenges screen, then `w`.
fn watching(keys: &str) -> (App, Vec<Effect>) {
    let mut app = App::new(false);
    update(&mut app, Action::RunsLoaded(Ok(runs())));
    type_keys(&mut app, "p");
    type_keys(&mut app, keys);
    let effects = type_keys(&mut app, "w");
    (app, effects)
}

fn watched_ids(effects: &[Effect]) -> Vec<&str> {
    match effects {
        [Effect::StartWatch(request)] => request.challenges.iter().map(|c| c.id).collect(),
        other => panic!("expected one StartWatch, got {other:?}"),
    }
}

fn cycle_event(app: &mut App, cycle: u32, event: SessionEvent) -> Vec<Effect> {
    update(app, Action::Watch(WatchEvent::Session { cycle, event }))
}

fn run_event(app: &mut App, cycle: u32, event: RunEvent) -> Vec<Effect> {
    cycle_event(app, cycle, SessionEvent::Run { index: 0, event })
}

/// One whole cycle of challenge 1 through the watch feed, ending in `outcome`.
fn play_cycle(app: &mut App, cycle: u32, outcome: RunOutcome) -> Vec<Effect> {
    update(
        app,
        Action::Watch(WatchEvent::CycleStarted {
            cycle,
            changed: Vec::new(),
        }),
    );
    run_event(
        app,
        cycle,
        RunEvent::Started {
            challenge: "1".into(),
            run_id: outcome.run_id.clone(),
            backend: BackendKind::Sim,
            program: "/usr/local/bin/glomers".into(),
            argv: vec!["maelstrom".into(), "test".into()],
            work_dir: "/tmp/run".into(),
        },
    );
    run_event(app, cycle, RunEvent::Phase(Phase::Running));
    run_event(app, cycle, RunEvent::Finished(Box::new(outcome)));
    let effects = cycle_event(app, cycle, SessionEvent::Done);
    update(
        app,
        Action::Watch(WatchEvent::CycleFinished {
            cycle,
            outcomes: Vec::new(),
        }),
    );
    effects
}

fn results_run_id(app: &App) -> &str {
    &app.results.as_ref().expect("results shown").summary.run_id
}

#[test]
fn w_watches_the_selection_or_the_cursor_with_the_run_settings() {
    let (app, effects) = watching("");
    assert_eq!(watched_ids(&effects), ["1"]);
    let Effect::StartWatch(request) = &effects[0] else {
        unreachable!()
    };
    assert_eq!(
        (request.profile, request.backend),
        (Profile::Quick, BackendKind::Sim)
    );
    assert_eq!(app.screen, Screen::Run);
    assert_eq!(app.watch.as_ref().map(|w| w.cycle), Some(0));

    let (app, effects) = watching("jjjjj  ");
    assert_eq!(watched_ids(&effects), ["3d", "3e"]);
    assert!(app.challenges_view.selected.is_empty());
}

#[test]
fn w_again_stops_watch_mode_through_the_stop_channel_once() {
    let (mut app, _) = watching("");
    play_cycle(&mut app, 1, outcome("1", "run-a", 0.0, 1.0, 4.0));
    press(&mut app, KeyCode::Char('1'));
    assert_eq!(type_keys(&mut app, "w"), [Effect::Cancel]);
    assert!(app.watch.as_ref().is_some_and(|w| w.stopping));
    assert_eq!(type_keys(&mut app, "w"), [], "already stopping");
    // Nothing else starts while the loop winds down.
    assert_eq!(press(&mut app, KeyCode::Enter), []);
    update(&mut app, Action::WatchEnded);
    assert!(app.watch.is_none());
    assert_eq!(app.notice.as_deref(), Some("watch mode stopped"));
    assert!(!app.should_quit());
    assert!(matches!(
        press(&mut app, KeyCode::Enter).as_slice(),
        [Effect::StartSession(_)]
    ));
}

#[test]
fn c_on_the_run_screen_asks_then_stops_watch_mode_between_cycles() {
    let (mut app, _) = watching("");
    play_cycle(&mut app, 1, outcome("1", "run-a", 0.0, 1.0, 4.0));
    press(&mut app, KeyCode::Char('2'));
    assert_eq!(type_keys(&mut app, "c"), []);
    assert!(app.overlay.is_some(), "c asks first");
    assert_eq!(type_keys(&mut app, "y"), [Effect::Cancel]);
}

#[test]
fn each_cycle_feeds_the_run_screen_and_results_follow_it() {
    let (mut app, _) = watching("");
    let effects = play_cycle(&mut app, 1, outcome("1", "run-a", 0.0, 1.0, 4.0));
    assert!(effects.contains(&Effect::LoadRuns));
    assert_eq!(app.screen, Screen::Results);
    assert_eq!(results_run_id(&app), "run-a");
    assert!(
        app.notice
            .as_deref()
            .is_some_and(|n| n.contains("waiting for a change")),
        "{:?}",
        app.notice
    );

    // The next cycle starts a fresh session and the Results screen follows it.
    update(
        &mut app,
        Action::Watch(WatchEvent::CycleStarted {
            cycle: 2,
            changed: vec!["/p/echo.py".into()],
        }),
    );
    assert_eq!(app.watch.as_ref().map(|w| w.cycle), Some(2));
    assert_eq!(
        app.notice.as_deref(),
        Some("watch cycle 2: echo.py changed")
    );
    let session = app.session.as_ref().expect("the cycle's session");
    assert!(session.active() && session.runs[0].run_id.is_none());
    let mut failed = outcome("1", "run-b", 0.0, 1.0, 4.0);
    failed.status = RunStatus::Failed;
    failed.verdict.passed = false;
    play_cycle(&mut app, 2, failed);
    assert_eq!(app.screen, Screen::Results);
    assert_eq!(results_run_id(&app), "run-b");

    // A cycle cut short by a change shows no results of its own.
    let mut cut = outcome("1", "run-c", 0.0, 1.0, 4.0);
    cut.status = RunStatus::Cancelled;
    play_cycle(&mut app, 3, cut);
    update(
        &mut app,
        Action::Watch(WatchEvent::CycleCancelled { cycle: 3 }),
    );
    assert_eq!(results_run_id(&app), "run-b");
}

#[test]
fn quitting_while_watching_asks_stops_it_and_exits_130() {
    let (mut app, _) = watching("");
    play_cycle(&mut app, 1, outcome("1", "run-a", 0.0, 1.0, 4.0));
    assert_eq!(type_keys(&mut app, "q"), [], "q asks first");
    assert!(app.overlay.is_some());
    assert_eq!(type_keys(&mut app, "y"), [Effect::Cancel]);
    assert!(!app.should_quit(), "waits for the loop to stop");
    update(&mut app, Action::WatchEnded);
    assert!(app.should_quit());
    assert_eq!(app.exit_code(), std::process::ExitCode::from(130));
}

#[test]
fn watcher_trouble_is_shown() {
    let (mut app, _) = watching("");
    update(
        &mut app,
        Action::Watch(WatchEvent::WatcherTrouble("inotify limit".into())),
    );
    assert_eq!(app.notice.as_deref(), Some("watcher: inotify limit"));
}

#[test]
fn run_screen_during_a_watch_cycle() {
    let (mut app, _) = watching("");
    update(
        &mut app,
        Action::Watch(WatchEvent::CycleStarted {
            cycle: 1,
            changed: Vec::new(),
        }),
    );
    play_running(&mut app, 0, "1");
    let screen = render(&mut app, 80, 24);
    assert!(screen.contains("watch ● 1"), "{screen}");
    snapshot_sizes!("run_watch_cycle", &mut app);
}

#[test]
fn run_screen_waiting_for_a_change() {
    let (mut app, _) = watching("");
    play_cycle(&mut app, 1, outcome("1", "run-a", 0.0, 1.0, 4.0));
    press(&mut app, KeyCode::Char('2'));
    app.notice = None;
    let screen = render(&mut app, 80, 24);
    assert!(screen.contains("waiting for a change"), "{screen}");
    snapshot_sizes!("run_watch_waiting", &mut app);
}
