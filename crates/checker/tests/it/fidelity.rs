//! Fidelity suite: judge each real Maelstrom 0.2.4 history in
//! `testdata/maelstrom/` (workspace root) with our checkers and compare with the
//! `results.edn` Maelstrom wrote for exactly that history.
//!
//! Every compared quantity is one row of a table `case | quantity | maelstrom
//! | ours | equal?`, printed and written to `docs/checker-fidelity.md`; the test fails
//! afterwards if any row differs, naming the case and the difference.
//!
//! Run: `cargo test -p checker --test it fidelity -- --nocapture`.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use checker::history::{Op, OpType, read_history};
use checker::order::clj_eq;
use checker::{
    Availability, CheckOptions, Incremental, analyze, float32_ratio, split_consistency_models,
};
use edn::Value;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/maelstrom");
const REPORT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../docs/checker-fidelity.md"
);

/// Longest value text shown in a table cell.
const CELL_WIDTH: usize = 60;

/// One compared quantity of one case.
struct Row {
    case: String,
    quantity: String,
    maelstrom: String,
    ours: String,
    equal: bool,
}

/// A case that could not be compared, and why.
struct Skipped {
    case: String,
    reason: String,
}

#[test]
fn our_checkers_agree_with_maelstrom_on_its_own_histories() {
    let mut rows = Vec::new();
    let mut skipped = Vec::new();
    for dir in case_dirs() {
        let case = dir.file_name().unwrap().to_string_lossy().into_owned();
        match compare_case(&dir, &case) {
            Ok(case_rows) => rows.extend(case_rows),
            Err(reason) => skipped.push(Skipped { case, reason }),
        }
    }

    let report = render(&rows, &skipped);
    println!("{report}");
    let report_path = Path::new(REPORT);
    fs::create_dir_all(report_path.parent().unwrap()).expect("create docs/");
    fs::write(report_path, &report).expect("write docs/checker-fidelity.md");

    let differences: Vec<String> = rows
        .iter()
        .filter(|row| !row.equal)
        .map(|row| {
            format!(
                "{} {}: maelstrom {} but ours {}",
                row.case, row.quantity, row.maelstrom, row.ours
            )
        })
        .collect();
    assert!(
        differences.is_empty(),
        "{} of {} rows differ:\n{}",
        differences.len(),
        rows.len(),
        differences.join("\n")
    );
    // Only the crashed echo run has nothing to compare.
    let unexpected: Vec<&Skipped> = skipped.iter().filter(|s| s.case != "echo-crash").collect();
    assert!(
        unexpected.is_empty(),
        "cases skipped: {}",
        unexpected
            .iter()
            .map(|s| format!("{}: {}", s.case, s.reason))
            .collect::<Vec<_>>()
            .join("; ")
    );
}

/// Ops fed one at a time (set reads losing their values as they go) must be
/// judged exactly as the whole history is.
#[test]
fn incremental_analysis_equals_the_batch_one_on_every_fixture() {
    let mut compared = 0;
    for dir in case_dirs() {
        let (Ok(command), Ok(history)) = (read(&dir, "command.txt"), read(&dir, "history.edn"))
        else {
            continue;
        };
        let options = options_from_command(&command).unwrap();
        let history = read_history(&history).unwrap();
        let net = Value::kw_map([("all", Value::Int(1))]);
        let batch = analyze(&history, &options, net.clone());
        let mut incremental = Incremental::new(options);
        for op in history {
            incremental.push(op);
        }
        assert_eq!(incremental.finish(net), batch, "{}", dir.display());
        compared += 1;
    }
    assert!(compared >= 25, "only {compared} fixtures had a history");
}

fn case_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = fs::read_dir(FIXTURES)
        .expect("fixtures directory")
        .map(|entry| entry.expect("fixture entry").path())
        .filter(|path| path.is_dir())
        .collect();
    dirs.sort();
    assert_eq!(dirs.len(), 28, "expected all 28 Maelstrom fixture cases");
    dirs
}

