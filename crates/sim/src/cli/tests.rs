use super::options::Kind;
use super::*;

fn args(s: &[&str]) -> Vec<String> {
    s.iter().map(|a| a.to_string()).collect()
}

fn test_opts(s: &[&str]) -> TestOptions {
    match parse(&args(s)) {
        Invocation::Test(o) => *o,
        other => panic!("expected a test command, got {other:?}"),
    }
}

#[test]
fn defaults_match_maelstrom() {
    let o = test_opts(&["test", "--bin", "./x"]);
    assert_eq!(o.workload, "lin-kv");
    assert_eq!(o.nodes, ["n1", "n2", "n3", "n4", "n5"]);
    assert_eq!(o.concurrency, 5);
    assert_eq!(o.rate, 5.0);
    assert_eq!(o.time_limit_s, 60);
    assert_eq!(o.topology, "grid");
    assert_eq!(o.consistency_models, ["strict-serializable"]);
    assert!(!o.partition);
}

#[test]
fn node_count_names_from_zero_and_concurrency_multiplies() {
    let o = test_opts(&[
        "test",
        "--bin=./x",
        "--node-count",
        "2",
        "--concurrency",
        "2n",
    ]);
    assert_eq!(o.nodes, ["n0", "n1"]);
    assert_eq!(o.concurrency, 4);
    let o = test_opts(&[
        "test",
        "--bin",
        "./x",
        "--nodes",
        "a, b,c",
        "--concurrency",
        "3",
    ]);
    assert_eq!(o.nodes, ["a", "b", "c"]);
    assert_eq!(o.concurrency, 3);
}

#[test]
fn en_dash_option_becomes_node_arguments() {
    let o = test_opts(&[
        "test",
        "--bin",
        "./x",
        "–-nemesis",
        "partition",
        "--rate",
        "7",
    ]);
    assert!(!o.partition);
    assert_eq!(o.node_args, ["–-nemesis", "partition"]);
    assert_eq!(o.rate, 7.0);
    let o = test_opts(&["test", "--bin", "./x", "--", "--verbose", "3"]);
    assert_eq!(o.node_args, ["--verbose", "3"]);
}

#[test]
fn consistency_models_split_only_on_spaced_commas() {
    let o = test_opts(&[
        "test",
        "--bin",
        "x",
        "--consistency-models",
        "read-committed , serializable",
    ]);
    assert_eq!(o.consistency_models, ["read-committed", "serializable"]);
    let o = test_opts(&[
        "test",
        "--bin",
        "x",
        "--consistency-models",
        "read-committed, serializable",
    ]);
    assert_eq!(o.consistency_models, ["read-committed, serializable"]);
}

#[test]
fn validation_messages_are_maelstroms() {
    let Invocation::Usage(lines) = parse(&args(&[
        "test",
        "--bin",
        "x",
        "-w",
        "foo",
        "--rate",
        "-1",
        "--latency",
        "-5",
        "--nemesis",
        "kill",
        "--topology",
        "ring",
        "--availability",
        "2",
        "--foo",
    ])) else {
        panic!("expected usage errors")
    };
    for expected in [
        "Unknown option: \"--foo\"",
        "Failed to validate \"--workload foo\": Must be one of broadcast, echo, g-counter, g-set, kafka, lin-kv, pn-counter, txn-list-append, txn-rw-register, unique-ids",
        "Failed to validate \"--rate -1\": Can't be negative",
        "Failed to validate \"--latency -5\": Must be non-negative",
        "Failed to validate \"--nemesis kill\": Must be one of partition",
        "Failed to validate \"--topology ring\": Must be one of grid, line, total, tree, tree2, tree3, tree4",
        "Failed to validate \"--availability 2\": must be either 'total' or a number between 0 and 1.",
    ] {
        assert!(
            lines.iter().any(|l| l == expected),
            "missing {expected:?} in {lines:?}"
        );
    }
    assert_eq!(
        parse(&args(&["test", "-w", "echo"])),
        Invocation::Usage(vec!["Expected a --bin PATH_TO_BINARY to test".to_string()])
    );
    assert!(matches!(parse(&args(&[])), Invocation::Usage(_)));
    assert!(matches!(parse(&args(&["test", "-h"])), Invocation::Help(_)));
}

#[test]
fn nemesis_interval_accepts_ratios() {
    let o = test_opts(&[
        "test",
        "--bin",
        "x",
        "--nemesis",
        "partition",
        "--nemesis-interval",
        "1/2",
    ]);
    assert!(o.partition);
    assert_eq!(o.nemesis_interval_s, 0.5);
}

#[test]
fn every_option_appears_in_help_with_its_default() {
    let help = test_help();
    for spec in OPTIONS {
        let line = help
            .lines()
            .find(|l| l.split_whitespace().any(|w| w == spec.long))
            .unwrap_or_else(|| panic!("{} missing from help:\n{help}", spec.long));
        let mut expected: Vec<&str> = spec.short.into_iter().collect();
        expected.extend(spec.kind.value_name());
        expected.push(spec.help);
        for part in expected {
            assert!(line.contains(part), "{line:?} lacks {part:?}");
        }
        match spec.default {
            Some(default) => assert!(
                line.ends_with(&format!(" (default {default})")),
                "{line:?} lacks its default {default:?}"
            ),
            None => assert!(!line.contains("(default"), "{line:?}"),
        }
    }
}

/// Giving every option its table default explicitly changes nothing, so the
/// options an empty command line gets are the table's, not a second copy.
#[test]
fn defaults_come_from_the_table() {
    let mut explicit = args(&["test", "--bin", "./x"]);
    for spec in OPTIONS {
        let Some(default) = spec.default else {
            continue;
        };
        match spec.kind {
            Kind::Value(_) => explicit.extend([spec.long.to_string(), default.to_string()]),
            Kind::Repeated(_) => {
                for value in default.split_whitespace() {
                    explicit.extend([spec.long.to_string(), value.to_string()]);
                }
            }
            Kind::Flag => panic!("{}: a flag's default is absence", spec.long),
        }
    }
    let mut implicit = test_opts(&["test", "--bin", "./x"]);
    let mut given = match parse(&explicit) {
        Invocation::Test(o) => *o,
        other => panic!("the table's defaults are rejected: {other:?}"),
    };
    implicit.argv.clear();
    given.argv.clear();
    assert_eq!(implicit, given);
}

#[test]
fn problems_come_in_table_order_after_unknown_options() {
    let Invocation::Usage(lines) = parse(&args(&[
        "test",
        "--seed",
        "x",
        "--rate",
        "1/0",
        "--bogus",
        "--time-limit",
    ])) else {
        panic!("expected usage errors")
    };
    assert_eq!(
        lines,
        [
            "Unknown option: \"--bogus\"",
            "Missing required argument for \"--time-limit SECONDS\"",
            "Error while parsing option \"--rate 1/0\": java.lang.NumberFormatException: For input string: \"1/0\"",
            "Failed to validate \"--seed x\": Must be a non-negative integer",
        ]
    );
}
