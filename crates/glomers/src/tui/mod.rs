//! The `glomers` dashboard: a ratatui front end over the runner engine.
//!
//! It picks challenges, starts sessions with `runner::session::run_session`,
//! shows the session's event stream live (phase, progress, harness output,
//! per-node logs), and shows results, comparisons and past runs. It does not
//! judge, parse or build anything itself: verdicts, thresholds and the run log
//! all come from `runner`.
//!
//! Layout, in the order data flows:
//! - `event_loop`: terminal input, session events and signals become [`app::Action`]s; carries out the [`Effect`]s; draws at most ~20 times a second.
//! - `app`: the `App`, the pure `update`, routing between screens and the overlays; `live` (the running session's bounded buffers), `form` (the parameter form), `latency` (the Results chart's series), `tree` (`results.edn` folded), `frontier` (3d/3e runs per node setting) and `open` (which program opens a store, and what to say) are parts of it.
//! - `session`: starting, cancelling and following the session the dashboard runs; `watching`: `w` watch mode, one such session per cycle.
//! - `overlay`: help, yes/no confirmation and text popup, drawn over any screen.
//! - `screens`: one module per screen (challenges, run, results, compare, runs; `why`, the Results screen's why pane), each with its view state, keys, clicks, layout and drawing.
//! - `ui`: `draw(frame, &mut App)`: the frame (tabs, key bar or message), the parameter form and the shared styles, calling each screen and overlay to draw itself; changes nothing but the lists' scroll offsets.
//! - `terminal`: raw mode and the alternate screen, restored on drop and on panic.

mod app;
mod event_loop;
mod form;
mod frontier;
mod latency;
mod live;
mod open;
mod overlay;
mod screens;
mod session;
mod terminal;
mod tree;
mod ui;
mod watching;

#[cfg(test)]
mod pane_snapshot_tests;
#[cfg(test)]
mod snapshot_tests;
#[cfg(test)]
mod test_support;
#[cfg(test)]
mod update_tests;
#[cfg(test)]
mod watch_tests;

pub use app::Effect;

use std::path::PathBuf;
use std::process::ExitCode;

/// Opens the dashboard on the current terminal until the user quits; 130
/// when quitting cancelled a running session, 0 otherwise.
pub fn run(
    nodes: runner::project::NodePlan,
    glomers_dir: PathBuf,
    watch: Result<runner::watch::WatchSpec, String>,
) -> anyhow::Result<ExitCode> {
    // https://no-color.org: set and non-empty means no colours.
    let color = std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let runtime = tokio::runtime::Runtime::new()?;
    let exit = runtime.block_on(async {
        let mut screen = terminal::enter()?;
        let mut app = app::App::new(color);
        app.opener = open::find_opener(std::env::var_os(open::OPENER_VAR), |program| {
            which::which(program).ok()
        });
        app.backend = initial_backend(&nodes, || {
            let maelstrom = nodes
                .project
                .as_ref()
                .and_then(|p| p.defaults.maelstrom.as_deref());
            runner::backend::Backend::resolve(
                runner::backend::BackendChoice::Maelstrom,
                maelstrom,
                runner::backend::Backend::sim_from_current_exe,
            )
            .is_ok()
        });
        app.challenges_view.nodes = nodes.clone();
        let setup = event_loop::Setup {
            nodes,
            glomers_dir,
            watch,
        };
        let result = event_loop::run(&mut screen.terminal, &mut app, &setup).await;
        drop(screen);
        result.map(|()| app.exit_code())
    })?;
    Ok(exit)
}

/// The backend the dashboard starts on: glomers.toml's `[defaults] backend`
/// (`auto`: Maelstrom when `maelstrom_found`), else the simulator.
fn initial_backend(
    nodes: &runner::project::NodePlan,
    maelstrom_found: impl FnOnce() -> bool,
) -> runner::backend::BackendKind {
    use runner::backend::{BackendChoice, BackendKind};
    match nodes.project.as_ref().and_then(|p| p.defaults.backend) {
        Some(BackendChoice::Maelstrom) => BackendKind::Maelstrom,
        Some(BackendChoice::Auto) if maelstrom_found() => BackendKind::Maelstrom,
        _ => BackendKind::Sim,
    }
}

#[cfg(test)]
mod initial_backend_tests {
    use super::*;
    use runner::backend::BackendKind;
    use runner::project::{NodePlan, parse};

    fn plan(toml: &str) -> NodePlan {
        NodePlan {
            bin: None,
            project: Some(parse(toml, std::path::Path::new("/p/glomers.toml")).unwrap()),
            workspace: None,
        }
    }

    #[test]
    fn the_project_defaults_choose_the_dashboards_first_backend() {
        let found = || true;
        let missing = || false;
        assert_eq!(initial_backend(&plan(""), found), BackendKind::Sim);
        let maelstrom = plan("[defaults]\nbackend = \"maelstrom\"\n");
        assert_eq!(initial_backend(&maelstrom, missing), BackendKind::Maelstrom);
        let auto = plan("[defaults]\nbackend = \"auto\"\n");
        assert_eq!(initial_backend(&auto, found), BackendKind::Maelstrom);
        assert_eq!(initial_backend(&auto, missing), BackendKind::Sim);
        let none = NodePlan {
            bin: None,
            project: None,
            workspace: None,
        };
        assert_eq!(initial_backend(&none, found), BackendKind::Sim);
    }
}
