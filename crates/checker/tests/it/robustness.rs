//! Arbitrary histories — ops of any kind, process and value, in any order,
//! unpaired or not — must never make a checker panic, and every result must
//! carry a `:valid?` of true, false or :unknown.

use checker::history::{Op, OpType, Process};
use checker::{Availability, CheckOptions, Validity, analyze};
use edn::Value;
use proptest::prelude::*;

const WORKLOADS: [&str; 8] = [
    "echo",
    "unique-ids",
    "broadcast",
    "g-set",
    "g-counter",
    "pn-counter",
    "txn-rw-register",
    "no-such-workload",
];

fn value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Nil),
        any::<bool>().prop_map(Value::Bool),
        (-5i64..20).prop_map(Value::Int),
        any::<i64>().prop_map(Value::Int),
        (-2.0f64..2.0).prop_map(Value::Float),
        "[a-z0-9 -]{0,6}".prop_map(Value::Str),
        "[a-z?-]{1,6}".prop_map(Value::Keyword),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Vector),
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::List),
            prop::collection::vec(inner.clone(), 0..3).prop_map(Value::Set),
            prop::collection::vec((inner.clone(), inner), 0..3).prop_map(Value::Map),
        ]
    })
}

fn op() -> impl Strategy<Value = (OpType, Option<u64>, &'static str, Value, bool)> {
    (
        prop_oneof![
            Just(OpType::Invoke),
            Just(OpType::Ok),
            Just(OpType::Fail),
            Just(OpType::Info),
        ],
        prop::option::weighted(0.9, 0u64..4),
        prop::sample::select(vec![
            "echo",
            "generate",
            "broadcast",
            "add",
            "read",
            "txn",
            "crash",
        ]),
        value(),
        any::<bool>(),
    )
}

fn history(raw: Vec<(OpType, Option<u64>, &'static str, Value, bool)>) -> Vec<Op> {
    raw.into_iter()
        .enumerate()
        .map(|(i, (kind, process, f, value, final_read))| Op {
            index: i as u64,
            time: i as u64 * 1_000_000,
            kind,
            process: process.map_or(Process::Nemesis, Process::Client),
            f: f.to_string(),
            value,
            extra: if final_read {
                vec![("final?".to_string(), Value::Bool(true))]
            } else {
                Vec::new()
            },
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn checkers_never_panic_and_always_judge(raw in prop::collection::vec(op(), 0..40)) {
        let history = history(raw);
        for workload in WORKLOADS {
            let mut options = CheckOptions::new(workload);
            options.availability = Some(Availability::AtLeast(0.5));
            let results = analyze(&history, &options, Value::kw_map([("valid?", Value::Bool(true))]));
            let verdict = results.get_kw("valid?");
            prop_assert!(
                matches!(verdict, Some(Value::Bool(_))) || verdict == Some(&Value::kw("unknown")),
                "{workload}: :valid? is {verdict:?}"
            );
            let workload_verdict = Validity::of_result(results.get_kw("workload").unwrap());
            let top = Validity::of_result(&results);
            prop_assert!(workload_verdict != Validity::Invalid || top == Validity::Invalid);
        }
    }

    #[test]
    fn ops_round_trip_through_edn(raw in prop::collection::vec(op(), 1..10)) {
        for op in history(raw) {
            prop_assert_eq!(Op::from_edn(&op.to_edn()), Ok(op.clone()));
            let reparsed = edn::parse(&op.to_edn().to_string()).unwrap();
            prop_assert_eq!(Op::from_edn(&reparsed), Ok(op));
        }
    }
}
