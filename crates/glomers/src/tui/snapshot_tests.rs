//! Every screen rendered with ratatui's `TestBackend` at 80×24 and 160×48,
//! from states built through `update` with synthetic keys and runner events.

use crossterm::event::{KeyCode, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::Size;
use std::time::Duration;

use runner::event::{ConsoleTracker, RunEvent, SessionEvent};
use runner::session::RunStatus;

use super::app::{Action, App, Screen, update};
use super::test_support::{
    frontier_runs, outcome, play_finished, play_running, press, run_event, run_files_loaded, runs,
    type_keys,
};
use super::test_support::{render, snapshot_sizes};

fn app_with_runs() -> App {
    let mut app = App::new(true);
    update(&mut app, Action::RunsLoaded(Ok(runs())));
    app
}

/// 3d and 3e selected and started; 3d is running.
fn running_app() -> App {
    let mut app = app_with_runs();
    type_keys(&mut app, "jjjjj  ");
    let commands = press(&mut app, KeyCode::Enter);
    assert_eq!(commands.len(), 1, "enter starts one session");
    update(
        &mut app,
        Action::Session(SessionEvent::BuildStarted {
            step: "cargo build --release -p nodes --bins".into(),
        }),
    );
    update(
        &mut app,
        Action::Session(SessionEvent::BuildFinished {
            ok: true,
            output: String::new(),
        }),
    );
    play_running(&mut app, 0, "3d");
    app
}

#[test]
fn challenges_screen() {
    let mut app = app_with_runs();
    type_keys(&mut app, "jjjjj  ");
    snapshot_sizes!("challenges", &mut app);
}

#[test]
fn challenges_screen_without_history_or_colour() {
    let mut app = App::new(false);
    insta::assert_snapshot!("challenges_empty_80x24", render(&mut app, 80, 24));
}

#[test]
fn run_screen_live() {
    let mut app = running_app();
    press(&mut app, KeyCode::Tab);
    assert_eq!(app.screen, Screen::Run);
    snapshot_sizes!("run_live", &mut app);
}

#[test]
fn run_screen_filtered_and_scrolled() {
    let mut app = running_app();
    press(&mut app, KeyCode::Tab);
    type_keys(&mut app, "/gossip");
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Up);
    insta::assert_snapshot!("run_filtered_80x24", render(&mut app, 80, 24));
}

/// A project's build command started and said two lines so far.
fn building_app() -> App {
    let mut app = app_with_runs();
    press(&mut app, KeyCode::Enter);
    update(
        &mut app,
        Action::Session(SessionEvent::BuildStarted {
            step: "go build -o bin/ ./... (in /home/me/solution)".into(),
        }),
    );
    for line in [
        "go: downloading github.com/jepsen-io/maelstrom/demo/go v0.0.0",
        "# solution/broadcast",
    ] {
        update(
            &mut app,
            Action::Session(SessionEvent::BuildOutput { line: line.into() }),
        );
    }
    app
}

#[test]
fn run_screen_while_building() {
    let mut app = building_app();
    insta::assert_snapshot!("run_building_80x24", render(&mut app, 80, 24));
}

/// The build command's own output, from its first error, in place of the
/// harness output: what a project's author needs to fix it.
#[test]
fn run_screen_after_a_failed_build() {
    let mut app = building_app();
    let output = "the build command `go build -o bin/ ./...` failed (exit status: 1):\n\
                  go: downloading github.com/jepsen-io/maelstrom/demo/go v0.0.0\n\
                  # solution/broadcast\n\
                  broadcast/main.go:41:9: undefined: gossip\n\
                  broadcast/main.go:57:2: declared and not used: peers";
    update(
        &mut app,
        Action::Session(SessionEvent::BuildFinished {
            ok: false,
            output: output.into(),
        }),
    );
    let screen = render(&mut app, 80, 24);
    assert!(screen.contains("build failed"), "{screen}");
    assert!(
        screen.contains("main.go:41:9: undefined: gossip"),
        "{screen}"
    );
    snapshot_sizes!("run_build_failed", &mut app);

    // The session ends with the run failed for its build: the screen stays
    // on the build output instead of a Results screen with one line of it.
    let mut failed = outcome("1", "20261125T180000.000Z-1", 0.0, 0.0, 0.0);
    failed.status = RunStatus::BuildFailed;
    failed.results = None;
    run_event(&mut app, 0, RunEvent::Finished(Box::new(failed)));
    update(&mut app, Action::Session(SessionEvent::Done));
    assert_eq!(app.screen, Screen::Run);
    assert!(render(&mut app, 80, 24).contains("main.go:41:9: undefined: gossip"));
}

