//! `update` driven by synthetic keys, clicks and runner events: what each
//! key does on each screen, without drawing.

use std::path::PathBuf;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseEvent, MouseEventKind};
use ratatui::layout::Size;
use runner::backend::BackendKind;
use runner::catalog::Profile;
use runner::event::SessionEvent;

use super::app::{Action, App, Effect, Screen, update};
use super::overlay::Overlay;
use super::screens::{PAGE, WHEEL_LINES};
use crate::tui::test_support::{
    frontier_runs, outcome, play_finished, play_running, press, run_event, run_files_loaded, runs,
    type_keys,
};
use runner::event::RunEvent;

fn help_open(app: &App) -> bool {
    matches!(app.overlay, Some(Overlay::Help { .. }))
}

fn started(keys: &str) -> (App, Vec<Effect>) {
    let mut app = App::new(false);
    update(&mut app, Action::RunsLoaded(Ok(runs())));
    type_keys(&mut app, keys);
    let commands = press(&mut app, KeyCode::Enter);
    (app, commands)
}

fn started_ids(commands: &[Effect]) -> Vec<&str> {
    match commands {
        [Effect::StartSession(request)] => request.challenges.iter().map(|c| c.id).collect(),
        other => panic!("expected one StartSession, got {other:?}"),
    }
}

#[test]
fn cursor_moves_with_vim_keys_and_arrows_and_stays_in_bounds() {
    let mut app = App::new(false);
    type_keys(&mut app, "kjjj");
    assert_eq!(app.challenges_view.cursor, 3);
    press(&mut app, KeyCode::Up);
    assert_eq!(app.challenges_view.cursor, 2);
    type_keys(&mut app, "G");
    assert_eq!(app.challenges_view.cursor, app.challenges.len() - 1);
    press(&mut app, KeyCode::Down);
    assert_eq!(app.challenges_view.cursor, app.challenges.len() - 1);
    press(&mut app, KeyCode::Home);
    assert_eq!(app.challenges_view.cursor, 0);
}

#[test]
fn enter_runs_the_selection_or_the_cursor_with_the_chosen_profile_and_backend() {
    let (app, commands) = started("jjjjj  ");
    assert_eq!(started_ids(&commands), ["3d", "3e"]);
    assert_eq!(app.screen, Screen::Run);
    assert!(
        app.challenges_view.selected.is_empty(),
        "selection is consumed by the run"
    );

    let (_, commands) = started("jp");
    assert_eq!(started_ids(&commands), ["2"]);
    let Effect::StartSession(request) = &commands[0] else {
        unreachable!()
    };
    assert_eq!(
        (request.profile, request.backend),
        (Profile::Quick, BackendKind::Sim)
    );

    let mut app = App::new(false);
    type_keys(&mut app, "b  ");
    assert_eq!(app.challenges_view.selected.len(), 2);
    type_keys(&mut app, "k ");
    assert_eq!(
        app.challenges_view.selected.len(),
        1,
        "space again unselects"
    );
    assert_eq!(app.backend, BackendKind::Maelstrom);
    assert!(type_keys(&mut app, "a").is_empty(), "a asks first");
    assert_eq!(
        started_ids(&type_keys(&mut app, "y")).len(),
        app.challenges.len()
    );
}

#[test]
fn run_all_asks_with_the_count_and_the_expected_time_and_n_keeps_idle() {
    let mut app = App::new(false);
    assert!(type_keys(&mut app, "a").is_empty());
    let Some(Overlay::Confirm(confirm)) = &app.overlay else {
        panic!("no confirmation: {:?}", app.overlay)
    };
    // Official parameters: the time limits, plus recovery and analysis per run.
    let expected: u64 = app
        .challenges
        .iter()
        .map(|c| {
            let p = c.params(Profile::Official, true, &Default::default());
            p.time_limit_s + p.recovery_wait_s.unwrap_or(10) + 3
        })
        .sum();
    let minutes = format!("About {} min", expected / 60);
    assert!(
        confirm
            .prompt
            .contains("Run all 16 challenges at official parameters?")
            && confirm.prompt.contains(&minutes),
        "{} (expected {expected} s)",
        confirm.prompt
    );
    assert!(type_keys(&mut app, "n").is_empty());
    assert!(app.overlay.is_none() && app.session.is_none());
    assert_eq!(app.screen, Screen::Challenges);
}

