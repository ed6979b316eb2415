//! Bench samples and frontier points from real Maelstrom 0.2.4 `results.edn`
//! files (the workspace's `testdata/maelstrom/`), read by the one reader,
//! `runner::results::RunResults`.

use std::path::Path;

use report::{BenchSample, FrontierPoint, PointKind};
use runner::results::RunResults;

fn results(case: &str) -> RunResults {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/maelstrom")
        .join(case)
        .join("results.edn");
    RunResults::read(&path).expect("results.edn reads")
}

#[test]
fn official_broadcast_run_gives_its_frontier_figures() {
    let sample = BenchSample::from_results(&results("broadcast-25-official"), 30.0, 0.5);
    assert_eq!(
        (
            sample.valid,
            sample.msgs_per_op,
            sample.median_ms,
            sample.max_ms,
            sample.availability
        ),
        (
            Some(true),
            Some(33.533596),
            Some(150.0),
            Some(292.0),
            Some(1.0)
        )
    );
    let point = FrontierPoint::from_results(
        "python grid",
        PointKind::Ours { default: true },
        &results("broadcast-25-official"),
    )
    .expect("broadcast has stable latencies");
    assert_eq!(
        (point.msgs_per_op, point.median_ms, point.max_ms),
        (33.533596, 150.0, 292.0)
    );
}

#[test]
fn invalid_broadcast_and_echo_runs() {
    let invalid = BenchSample::from_results(&results("broadcast-invalid"), 12.5, 1.5);
    assert_eq!(invalid.valid, Some(false));
    assert_eq!(invalid.msgs_per_op, Some(3.2));
    assert_eq!(
        (invalid.median_ms, invalid.max_ms),
        (Some(0.0), Some(136.0))
    );
    assert_eq!(
        (invalid.wall_s, invalid.overhead_s),
        (Some(12.5), Some(1.5))
    );

    // Echo has no stable latencies: no frontier point, and a sample without them.
    let echo = results("echo-valid");
    let sample = BenchSample::from_results(&echo, 6.0, 1.0);
    assert_eq!(sample.valid, Some(true));
    assert_eq!(sample.msgs_per_op, Some(0.0));
    assert_eq!(sample.median_ms, None);
    assert!(FrontierPoint::from_results("echo", PointKind::Reference, &echo).is_none());
}