/// The rows of one case, or why it cannot be compared.
fn compare_case(dir: &Path, case: &str) -> Result<Vec<Row>, String> {
    let command = read(dir, "command.txt")?;
    let options = options_from_command(&command)?;
    if !dir.join("results.edn").exists() {
        let exit = read(dir, "exit-code.txt").unwrap_or_default();
        return Err(format!(
            "the run crashed (exit {}), so Maelstrom wrote no results.edn to compare with",
            exit.trim()
        ));
    }
    let expected_text = read(dir, "results.edn")?;
    let expected = edn::parse(&expected_text).map_err(|e| format!("results.edn: {e}"))?;
    let history = read_history(&read(dir, "history.edn")?).map_err(|e| e.to_string())?;
    let net = expected.get_kw("net").cloned().unwrap_or(Value::Nil);
    let ours = analyze(&history, &options, net);

    let mut rows: Vec<Row> = checked_paths(&options.workload)?
        .iter()
        .map(|path| {
            row(
                case,
                &format!(":{}", path.join(" :")),
                expected.path(path),
                ours.path(path),
            )
        })
        .collect();
    rows.extend(msgs_per_op_rows(case, &history, &expected));
    // Beyond the listed quantities, the whole maps of the checkers this crate
    // owns (worst-stale ops, duplicated ids, counter errors...) must match,
    // and printed, the file must come out byte for byte as Maelstrom's.
    if !matches!(options.workload.as_str(), "kafka" | "txn-rw-register") {
        rows.push(row(case, "whole results.edn", Some(&expected), Some(&ours)));
        let printed_equal = edn::to_pretty(&ours).trim_end() == expected_text.trim_end();
        rows.push(Row {
            case: case.to_string(),
            quantity: "results.edn text".to_string(),
            maelstrom: "its file".to_string(),
            ours: if printed_equal {
                "byte-identical"
            } else {
                "differs"
            }
            .to_string(),
            equal: printed_equal,
        });
    }
    if options.workload == "echo" {
        let count = |results: &Value| match results
            .path(&["workload", "errors"])
            .and_then(Value::as_seq)
        {
            Some(errors) => Value::Int(errors.len() as i64),
            None => Value::Nil,
        };
        rows.push(row(
            case,
            ":workload :errors (count)",
            Some(&count(&expected)),
            Some(&count(&ours)),
        ));
    }
    Ok(rows)
}

/// The key paths compared for every case, then those of its workload.
fn checked_paths(workload: &str) -> Result<Vec<Vec<&'static str>>, String> {
    let mut paths = vec![
        vec!["valid?"],
        vec!["exceptions"],
        vec!["stats"],
        vec!["availability"],
        vec!["workload", "valid?"],
    ];
    let workload_keys: &[&'static str] = match workload {
        "echo" => &[],
        "unique-ids" => &[
            "duplicated-count",
            "attempted-count",
            "acknowledged-count",
            "range",
        ],
        "broadcast" | "g-set" => &[
            "lost-count",
            "stable-count",
            "stale-count",
            "never-read-count",
            "stable-latencies",
            "lost",
        ],
        "g-counter" | "pn-counter" => &["final-reads", "acceptable"],
        "kafka" => &["error-types", "bad-error-types"],
        "txn-rw-register" => &["anomaly-types", "not"],
        other => return Err(format!("no comparison defined for workload {other}")),
    };
    paths.extend(workload_keys.iter().map(|key| vec!["workload", *key]));
    Ok(paths)
}

/// The simulator computes `:msgs-per-op` with our 32-bit float helper: from
/// Maelstrom's own counts it must give Maelstrom's digits.
fn msgs_per_op_rows(case: &str, history: &[Op], expected: &Value) -> Vec<Row> {
    let invocations = history
        .iter()
        .filter(|op| op.is_client() && op.kind == OpType::Invoke)
        .count() as u64;
    ["all", "servers"]
        .into_iter()
        .filter_map(|part| {
            let msg_count = expected
                .path(&["net", part, "msg-count"])
                .and_then(Value::as_i64)
                .and_then(|n| u64::try_from(n).ok())
                .filter(|_| invocations > 0)?;
            Some(row(
                case,
                &format!("float32_ratio = :net :{part} :msgs-per-op"),
                expected.path(&["net", part, "msgs-per-op"]),
                Some(&float32_ratio(msg_count, invocations)),
            ))
        })
        .collect()
}