#[test]
fn a_second_session_waits_for_the_first() {
    let (mut app, _) = started("");
    press(&mut app, KeyCode::Char('1'));
    assert!(press(&mut app, KeyCode::Enter).is_empty());
    assert!(
        app.notice
            .as_deref()
            .unwrap_or_default()
            .contains("cancel it first")
    );
}

#[test]
fn cancel_is_sent_once_and_quit_waits_for_the_session_to_end() {
    let (mut app, _) = started("jjjjj");
    play_running(&mut app, 0, "3d");
    assert!(
        press(&mut app, KeyCode::Char('c')).is_empty(),
        "c asks first"
    );
    assert!(type_keys(&mut app, "n").is_empty(), "no keeps it running");
    assert!(!app.session.as_ref().unwrap().cancelling);
    type_keys(&mut app, "c");
    assert_eq!(type_keys(&mut app, "y"), [Effect::Cancel]);
    assert!(
        type_keys(&mut app, "c").is_empty() && app.overlay.is_none(),
        "already cancelling: nothing to ask"
    );
    type_keys(&mut app, "q");
    assert!(
        app.quitting && !app.should_quit(),
        "still stopping the backend"
    );
    let mut cancelled = outcome("3d", "r", 1.0, 1.0, 1.0);
    cancelled.status = runner::session::RunStatus::Cancelled;
    play_finished(&mut app, 0, cancelled);
    update(&mut app, Action::Session(SessionEvent::Done));
    assert!(app.should_quit());
    assert_eq!(
        app.screen,
        Screen::Run,
        "a cancelled session does not jump to results"
    );
    assert_eq!(
        app.exit_code(),
        std::process::ExitCode::SUCCESS,
        "c, then q"
    );
}

#[test]
fn q_during_a_run_asks_and_quitting_a_running_session_exits_130() {
    let (mut app, _) = started("jjjjj");
    play_running(&mut app, 0, "3d");
    assert!(type_keys(&mut app, "q").is_empty());
    assert!(matches!(app.overlay, Some(Overlay::Confirm(_))) && !app.quitting);
    press(&mut app, KeyCode::Esc);
    assert!(!app.quitting && app.overlay.is_none(), "esc says no");
    type_keys(&mut app, "q");
    assert_eq!(type_keys(&mut app, "y"), [Effect::Cancel]);
    assert!(app.quitting);
    update(&mut app, Action::Session(SessionEvent::Done));
    assert!(app.should_quit());
    assert_eq!(app.exit_code(), std::process::ExitCode::from(130));

    let mut idle = App::new(false);
    type_keys(&mut idle, "q");
    assert!(idle.should_quit());
    assert_eq!(idle.exit_code(), std::process::ExitCode::SUCCESS);
}

#[test]
fn esc_on_the_run_screen_clears_the_filter_then_goes_back_and_never_cancels() {
    let mut app = App::new(false);
    update(&mut app, Action::RunsLoaded(Ok(runs())));
    type_keys(&mut app, "jjjjj");
    press(&mut app, KeyCode::Enter);
    play_running(&mut app, 0, "3d");
    type_keys(&mut app, "/peers");
    press(&mut app, KeyCode::Enter);
    assert!(app.run_view.filter.is_some());
    assert!(press(&mut app, KeyCode::Esc).is_empty());
    assert!(
        app.run_view.filter.is_none(),
        "the first esc clears the filter"
    );
    assert_eq!(app.screen, Screen::Run);
    assert!(press(&mut app, KeyCode::Esc).is_empty(), "no Cancel");
    assert_eq!(app.screen, Screen::Challenges, "back where the run began");
    assert!(app.session_active() && !app.session.as_ref().unwrap().cancelling);
}

#[test]
fn ctrl_c_and_sigterm_quit_at_once_when_idle() {
    let mut app = App::new(false);
    update(
        &mut app,
        Action::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)),
    );
    assert!(app.should_quit());
    let mut app = App::new(false);
    assert!(update(&mut app, Action::Terminate).is_empty());
    assert!(app.should_quit());
}

