//! Helpers for test suites that judge node binaries on this simulator in
//! process (our nodes, the deliberately broken ones, glomers' own tests):
//! one shortened test and its parsed verdict, the schedule a history
//! records, and whether two runs' schedules agree. Nothing here is used by
//! `glomers` itself.

use std::path::Path;

/// The shortened defaults a test run starts from: 5 s of load and a 2 s
/// quiet period before final reads. Options given later win.
pub const SHORTENED: &str = "--time-limit 5 --recovery-wait 2";

/// A finished test: the exit code `maelstrom test` would give and the
/// `results.edn` it wrote, if it got that far.
pub struct Judged {
    pub exit_code: i32,
    pub results: Option<edn::Value>,
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

/// Each operation of the shorter of `a` and `b` is among the next `window`
/// not yet matched of the other: the same operations, where only neighbours
/// invoked concurrently may have swapped places. The time limit cuts both
/// runs at an instant the nodes' speed decides (a release waits for a free
/// client), so the longer run may have invoked up to `window` more at its end.
pub fn same_up_to_neighbour_swaps(a: &[String], b: &[String], window: usize) -> Result<(), String> {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    let mut rest: Vec<&String> = long.iter().collect();
    for (i, op) in short.iter().enumerate() {
        let near = &rest[..window.min(rest.len())];
        let Some(at) = near.iter().position(|other| *other == op) else {
            return Err(format!(
                "operation {i} `{op}` of one run is not among the other's next {near:?}"
            ));
        };
        rest.remove(at);
    }
    if rest.len() > window {
        return Err(format!(
            "one run also invoked `{}` and {} more, beyond what the time limit explains",
            rest[0],
            rest.len() - 1
        ));
    }
    Ok(())
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

    #[test]
    fn the_neighbour_swap_comparison_rejects_other_operations() {
        let ops = |s: &str| s.split(' ').map(String::from).collect::<Vec<_>>();
        assert!(same_up_to_neighbour_swaps(&ops("a b c d"), &ops("b a c d"), 2).is_ok());
        assert!(same_up_to_neighbour_swaps(&ops("a b c d"), &ops("b c d a"), 2).is_err());
        assert!(same_up_to_neighbour_swaps(&ops("a b c d"), &ops("a b c e"), 4).is_err());
        // One run cut a little later by the time limit, either way round.
        assert!(same_up_to_neighbour_swaps(&ops("a b c"), &ops("a b c d"), 2).is_ok());
        assert!(same_up_to_neighbour_swaps(&ops("a b c d"), &ops("a b c"), 2).is_ok());
        assert!(same_up_to_neighbour_swaps(&ops("a b"), &ops("a b c d e"), 2).is_err());
        assert!(same_up_to_neighbour_swaps(&ops("a x"), &ops("a b c"), 2).is_err());
    }
}