fn row(case: &str, quantity: &str, maelstrom: Option<&Value>, ours: Option<&Value>) -> Row {
    let equal = match (maelstrom, ours) {
        (Some(a), Some(b)) => clj_eq(a, b),
        (None, None) => true,
        _ => false,
    };
    let show = |value: Option<&Value>| value.map_or("(absent)".to_string(), ToString::to_string);
    Row {
        case: case.to_string(),
        quantity: quantity.to_string(),
        maelstrom: show(maelstrom),
        ours: show(ours),
        equal,
    }
}

/// The checker-relevant options of a `maelstrom test ...` command line, with
/// Maelstrom's defaults for those not given.
fn options_from_command(command: &str) -> Result<CheckOptions, String> {
    let words: Vec<&str> = command.split_whitespace().collect();
    let flag = |names: &[&str]| {
        words
            .iter()
            .position(|w| names.contains(w))
            .and_then(|at| words.get(at + 1).copied())
    };
    let workload = flag(&["-w", "--workload"]).ok_or("command.txt has no -w")?;
    let mut options = CheckOptions::new(workload);
    if let Some(text) = flag(&["--availability"]) {
        options.availability =
            Some(Availability::parse(text).ok_or(format!("bad --availability {text}"))?);
    }
    if let Some(text) = flag(&["--consistency-models"]) {
        options.consistency_models = split_consistency_models(text);
    }
    Ok(options)
}

fn read(dir: &Path, name: &str) -> Result<String, String> {
    fs::read_to_string(dir.join(name)).map_err(|e| format!("{name}: {e}"))
}

fn render(rows: &[Row], skipped: &[Skipped]) -> String {
    let equal = rows.iter().filter(|r| r.equal).count();
    let mut out = String::new();
    out.push_str("# Checker fidelity against Maelstrom 0.2.4\n\n");
    out.push_str(
        "Generated by `cargo test -p checker --test it fidelity`; do not edit by hand.\n\
         This page covers verdicts and figures; timing (run length, scheduling, delivery\n\
         time, and the simulator's remaining error budget with the benchmark that\n\
         measures it) is in `docs/fidelity.md`.\n\n\
         Each row runs our checkers on the `history.edn` of a real Maelstrom run\n\
         (`testdata/maelstrom/<case>/`) and compares one\n\
         quantity with the `results.edn` Maelstrom wrote for that same history.\n\
         Maps compare regardless of key order. Long values are cut at\n",
    );
    let _ = writeln!(out, "{CELL_WIDTH} characters.\n");
    let _ = writeln!(out, "**{equal} of {} rows equal.**\n", rows.len());
    out.push_str("| case | quantity | maelstrom | ours | equal? |\n");
    out.push_str("|---|---|---|---|---|\n");
    for r in rows {
        let _ = writeln!(
            out,
            "| {} | `{}` | {} | {} | {} |",
            r.case,
            r.quantity,
            cell(&r.maelstrom),
            cell(&r.ours),
            if r.equal { "yes" } else { "**NO**" }
        );
    }
    if !skipped.is_empty() {
        out.push_str("\nNot compared:\n\n");
        for s in skipped {
            let _ = writeln!(out, "- {}: {}", s.case, s.reason);
        }
    }
    out
}

/// A table cell: code-formatted, `|` escaped, long text cut.
fn cell(text: &str) -> String {
    let cut: String = if text.chars().count() > CELL_WIDTH {
        text.chars().take(CELL_WIDTH).chain(['…']).collect()
    } else {
        text.to_string()
    };
    format!("`{}`", cut.replace('|', "\\|"))
}