#[test]
fn results_screen_after_a_session() {
    let mut app = running_app();
    play_finished(
        &mut app,
        0,
        outcome("3d", "20261125T180000.000Z-3d", 23.9, 298.0, 512.0),
    );
    play_running(&mut app, 1, "3e");
    play_finished(
        &mut app,
        1,
        outcome("3e", "20261125T180030.000Z-3e", 21.4, 640.0, 1730.0),
    );
    update(&mut app, Action::Session(SessionEvent::Done));
    assert_eq!(
        app.screen,
        Screen::Results,
        "a finished session opens its results"
    );
    snapshot_sizes!("results_failed", &mut app);
    press(&mut app, KeyCode::Char('4'));
    snapshot_sizes!("compare", &mut app);
}

#[test]
fn results_say_custom_when_the_form_changed_a_parameter() {
    let mut app = running_app();
    let mut seven = outcome("3d", "20261125T180000.000Z-3d", 11.0, 80.0, 99.0);
    seven.params.time_limit_s = 7;
    play_finished(&mut app, 0, seven);
    update(&mut app, Action::Session(SessionEvent::Done));
    let screen = render(&mut app, 80, 24);
    assert!(
        screen.contains("custom: time-limit 7"),
        "the run is labelled for what was run:\n{screen}"
    );
}

/// The passing 3d run opened from Runs, its results and run files read.
fn opened_3d() -> App {
    let mut app = app_with_runs();
    type_keys(&mut app, "5j");
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.screen, Screen::Results);
    let results = outcome("3d", "20261125T171000.000Z-3d", 24.6, 312.0, 489.0)
        .results
        .expect("results");
    update(
        &mut app,
        Action::ResultsLoaded {
            run_id: "20261125T171000.000Z-3d".into(),
            results: Ok(results),
        },
    );
    update(&mut app, run_files_loaded("20261125T171000.000Z-3d"));
    app
}

#[test]
fn results_screen_lists_node_warnings_under_the_verdict() {
    let mut app = running_app();
    let mut warned = outcome("3d", "20261125T180000.000Z-3d", 23.9, 298.0, 512.0);
    let console = "\
WARN [2026-11-25 18:00:03,100] n4 stdout - maelstrom.process Error!
Node n4 printed a line to STDOUT which was not well-formed JSON:
gossip: peers n1 n7 n9
WARN [2026-11-25 18:00:04,200] n7 stdout - maelstrom.process Node n7 closed its STDOUT: nothing it sends can arrive any more, so its requests will time out.
";
    let mut tracker = ConsoleTracker::new(Duration::from_secs(5));
    console.lines().for_each(|line| {
        tracker.observe(line);
    });
    warned.node_warnings = tracker.warnings().to_vec();
    assert_eq!(warned.node_warnings.len(), 2);
    play_finished(&mut app, 0, warned);
    update(&mut app, Action::Session(SessionEvent::Done));
    assert_eq!(app.screen, Screen::Results);
    snapshot_sizes!("results_node_warnings", &mut app);
}

#[test]
fn many_node_warnings_end_in_a_count_and_the_screen_still_fits() {
    let mut app = running_app();
    let mut warned = outcome("3d", "20261125T180000.000Z-3d", 23.9, 298.0, 512.0);
    let console: String = (0..5)
        .map(|i| {
            format!(
                "WARN [..] n{i} stdout - maelstrom.process Node n{i} closed its STDOUT: gone.\n"
            )
        })
        .collect();
    let mut tracker = ConsoleTracker::new(Duration::from_secs(5));
    console.lines().for_each(|line| {
        tracker.observe(line);
    });
    warned.node_warnings = tracker.warnings().to_vec();
    play_finished(&mut app, 0, warned);
    update(&mut app, Action::Session(SessionEvent::Done));
    let screen = render(&mut app, 80, 24);
    let shown: Vec<&str> = screen
        .lines()
        .filter(|l| l.contains("warning: ") || l.contains("more node warnings"))
        .collect();
    assert_eq!(shown.len(), 3, "{screen}");
    assert!(
        shown[0].contains("warning: n0 closed its STDOUT: gone.")
            && shown[1].contains("warning: n1 closed")
            && shown[2].contains(" … and 3 more node warnings"),
        "{screen}"
    );
    assert!(
        screen.contains("metrics vs thresholds") && screen.contains("┌ run "),
        "{screen}"
    );
}

