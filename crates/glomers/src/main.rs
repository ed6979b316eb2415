//! `glomers`: the command line over the runner engine and the simulator.
//!
//! This binary only parses flags, wires them to `runner` and `sim`, and
//! prints; every capability lives in those libraries.
//!
//! Layout:
//! - `cli`: every flag, defined once (help and completions come from it).
//! - `project`: where this invocation stands: `glomers.toml`, our workspace, the work dir.
//! - `init`: `glomers init`: a commented `glomers.toml` from what the project holds.
//! - `run`: `glomers run`: session setup, Ctrl-C, live progress, exit codes.
//! - `output`: per-run text, the `--json` summary and the JUnit XML.
//! - `past`: `list`, `runs`, `show`, `compare` and `plot`.
//! - `explain`: `explain`, and the findings under a FAIL.
//! - `bench`: `bench` and `frontier`: repeated runs, tables and plots.
//! - `watch`: `watch` (rerun on every source change) and `rerun` (repeat a recorded run).

mod bench;
mod cli;
mod explain;
mod init;
mod output;
mod past;
mod project;
mod run;
mod tui;
mod watch;

use std::process::ExitCode;

use clap::{CommandFactory, Parser};

use cli::{Action, Cli};
use project::Place;

fn main() -> ExitCode {
    let cli = Cli::parse();
    if matches!(
        cli.action,
        Some(Action::List | Action::Runs { .. } | Action::Show { .. } | Action::Explain { .. })
            | Some(Action::Compare { .. } | Action::Completions { .. })
    ) {
        end_quietly_on_closed_pipe();
    }
    // Init, the simulator, completions and the help read no glomers.toml, so a broken one cannot stop them.
    let needs_place = !matches!(
        cli.action,
        Some(Action::Init | Action::Maelstrom { .. } | Action::Completions { .. })
    ) && (cli.action.is_some()
        || std::io::IsTerminal::is_terminal(&std::io::stdout()));
    let place = match Place::discover(&cli, needs_place) {
        Ok(place) => place,
        Err(e) => {
            eprintln!("glomers: {}", error_text(&e));
            return ExitCode::from(run::EXIT_INFRA);
        }
    };
    let glomers_dir = place.glomers_dir.clone();
    let result = match cli.action {
        // No subcommand on a terminal: the dashboard; otherwise (pipes, scripts) the help.
        None if std::io::IsTerminal::is_terminal(&std::io::stdout()) => {
            let watch = watch::spec(None, &place).map_err(|e| format!("{e:#}"));
            tui::run(place.plan(None), glomers_dir, watch)
        }
        None => Cli::command()
            .print_help()
            .map(|_| ExitCode::SUCCESS)
            .map_err(Into::into),
        Some(Action::Maelstrom { args }) => return maelstrom(&args),
        Some(Action::Completions { shell }) => {
            clap_complete::generate(
                shell,
                &mut Cli::command(),
                "glomers",
                &mut std::io::stdout(),
            );
            Ok(ExitCode::SUCCESS)
        }
        Some(Action::Init) => init::init(&place.cwd),
        Some(Action::List) => past::list(&place.plan(None)),
        Some(Action::Runs { challenge, json }) => {
            past::runs(&glomers_dir, challenge.as_deref(), json)
        }
        Some(Action::Show { run, json }) => past::show(&glomers_dir, &run, json),
        Some(Action::Explain { run, json }) => explain::explain(&glomers_dir, run.as_deref(), json),
        Some(Action::Compare { a, b, json }) => past::compare(&glomers_dir, &a, &b, json),
        Some(Action::Plot { run }) => past::plot(&glomers_dir, &run),
        Some(Action::Run(args)) => {
            tokio_runtime().and_then(|rt| rt.block_on(run::run(args, &place)))
        }
        Some(Action::Watch(args)) => {
            tokio_runtime().and_then(|rt| rt.block_on(watch::watch(args, &place)))
        }
        Some(Action::Rerun { run, json }) => {
            tokio_runtime().and_then(|rt| rt.block_on(watch::rerun(&run, json, &place)))
        }
        Some(Action::Bench(args)) => {
            tokio_runtime().and_then(|rt| rt.block_on(bench::bench(args, &place)))
        }
        Some(Action::Frontier(args)) => {
            tokio_runtime().and_then(|rt| rt.block_on(bench::frontier(args, &place)))
        }
    };
    result.unwrap_or_else(|e| {
        eprintln!("glomers: {}", error_text(&e));
        ExitCode::from(run::EXIT_INFRA)
    })
}

/// The error and each of its causes once. The runner's errors already print
/// their cause in their own message, where `{:#}` would repeat it ("…: X: X").
fn error_text(error: &anyhow::Error) -> String {
    let mut text = error.to_string();
    for cause in error.chain().skip(1).map(ToString::to_string) {
        if !text.contains(&cause) {
            text = format!("{text}: {cause}");
        }
    }
    text
}

/// Commands that only print end like other Unix tools when their reader goes
/// away (`glomers show 3d | head -1`). Commands that run things keep ignoring
/// SIGPIPE: a closed pipe must never kill a run and orphan its nodes.
#[allow(unsafe_code)]
fn end_quietly_on_closed_pipe() {
    // SAFETY: called before any thread is started; SIG_DFL is always a valid disposition.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

fn tokio_runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Runtime::new()?)
}

/// `glomers maelstrom ...`: the simulator, exactly like `maelstrom ...` run here.
fn maelstrom(args: &[String]) -> ExitCode {
    let base_dir = match std::env::current_dir() {
        Ok(dir) => dir,
        Err(e) => {
            eprintln!("glomers: cannot read the current directory: {e}");
            return ExitCode::from(255);
        }
    };
    let outcome = sim::run_cli(args, &base_dir);
    // Maelstrom's statuses (0, 1, 2, 254, 255) all fit in a byte.
    ExitCode::from(u8::try_from(outcome.exit_code).unwrap_or(255))
}

#[cfg(test)]
mod tests {
    use anyhow::Context;

    #[test]
    fn error_text_names_each_cause_once() {
        let io = || std::io::Error::new(std::io::ErrorKind::IsADirectory, "Is a directory");
        // A cause the message already holds is not repeated…
        let log = runner::run_log::RunLogError::Io {
            path: "h/runs.jsonl".into(),
            source: io(),
        };
        assert_eq!(
            super::error_text(&log.into()),
            "h/runs.jsonl: Is a directory"
        );
        // …and one it does not hold is added.
        let wrapped = Err::<(), _>(io())
            .context("cannot write r.xml")
            .unwrap_err();
        assert_eq!(
            super::error_text(&wrapped),
            "cannot write r.xml: Is a directory"
        );
    }
}