#[test]
fn node_selector_cycles_and_keeps_its_node_when_one_sorts_before_it() {
    let (mut app, _) = started("jjjjj");
    play_running(&mut app, 0, "3d");
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Tab);
    assert_eq!(app.run_view.node, 2);
    press(&mut app, KeyCode::Tab);
    assert_eq!(app.run_view.node, 0, "wraps around");
    press(&mut app, KeyCode::Char('['));
    assert_eq!(app.run_view.node, 2);
    run_event(
        &mut app,
        0,
        RunEvent::NodeLog {
            node: "c5".into(),
            line: "client".into(),
        },
    );
    assert_eq!(app.run_view.node, 2, "c5 sorts after the selected n2");
    press(&mut app, KeyCode::Char(']'));
    run_event(
        &mut app,
        0,
        RunEvent::NodeLog {
            node: "n3".into(),
            line: "late".into(),
        },
    );
    let nodes = &app.session.as_ref().unwrap().runs[0].nodes;
    assert_eq!(
        nodes[app.run_view.node].0, "c5",
        "still showing c5 after n3 sorted in before it"
    );
}

#[test]
fn follow_mode_scrollback_and_frozen_view_while_lines_arrive() {
    let (mut app, _) = started("jjjjj");
    play_running(&mut app, 0, "3d");
    assert!(app.run_view.follow);
    press(&mut app, KeyCode::PageUp);
    assert_eq!((app.run_view.follow, app.run_view.scroll), (false, PAGE));
    run_event(
        &mut app,
        0,
        RunEvent::NodeLog {
            node: "n0".into(),
            line: "new".into(),
        },
    );
    assert_eq!(app.run_view.scroll, PAGE + 1, "the viewed lines stay put");
    run_event(
        &mut app,
        0,
        RunEvent::NodeLog {
            node: "n1".into(),
            line: "other node".into(),
        },
    );
    assert_eq!(app.run_view.scroll, PAGE + 1);
    press(&mut app, KeyCode::PageDown);
    assert_eq!((app.run_view.follow, app.run_view.scroll), (false, 1));
    press(&mut app, KeyCode::Char('j'));
    assert!(
        app.run_view.follow,
        "back at the bottom means following again"
    );
    press(&mut app, KeyCode::Char('k'));
    press(&mut app, KeyCode::Char('f'));
    assert_eq!((app.run_view.follow, app.run_view.scroll), (true, 0));
}

#[test]
fn regex_filter_is_validated_applied_and_cleared() {
    let (mut app, _) = started("jjjjj");
    play_running(&mut app, 0, "3d");
    type_keys(&mut app, "/gos(");
    press(&mut app, KeyCode::Enter);
    let input = app.input.as_ref().expect("still typing");
    assert!(input.error.is_some(), "unbalanced parenthesis is refused");
    press(&mut app, KeyCode::Backspace);
    type_keys(&mut app, "sip");
    press(&mut app, KeyCode::Enter);
    assert!(app.input.is_none());
    assert!(app.run_view.shows("gossip to n1") && !app.run_view.shows("node n0 up"));
    type_keys(&mut app, "q");
    assert!(
        matches!(app.overlay, Some(Overlay::Confirm(_))),
        "keys are commands again once the filter is set"
    );
    type_keys(&mut app, "n");
    type_keys(&mut app, "/");
    press(&mut app, KeyCode::Esc);
    assert!(app.run_view.filter.is_none());
}

#[test]
fn history_filter_mark_compare_and_open() {
    let mut app = App::new(false);
    update(&mut app, Action::RunsLoaded(Ok(runs())));
    type_keys(&mut app, "5");
    assert_eq!(
        app.run_rows()
            .iter()
            .map(|r| r.challenge.as_str())
            .collect::<Vec<_>>(),
        ["3e", "3d", "1"]
    );
    type_keys(&mut app, "mjc");
    let (a, b) = app.compare.as_ref().expect("compared");
    assert_eq!((a.challenge.as_str(), b.challenge.as_str()), ("3e", "3d"));
    assert_eq!(app.screen, Screen::Compare);
    type_keys(&mut app, "5/3d");
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.run_rows().len(), 1);
    let commands = press(&mut app, KeyCode::Enter);
    assert!(
        matches!(&commands[..], [Effect::LoadResults { run_id, .. }, Effect::LoadRunFiles { run_id: files_of, .. }] if run_id.ends_with("-3d") && files_of == run_id)
    );
    assert_eq!(
        app.results.as_ref().map(|r| r.summary.challenge.as_str()),
        Some("3d")
    );
}