#[test]
fn results_screen_passing_with_latency_chart() {
    let mut app = opened_3d();
    snapshot_sizes!("results_passed", &mut app);
}

#[test]
fn results_tree_folded_and_scrolled() {
    let mut app = opened_3d();
    type_keys(&mut app, "t");
    snapshot_sizes!("results_tree", &mut app);
    // Down to :stats → :by-f → :broadcast (folded at depth 2), unfold it, then a page on.
    type_keys(&mut app, &"j".repeat(17));
    let view = app.results.as_ref().expect("open");
    assert!(view.tree_rows()[17].text.starts_with(":broadcast"));
    type_keys(&mut app, " ");
    press(&mut app, KeyCode::PageDown);
    snapshot_sizes!("results_tree_unfolded_scrolled", &mut app);
}

#[test]
fn unreadable_run_files_are_reported_in_place() {
    let mut app = app_with_runs();
    type_keys(&mut app, "5j");
    press(&mut app, KeyCode::Enter);
    update(
        &mut app,
        Action::RunFilesLoaded {
            run_id: "20261125T171000.000Z-3d".into(),
            latency: Err("history.edn line 7: missing key :time".into()),
            tree: Err("results.edn: unexpected end of input".into()),
        },
    );
    assert!(render(&mut app, 160, 48).contains("history.edn line 7: missing key :time"));
    type_keys(&mut app, "tj");
    assert!(render(&mut app, 80, 24).contains("results.edn: unexpected end of input"));
    assert_eq!(
        app.results.as_ref().unwrap().tree_view.cursor,
        0,
        "no rows to move over"
    );
}

#[test]
fn runs_screen() {
    let mut app = app_with_runs();
    type_keys(&mut app, "5jm");
    snapshot_sizes!("runs", &mut app);
}

#[test]
fn overlays() {
    let mut app = app_with_runs();
    press(&mut app, KeyCode::Char('?'));
    snapshot_sizes!("help", &mut app);
    press(&mut app, KeyCode::Esc);
    type_keys(&mut app, "jjjjje");
    // Issue 19 #9: the form's hint is whole at 80 columns.
    snapshot_sizes!("form", &mut app);
    assert!(render(&mut app, 80, 24).contains("enter apply · esc cancel"));
    type_keys(&mut app, "p12x");
    press(&mut app, KeyCode::Enter);
    insta::assert_snapshot!("form_error_80x24", render(&mut app, 80, 24));
}

/// The latest 3d against the latest 3e, with the frontier of five 3e
/// settings and 3d below; 80×24 has no room for the pair's bar chart.
#[test]
fn compare_screen_with_the_knob_frontier() {
    let mut app = App::new(true);
    update(&mut app, Action::RunsLoaded(Ok(frontier_runs())));
    type_keys(&mut app, "c");
    assert_eq!(app.screen, Screen::Compare);
    snapshot_sizes!("compare_frontier", &mut app);
    let small = render(&mut app, 64, 24);
    assert!(
        small.contains("frontier · GLOMERS_BATCH_MS") && small.contains("3e 1600"),
        "the table stays when the terminal is narrow:\n{small}"
    );
    assert!(
        !small.contains("median ms by msgs/op"),
        "but the scatter goes:\n{small}"
    );
}

#[test]
fn frontier_without_a_pair_to_compare() {
    let mut app = App::new(false);
    update(&mut app, Action::RunsLoaded(Ok(frontier_runs())));
    type_keys(&mut app, "4");
    insta::assert_snapshot!("compare_frontier_only_80x24", render(&mut app, 80, 24));
}

fn click(app: &mut App, column: u16, row: u16, width: u16, height: u16) {
    let mouse = MouseEvent {
        kind: MouseEventKind::Down(MouseButton::Left),
        column,
        row,
        modifiers: KeyModifiers::NONE,
    };
    update(app, Action::Mouse(mouse, Size::new(width, height)));
}

