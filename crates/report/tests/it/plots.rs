//! Plots drawn from real Maelstrom 0.2.4 histories (copied from the shared
//! fixtures) and from hand-made frontier points: the files exist, the PNGs
//! are real images of non-trivial size, the SVGs carry the axis labels.

use std::path::{Path, PathBuf};

use report::frontier::reference_points;
use report::{FrontierPoint, PointKind, RUN_PLOT_STEMS, ReportError, frontier_plot, run_plots};

const PNG_SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', b'\r', b'\n', 0x1a, b'\n'];

fn fixture_run_dir(case: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let source = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/maelstrom")
        .join(case)
        .join("history.edn");
    std::fs::copy(&source, dir.path().join("history.edn")).expect("copy fixture");
    dir
}

fn assert_png(path: &Path) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(bytes[..8], PNG_SIGNATURE, "{} is not a PNG", path.display());
    // A blank 1000x500 picture compresses to a few KB; axes, text and points do not.
    assert!(
        bytes.len() > 15_000,
        "{} is only {} bytes",
        path.display(),
        bytes.len()
    );
}

fn svg_text(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(text.starts_with("<svg"), "{} is not an SVG", path.display());
    text
}

fn written_names(written: &[PathBuf]) -> Vec<String> {
    written
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect()
}

#[test]
fn broadcast_partition_run_gets_all_plots_with_partition_shading() {
    let run = fixture_run_dir("broadcast-partition-valid");
    let written = run_plots(run.path()).expect("plots");
    let expected: Vec<String> = RUN_PLOT_STEMS
        .iter()
        .flat_map(|stem| [format!("{stem}.png"), format!("{stem}.svg")])
        .collect();
    assert_eq!(written_names(&written), expected);
    for path in &written {
        assert!(path.starts_with(run.path()));
    }

    for stem in RUN_PLOT_STEMS {
        assert_png(&run.path().join(format!("{stem}.png")));
        let svg = svg_text(&run.path().join(format!("{stem}.svg")));
        assert!(
            svg.contains("Time (s)"),
            "{stem}.svg lacks the time axis label"
        );
        // The nemesis partitioned this run: its legend names the fault.
        assert!(
            svg.contains("partition"),
            "{stem}.svg lacks the partition legend"
        );
        assert!(
            svg.contains("broadcast"),
            "{stem}.svg lacks the broadcast series"
        );
    }
    let raw = svg_text(&run.path().join("latency-raw.svg"));
    assert!(raw.contains("Latency (ms)"));
    assert!(raw.contains("read ok"));
    let quantiles = svg_text(&run.path().join("latency-quantiles.svg"));
    assert!(quantiles.contains("broadcast median") && quantiles.contains("read max"));
    let rate = svg_text(&run.path().join("rate.svg"));
    assert!(rate.contains("Throughput (ops/s)"));
}

#[test]
fn echo_and_kafka_runs_get_plots_without_partitions() {
    for (case, series) in [("echo-valid", "echo ok"), ("kafka-valid", "poll ok")] {
        let run = fixture_run_dir(case);
        let written = run_plots(run.path()).expect("plots");
        assert_eq!(written.len(), 6, "{case}");
        assert_png(&run.path().join("latency-raw.png"));
        let raw = svg_text(&run.path().join("latency-raw.svg"));
        assert!(raw.contains(series), "{case}: no {series} series");
        assert!(!raw.contains("partition"), "{case}: no nemesis ran");
    }
}

#[test]
fn missing_or_malformed_history_is_an_error_naming_the_file() {
    let empty = tempfile::tempdir().unwrap();
    let err = run_plots(empty.path()).unwrap_err();
    assert!(matches!(err, ReportError::Read { .. }), "{err:?}");
    assert!(err.to_string().contains("history.edn"));

    std::fs::write(
        empty.path().join("history.edn"),
        "{:index 0, :time 1, :type :invoke, :process 0, :f :echo, :value nil}\n{:index 1,\n",
    )
    .unwrap();
    let err = run_plots(empty.path()).unwrap_err().to_string();
    assert!(
        err.contains("history.edn") && err.contains("line 2"),
        "{err}"
    );
}

#[test]
fn empty_history_still_gets_empty_plots() {
    let run = tempfile::tempdir().unwrap();
    std::fs::write(run.path().join("history.edn"), "").unwrap();
    assert_eq!(run_plots(run.path()).expect("plots").len(), 6);
    assert!(svg_text(&run.path().join("rate.svg")).contains("Throughput (ops/s)"));
}

#[test]
fn frontier_plot_draws_both_panels_boxes_and_labelled_references() {
    let mut points = vec![
        FrontierPoint {
            label: "fanout 4, 50 ms".into(),
            msgs_per_op: 14.2,
            median_ms: 310.0,
            max_ms: 480.0,
            kind: PointKind::Ours { default: true },
        },
        FrontierPoint {
            label: "fanout 2, 200 ms".into(),
            msgs_per_op: 3.9,
            median_ms: 820.0,
            max_ms: 2400.0,
            kind: PointKind::Ours { default: false },
        },
    ];
    points.extend(reference_points());
    let dir = tempfile::tempdir().unwrap();
    let written = frontier_plot(&points, &dir.path().join("frontier")).expect("frontier");
    assert_eq!(written_names(&written), ["frontier.png", "frontier.svg"]);
    assert_png(&written[0]);
    let svg = svg_text(&written[1]);
    for label in [
        "Median stable latency (ms)",
        "Max stable latency (ms)",
        "Messages per op (server to server)",
        "3d target",
        "3e target",
        "fanout 4, 50 ms",
        "seed Go 3d",
        "teivah 3e",
    ] {
        assert!(svg.contains(label), "frontier.svg lacks {label:?}");
    }
    // Only the default is labelled among our points; every reference is.
    assert!(!svg.contains("fanout 2, 200 ms"));
}

#[test]
fn unwritable_output_is_an_error_naming_the_file() {
    let missing = tempfile::tempdir().unwrap().path().join("gone/deeper");
    let err = report::write_run_plots(&[], &missing).unwrap_err();
    assert!(matches!(err, ReportError::Draw { .. }), "{err:?}");
    assert!(err.to_string().contains("latency-raw.png"), "{err}");
}
