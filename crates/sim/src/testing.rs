//! Helpers for test suites that judge node binaries on this simulator in
//! process (our nodes, the deliberately broken ones, glomers' own tests):
//! one shortened test and its parsed verdict, and the schedule a history
//! records. Nothing here is used by `glomers` itself.

use std::path::{Path, PathBuf};

/// The shortened defaults a test run starts from: 5 s of load and a 2 s
/// quiet period before final reads. Options given later win.
pub const SHORTENED: &str = "--time-limit 5 --recovery-wait 2";

/// A finished test: the exit code `maelstrom test` would give and the
/// `results.edn` it wrote, if it got that far.
pub struct Judged {
    pub exit_code: i32,
    pub results: Option<edn::Value>,
    pub run_dir: Option<PathBuf>,
}

/// Runs `bin` on `workload` in `base` with [`SHORTENED`] then `args`
/// (whitespace-separated `maelstrom test` options).
pub fn shortened_run(base: &Path, bin: &str, workload: &str, args: &str) -> Judged {
    let argv: Vec<String> = format!("test -w {workload} --bin {bin} {SHORTENED}")
        .split_whitespace()
        .chain(args.split_whitespace())
        .map(str::to_owned)
        .collect();
    let outcome = crate::run_cli(&argv, base);
    let results = outcome.run_dir.as_deref().and_then(|dir| {
        let text = std::fs::read_to_string(dir.join("results.edn")).ok()?;
        edn::parse(&text).ok()
    });
    Judged {
        exit_code: outcome.exit_code,
        results,
        run_dir: outcome.run_dir,
    }
}

/// What a history scheduled, in order: client invocations as `f value`, and
/// nemesis events as `type f value`. Two runs with one seed must agree on both.
///
/// # Panics
/// On a line that is not EDN, naming it (a test's history is ours to trust).
pub fn schedule(history_edn: &str) -> (Vec<String>, Vec<String>) {
    let (mut invoked, mut nemesis) = (Vec::new(), Vec::new());
    for line in history_edn.lines().filter(|l| !l.trim().is_empty()) {
        let op = edn::parse(line).unwrap_or_else(|e| panic!("history line {line}: {e}"));
        let field = |name: &str| op.get_kw(name).map(ToString::to_string).unwrap_or_default();
        if field("process") == ":nemesis" {
            nemesis.push(format!(
                "{} {} {}",
                field("type"),
                field("f"),
                field("value")
            ));
        } else if field("type") == ":invoke" {
            invoked.push(format!("{} {}", field("f"), field("value")));
        }
    }
    (invoked, nemesis)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedule_keeps_invocations_and_nemesis_events_apart() {
        let history = "{:index 0, :type :invoke, :process 0, :f :broadcast, :value 3}\n\
                       {:index 1, :type :ok, :process 0, :f :broadcast, :value 3}\n\
                       \n\
                       {:index 2, :type :info, :process :nemesis, :f :start-partition, :value :majority}\n";
        let (invoked, nemesis) = schedule(history);
        assert_eq!(invoked, [":broadcast 3"]);
        assert_eq!(nemesis, [":info :start-partition :majority"]);
    }
}