/// The cell text at `column`..`column + width` of screen line `row`.
fn text_at(screen: &str, row: u16, column: u16, width: usize) -> String {
    let line = screen.lines().nth(usize::from(row)).expect("row on screen");
    // Each line of `TestBackend`'s text is quoted.
    line.chars()
        .skip(1 + usize::from(column))
        .take(width)
        .collect::<String>()
        .trim()
        .to_string()
}

#[test]
fn a_click_on_a_tab_opens_the_screen_drawn_there() {
    let mut app = app_with_runs();
    let header = render(&mut app, 80, 24);
    let header = header.lines().next().expect("header");
    for (number, screen) in [
        ("4", Screen::Compare),
        ("2", Screen::Run),
        ("5", Screen::Runs),
    ] {
        let at = header.find(&format!(" {number} ")).expect("tab drawn") as u16;
        // The byte offset is the column: the quote and " glomers " before the tabs are ASCII.
        click(&mut app, at + 2, 0, 80, 24);
        assert_eq!(app.screen, screen);
    }
    click(&mut app, 3, 0, 80, 24);
    assert_eq!(app.screen, Screen::Runs, "the brand is no tab");
}

/// With `maelstrom · official` the full tabs do not fit in 80 columns: the
/// others shrink to their numbers, and a click still finds the tab drawn.
#[test]
fn a_click_on_a_shortened_tab_opens_its_screen() {
    let mut app = app_with_runs();
    type_keys(&mut app, "b");
    let screen = render(&mut app, 80, 24);
    let header = screen.lines().next().expect("header");
    assert!(
        header.contains("1 Challenges  2  3  4  5  maelstrom · official"),
        "{header}"
    );
    let at = header.find(" 5 ").expect("tab drawn") as u16;
    click(&mut app, at + 1, 0, 80, 24);
    assert_eq!(app.screen, Screen::Runs);
    let header = render(&mut app, 80, 24);
    assert!(
        header.lines().next().unwrap().contains("5 Runs"),
        "{header}"
    );
}

#[test]
fn a_click_on_a_row_selects_the_row_drawn_there_even_when_scrolled() {
    let (width, height) = (80, 24);
    let mut app = app_with_runs();
    type_keys(&mut app, "G");
    // From the bottom (list scrolled) up to the first visible row, then down again.
    // 16 challenges, 15 rows (3 to 17) in view: the list starts scrolled by one.
    for y in [17, 3, 10, 17, 12] {
        let before = render(&mut app, width, height);
        click(&mut app, 30, y, width, height);
        // The id column is 5 wide (`4-seqkv` shows as `4-seq`).
        let id: String = app.challenges[app.challenges_view.cursor]
            .id
            .chars()
            .take(5)
            .collect();
        assert_eq!(text_at(&before, y, 3, 5), id, "clicked row {y}");
    }
    let cursor = app.challenges_view.cursor;
    click(&mut app, 30, 2, width, height);
    click(&mut app, 30, 21, width, height);
    assert_eq!(
        app.challenges_view.cursor, cursor,
        "header and details are no rows"
    );

    type_keys(&mut app, "5");
    let before = render(&mut app, width, height);
    click(&mut app, 30, 4, width, height);
    assert_eq!(app.runs_view.cursor, 1);
    assert_eq!(text_at(&before, 4, 3, 24), app.run_rows()[1].run_id);
    click(&mut app, 30, 9, width, height);
    assert_eq!(app.runs_view.cursor, 1, "below the last run");
}

/// Issue 19 #1: `c` on a running session asks before cancelling.
#[test]
fn cancel_asks_first() {
    let mut app = running_app();
    type_keys(&mut app, "c");
    snapshot_sizes!("confirm_cancel", &mut app);
}

/// Issue 19 #2: `a` says how many runs and about how long.
#[test]
fn run_all_asks_with_count_and_time() {
    let mut app = app_with_runs();
    type_keys(&mut app, "a");
    snapshot_sizes!("confirm_run_all", &mut app);
}

/// Issue 19 #6: at the bottom of the list, the position and what is above.
#[test]
fn challenges_scrolled_to_the_end() {
    let mut app = app_with_runs();
    type_keys(&mut app, "G");
    snapshot_sizes!("challenges_end", &mut app);
    let screen = render(&mut app, 80, 24);
    assert!(screen.contains("16/16"), "{screen}");
}

