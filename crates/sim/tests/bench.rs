//! Benchmarks, ignored by default. Run with
//! `cargo test -p sim --release --test bench -- --ignored --nocapture`.

mod common;

use std::sync::Arc;
use std::time::Instant;

use common::{node, sim};
use sim::cli::LatencyDist;
use sim::console::Console;
use sim::net::{LatencyModel, Net};

/// Messages per second the router moves between queued destinations with zero latency.
#[test]
#[ignore]
fn router_throughput() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let net = Net::new(
            LatencyModel {
                mean_ms: 0,
                dist: LatencyDist::Constant,
            },
            1,
            Arc::new(Console::new()),
            false,
            false,
        );
        let ids: Vec<String> = (0..25).map(|i| format!("n{i}")).collect();
        let mut inboxes = Vec::new();
        for id in &ids {
            let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
            net.register_queued(id, tx);
            inboxes.push(rx);
        }
        let total = 500_000;
        let dest_of = |i: usize| (i * 7 + 3) % 25;
        let mut expected = [0usize; 25];
        let started = Instant::now();
        for i in 0..total {
            expected[dest_of(i)] += 1;
            net.send(
                &ids[i % 25],
                &ids[dest_of(i)],
                serde_json::json!({"type": "gossip", "n": i}),
            )
            .unwrap();
        }
        let mut received = 0;
        for (rx, want) in inboxes.iter_mut().zip(expected) {
            for _ in 0..want {
                if rx.recv().await.is_some() {
                    received += 1;
                }
            }
        }
        let secs = started.elapsed().as_secs_f64();
        assert_eq!(received, total);
        println!(
            "router: {total} messages in {secs:.2} s = {:.0} msgs/s",
            total as f64 / secs
        );
    });
}

/// Wall time beyond time limit + recovery wait for the 3d command shape
/// (25 nodes, latency 100) with a python node flooding along the grid.
#[test]
#[ignore]
fn overhead_25_nodes() {
    let bin = node("broadcast_flood.py");
    let started = Instant::now();
    let run = sim(&[
        "test",
        "-w",
        "broadcast",
        "--bin",
        &bin,
        "--node-count",
        "25",
        "--time-limit",
        "10",
        "--rate",
        "100",
        "--latency",
        "100",
        "--recovery-wait",
        "1",
    ]);
    let wall = started.elapsed().as_secs_f64();
    let results = run.results("broadcast");
    let mpo = results
        .path(&["net", "servers", "msgs-per-op"])
        .and_then(edn::Value::as_f64);
    println!(
        "25 nodes: exit {}, wall {wall:.2} s, overhead {:.2} s beyond 10 s + 1 s recovery, servers msgs-per-op {mpo:?}",
        run.code,
        wall - 11.0
    );
    assert_eq!(run.code, 0, "{}", run.stdout);
}
