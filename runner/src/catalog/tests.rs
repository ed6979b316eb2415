use super::*;

fn official_args(id: &str) -> String {
    let c = find(id).unwrap();
    c.params(Profile::Official, false, &Overrides::default())
        .test_args(c.workload, "./node")
        .join(" ")
}

/// The official commands of challenges.md, as sets of options: our argv
/// orders options canonically, Maelstrom does not care about order.
#[test]
fn official_commands_match_the_challenge_pages() {
    let page = [
        ("1", "-w echo --bin ./node --node-count 1 --time-limit 10"),
        (
            "2",
            "-w unique-ids --bin ./node --time-limit 30 --rate 1000 --node-count 3 --availability total --nemesis partition",
        ),
        (
            "3a",
            "-w broadcast --bin ./node --node-count 1 --time-limit 20 --rate 10",
        ),
        (
            "3b",
            "-w broadcast --bin ./node --node-count 5 --time-limit 20 --rate 10",
        ),
        (
            "3c",
            "-w broadcast --bin ./node --node-count 5 --time-limit 20 --rate 10 --nemesis partition",
        ),
        (
            "3d",
            "-w broadcast --bin ./node --node-count 25 --time-limit 20 --rate 100 --latency 100",
        ),
        (
            "3e",
            "-w broadcast --bin ./node --node-count 25 --time-limit 20 --rate 100 --latency 100",
        ),
        (
            "4",
            "-w g-counter --bin ./node --node-count 3 --rate 100 --time-limit 20 --nemesis partition",
        ),
        (
            "5a",
            "-w kafka --bin ./node --node-count 1 --concurrency 2n --time-limit 20 --rate 1000",
        ),
        (
            "5b",
            "-w kafka --bin ./node --node-count 2 --concurrency 2n --time-limit 20 --rate 1000",
        ),
        (
            "5c",
            "-w kafka --bin ./node --node-count 2 --concurrency 2n --time-limit 20 --rate 1000",
        ),
        (
            "6a",
            "-w txn-rw-register --bin ./node --node-count 1 --time-limit 20 --rate 1000 --concurrency 2n --consistency-models read-uncommitted --availability total",
        ),
        (
            "6b-i",
            "-w txn-rw-register --bin ./node --node-count 2 --concurrency 2n --time-limit 20 --rate 1000 --consistency-models read-uncommitted",
        ),
        (
            "6b-ii",
            "-w txn-rw-register --bin ./node --node-count 2 --concurrency 2n --time-limit 20 --rate 1000 --consistency-models read-uncommitted --availability total --nemesis partition",
        ),
        // The page's en dash normalised to the intended option.
        (
            "6c",
            "-w txn-rw-register --bin ./node --node-count 2 --concurrency 2n --time-limit 20 --rate 1000 --consistency-models read-committed --availability total --nemesis partition",
        ),
    ];
    for (id, command) in page {
        assert_eq!(
            option_pairs(&official_args(id)),
            option_pairs(&format!("test {command}")),
            "challenge {id}"
        );
    }
}

fn option_pairs(command: &str) -> Vec<String> {
    let words: Vec<&str> = command.split(' ').collect();
    let mut pairs: Vec<String> = words[1..].chunks(2).map(|p| p.join(" ")).collect();
    pairs.sort();
    pairs
}

#[test]
fn catalog_has_every_challenge_with_its_node_binary() {
    let ids: Vec<(&str, &str)> = all().iter().map(|c| (c.id, c.node_bin)).collect();
    assert_eq!(
        ids,
        [
            ("1", "echo"),
            ("2", "unique-ids"),
            ("3a", "broadcast"),
            ("3b", "broadcast"),
            ("3c", "broadcast"),
            ("3d", "broadcast-latency"),
            ("3e", "broadcast-batched"),
            ("4", "g-counter"),
            ("4-seqkv", "g-counter-seqkv"),
            ("5a", "kafka"),
            ("5b", "kafka"),
            ("5c", "kafka-efficient"),
            ("6a", "txn"),
            ("6b-i", "txn"),
            ("6b-ii", "txn"),
            ("6c", "txn"),
        ]
    );
}

#[test]
fn only_3d_and_3e_have_thresholds() {
    for c in all() {
        let has = c.thresholds != Thresholds::default();
        assert_eq!(has, c.id == "3d" || c.id == "3e", "{}", c.id);
    }
    let e = find("3e").unwrap().thresholds;
    assert_eq!(
        (e.msgs_per_op, e.latency_median_ms, e.latency_max_ms),
        (Some(20.0), Some(1000.0), Some(2000.0))
    );
}

#[test]
fn quick_profile_shortens_the_main_phase_only_and_is_the_same_on_both_backends() {
    let c = find("3c").unwrap();
    let quick_sim = c.params(Profile::Quick, true, &Overrides::default());
    let quick_maelstrom = c.params(Profile::Quick, false, &Overrides::default());
    assert_eq!(quick_sim, quick_maelstrom);
    let official = Params {
        time_limit_s: QUICK_TIME_LIMIT_S,
        ..c.official.clone()
    };
    assert_eq!(quick_sim, official, "nothing but the time limit changes");
    let short = Overrides {
        recovery_wait_s: Some(2),
        ..Overrides::default()
    };
    let args = c
        .params(Profile::Quick, true, &short)
        .test_args("broadcast", "b");
    assert!(
        args.ends_with(&["--recovery-wait".into(), "2".into()]),
        "{args:?}"
    );
    let on_maelstrom = c.params(Profile::Quick, false, &short);
    assert_eq!(
        on_maelstrom.recovery_wait_s, None,
        "Maelstrom has no such option"
    );
}

#[test]
fn overrides_replace_official_values() {
    let c = find("3c").unwrap();
    let o = Overrides {
        time_limit_s: Some(3),
        node_count: Some(7),
        rate: Some(2.5),
        latency_ms: Some(50),
        nemesis: Some("none".into()),
        recovery_wait_s: None,
        extra_args: vec!["--topology".into(), "tree4".into()],
        node_env: vec![("GLOMERS_BATCH_MS".into(), "900".into())],
        seed: Some(42),
    };
    let params = c.params(Profile::Official, false, &o);
    assert_eq!(params.node_env, o.node_env, "node knobs reach the launch");
    let args = params.test_args("broadcast", "x").join(" ");
    assert_eq!(
        args,
        "test -w broadcast --bin x --node-count 7 --time-limit 3 --rate 2.5 --latency 50 --topology tree4"
    );
    let on_sim = c.params(Profile::Official, true, &o);
    assert!(
        on_sim
            .test_args("broadcast", "x")
            .join(" ")
            .ends_with("--seed 42 --topology tree4"),
        "only the simulator is seeded"
    );
}

#[test]
fn select_expands_6b_and_rejects_unknown_ids() {
    let ids: Vec<&str> = select(&["6b".into(), "1".into()])
        .unwrap()
        .iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(ids, ["6b-i", "6b-ii", "1"]);
    assert!(
        select(&["7".into()])
            .unwrap_err()
            .to_string()
            .contains("`7`")
    );
    // `4` is one challenge, not a prefix for 4-seqkv.
    assert_eq!(select(&["4".into()]).unwrap().len(), 1);
}