/// Issue 19 #7, #8: every id whole, 3d and 3e told apart, `? help · q quit`
/// kept, at 80 columns and narrower.
#[test]
fn narrow_challenges_keep_ids_titles_and_the_essential_keys() {
    let mut app = app_with_runs();
    for width in [80, 50] {
        let screen = render(&mut app, width, 24);
        for id in ["4-seqkv", "6b-ii", "3d", "3e"] {
            assert!(
                screen.contains(&format!(" {id} ")),
                "{id} at {width}:\n{screen}"
            );
        }
        assert!(
            screen.lines().any(|l| l
                .trim_end_matches('"')
                .trim_end()
                .ends_with("? help · q quit")),
            "at {width}:\n{screen}"
        );
    }
    let screen = render(&mut app, 80, 24);
    assert!(
        screen.contains("Efficient Broadcast I ") && screen.contains("Efficient Broadcast II"),
        "{screen}"
    );
    assert!(
        !screen.contains("workload"),
        "the workload column goes first"
    );
    insta::assert_snapshot!("challenges_50x15", render(&mut app, 50, 15));
}

/// Issue 19 #9: the header keeps backend and profile; the real-Maelstrom
/// error opens whole in a popup that says how to set $MAELSTROM.
#[test]
fn long_messages_are_never_cut() {
    let mut app = app_with_runs();
    type_keys(&mut app, "b");
    press(&mut app, KeyCode::Enter);
    update(
        &mut app,
        Action::Failed(runner::backend::BackendError::MaelstromNotFound.to_string()),
    );
    snapshot_sizes!("maelstrom_not_found", &mut app);
    let screen = render(&mut app, 80, 24);
    assert!(
        screen
            .lines()
            .next()
            .unwrap()
            .contains("maelstrom · official"),
        "{screen}"
    );
    assert!(
        !screen.contains("--maelstrom"),
        "the dashboard has no such flag"
    );
    press(&mut app, KeyCode::Esc);
    update(
        &mut app,
        Action::Notice(
            "no xdg-open or open found (set GLOMERS_OPEN); the store is /home/dev/glomers/.glomers/runs/20261125T171000.000Z-3d/store/current".into(),
        ),
    );
    insta::assert_snapshot!("long_notice_80x24", render(&mut app, 80, 24));
}

/// Issue 19 #10: help on the Run screen starts with the Run keys and scrolls.
#[test]
fn help_starts_with_the_screen_and_scrolls() {
    let mut app = running_app();
    type_keys(&mut app, "?");
    let top = render(&mut app, 50, 15);
    assert!(top.contains("run: tab/]"), "{top}");
    type_keys(&mut app, &"j".repeat(40));
    let scrolled = render(&mut app, 50, 15);
    assert!(
        scrolled.contains("mark · c compare marked run") && !scrolled.contains("run: tab/]"),
        "scrolled to the last section:\n{scrolled}"
    );
    press(&mut app, KeyCode::Char('g'));
    snapshot_sizes!("help_run", &mut app);
}

/// Issue 19 #13: recovery and analysis count down.
#[test]
fn recovery_and_analysis_count_down() {
    let t0 = std::time::Instant::now();
    let mut app = running_app();
    update(&mut app, Action::Tick(t0));
    super::test_support::run_event(
        &mut app,
        0,
        runner::event::RunEvent::Phase(runner::event::Phase::Recovery),
    );
    update(&mut app, Action::Tick(t0 + Duration::from_secs(3)));
    snapshot_sizes!("run_recovery", &mut app);
    let screen = render(&mut app, 80, 24);
    // Official parameters: Maelstrom's 10 s of recovery.
    assert!(
        screen.contains("recovery: quiet period and final reads · about 7 s left"),
        "{screen}"
    );
    super::test_support::run_event(
        &mut app,
        0,
        runner::event::RunEvent::Phase(runner::event::Phase::Analysing),
    );
    update(&mut app, Action::Tick(t0 + Duration::from_secs(4)));
    assert!(render(&mut app, 80, 24).contains("analysing · about 2 s left"));
    // Past its estimate, it counts up.
    update(&mut app, Action::Tick(t0 + Duration::from_secs(9)));
    assert!(render(&mut app, 80, 24).contains("analysing · 6 s"));
}