#[test]
fn compare_from_challenges_defaults_to_3d_and_3e() {
    let mut app = App::new(false);
    type_keys(&mut app, "c");
    assert!(app.compare.is_none() && app.notice.is_some(), "no runs yet");
    update(&mut app, Action::RunsLoaded(Ok(runs())));
    type_keys(&mut app, "c");
    let (a, b) = app.compare.as_ref().expect("compared");
    assert_eq!((a.challenge.as_str(), b.challenge.as_str()), ("3d", "3e"));
}

#[test]
fn a_backend_that_cannot_start_returns_to_the_challenges_with_the_reason() {
    let (mut app, _) = started("b");
    update(
        &mut app,
        Action::Failed("real Maelstrom was requested but not found".into()),
    );
    assert!(app.session.is_none());
    assert_eq!(app.screen, Screen::Challenges);
    let Some(Overlay::Popup(popup)) = &app.overlay else {
        panic!("the reason opens in a popup: {:?}", app.overlay)
    };
    assert!(popup.text.contains("not found"), "{}", popup.text);
}

#[test]
fn results_tree_toggles_moves_folds_and_ignores_stale_files() {
    let mut app = App::new(false);
    update(&mut app, Action::RunsLoaded(Ok(runs())));
    type_keys(&mut app, "5");
    let commands = press(&mut app, KeyCode::Enter);
    let [_, Effect::LoadRunFiles { run_id, .. }] = &commands[..] else {
        panic!("{commands:?}")
    };
    let run_id = run_id.clone();
    update(&mut app, run_files_loaded("some-other-run"));
    assert!(
        app.results.as_ref().unwrap().tree.is_none(),
        "not this run's files"
    );
    update(&mut app, run_files_loaded(&run_id));
    let view = app.results.as_ref().unwrap();
    assert!(matches!(view.latency, Some(Ok(_))) && matches!(view.tree, Some(Ok(_))));

    type_keys(&mut app, "jt");
    let view = app.results.as_ref().unwrap();
    assert!(
        view.tree_view.shown && view.tree_view.cursor == 0,
        "j before t moves nothing"
    );
    let shown = view.tree_rows().len();
    press(&mut app, KeyCode::Enter);
    let view = app.results.as_ref().unwrap();
    assert_eq!(view.tree_view.toggled, [vec![0]].into(), ":perf folded");
    assert_eq!(view.tree_rows().len(), shown - 5, "its five rows hidden");
    type_keys(&mut app, "G");
    press(&mut app, KeyCode::PageDown);
    let view = app.results.as_ref().unwrap();
    assert_eq!(
        view.tree_view.cursor,
        view.tree_rows().len() - 1,
        "stays on the last row"
    );
    type_keys(&mut app, "g ");
    assert!(
        app.results.as_ref().unwrap().tree_view.toggled.is_empty(),
        "unfolded again"
    );
    press(&mut app, KeyCode::Esc);
    assert!(!app.results.as_ref().unwrap().tree_view.shown);
    assert_eq!(
        app.screen,
        Screen::Results,
        "the first esc only leaves the tree"
    );
    press(&mut app, KeyCode::Esc);
    assert_eq!(
        app.screen,
        Screen::Runs,
        "back to the list the run was opened from"
    );
}

#[test]
fn a_finished_session_asks_for_its_run_files() {
    let (mut app, _) = started("jjjjj");
    play_running(&mut app, 0, "3d");
    play_finished(&mut app, 0, outcome("3d", "r-3d", 20.0, 300.0, 500.0));
    let commands = update(&mut app, Action::Session(SessionEvent::Done));
    assert!(matches!(
        &commands[..],
        [Effect::LoadRunFiles { run_id, store_dir }, Effect::LoadRuns]
            if run_id == "r-3d" && store_dir.ends_with("r-3d/store/current")
    ));
}

#[test]
fn parameter_form_sets_overrides_for_the_next_run() {
    let mut app = App::new(false);
    type_keys(&mut app, "e3");
    press(&mut app, KeyCode::Enter);
    assert!(app.form.is_none());
    assert_eq!(app.overrides.time_limit_s, Some(3));
    let commands = press(&mut app, KeyCode::Enter);
    let [Effect::StartSession(request)] = &commands[..] else {
        panic!("{commands:?}")
    };
    assert_eq!(request.overrides.time_limit_s, Some(3));
}

#[test]
fn the_frontier_follows_the_history() {
    let mut app = App::new(false);
    update(&mut app, Action::RunsLoaded(Ok(frontier_runs())));
    assert_eq!(app.frontier.as_ref().map(|f| f.settings.len()), Some(6));
    update(&mut app, Action::RunsLoaded(Ok(runs())));
    assert!(app.frontier.is_none(), "every 3d/3e run at its defaults");
}

#[test]
fn o_opens_the_store_of_the_open_run_or_the_history_cursor() {
    let mut app = App::new(false);
    app.opener = Ok(PathBuf::from("/usr/bin/xdg-open"));
    update(&mut app, Action::RunsLoaded(Ok(runs())));
    assert!(type_keys(&mut app, "3o").is_empty(), "no results open");
    type_keys(&mut app, "5j");
    let store = app.run_rows()[1].store_dir.clone().expect("a store");
    assert_eq!(
        type_keys(&mut app, "o"),
        [Effect::OpenDir {
            program: "/usr/bin/xdg-open".into(),
            dir: store.clone(),
        }]
    );
    assert_eq!(
        app.notice,
        Some(format!("opening with xdg-open: {}", store.display()))
    );
    press(&mut app, KeyCode::Enter);
    type_keys(&mut app, "t");
    assert_eq!(
        type_keys(&mut app, "o").len(),
        1,
        "also while the results tree is shown"
    );

    app.opener = Err("no xdg-open or open found (set GLOMERS_OPEN)".into());
    assert!(type_keys(&mut app, "o").is_empty());
    let notice = app.notice.clone().unwrap_or_default();
    assert!(
        notice.contains(&store.display().to_string()) && notice.contains("set GLOMERS_OPEN"),
        "{notice}"
    );
}

#[test]
fn a_failed_opener_only_changes_the_status_line() {
    let (mut app, _) = started("");
    let failed = "cannot open with xdg-open (exit status: 3): /s";
    update(&mut app, Action::Notice(failed.into()));
    assert_eq!(app.notice.as_deref(), Some(failed));
    assert!(app.session.is_some(), "unlike Failed, the session stays");
    assert_eq!(app.screen, Screen::Run);
}

fn wheel(app: &mut App, kind: MouseEventKind) -> Vec<Effect> {
    let mouse = MouseEvent {
        kind,
        column: 10,
        row: 10,
        modifiers: KeyModifiers::NONE,
    };
    update(app, Action::Mouse(mouse, Size::new(80, 24)))
}

#[test]
fn the_wheel_scrolls_the_log_and_moves_lists_but_not_behind_overlays() {
    let (mut app, _) = started("jjjjj");
    play_running(&mut app, 0, "3d");
    wheel(&mut app, MouseEventKind::ScrollUp);
    assert_eq!(
        (app.run_view.follow, app.run_view.scroll),
        (false, WHEEL_LINES)
    );
    wheel(&mut app, MouseEventKind::ScrollDown);
    assert_eq!((app.run_view.follow, app.run_view.scroll), (true, 0));
    type_keys(&mut app, "1");
    wheel(&mut app, MouseEventKind::ScrollDown);
    assert_eq!(app.challenges_view.cursor, 6, "one row per notch");
    type_keys(&mut app, "?");
    wheel(&mut app, MouseEventKind::ScrollDown);
    assert_eq!(
        app.overlay,
        Some(Overlay::Help { scroll: 1 }),
        "the wheel scrolls the help, which stays open"
    );
    wheel(&mut app, MouseEventKind::ScrollUp);
    assert!(help_open(&app), "the help stays open");
    assert_eq!(app.challenges_view.cursor, 6, "nothing moves behind it");
    wheel(&mut app, MouseEventKind::Moved);
    assert!(help_open(&app));
}
