//! Benchmarks, ignored by default. Run with
//! `cargo test -p sim --release --test bench -- --ignored --nocapture`.

mod common;

use std::sync::Arc;
use std::time::Instant;

use common::{node, sim};
use sim::cli::LatencyDist;
use sim::console::Console;
use sim::net::{LatencyModel, Net};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// A network with constant latency that logs nothing.
fn quiet_net(latency_ms: u64) -> Arc<Net> {
    let latency = LatencyModel {
        mean_ms: latency_ms,
        dist: LatencyDist::Constant,
    };
    Net::new(latency, 1, Arc::new(Console::new()), false, false)
}

/// Messages per second the router moves between queued destinations with zero latency.
#[test]
#[ignore]
fn router_throughput() {
    runtime().block_on(async {
        let net = quiet_net(0);
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

/// How far from its deadline the router delivers under load: 25 destinations,
/// 50 000 messages/s for 4 s, constant 20 ms latency; error = arrival − (send + 20 ms).
#[test]
#[ignore]
fn router_delivery_time_error() {
    const LATENCY_MS: u64 = 20;
    const PER_TICK: usize = 500;
    const TICKS: usize = 400; // one every 10 ms: 50 000 messages/s for 4 s
    runtime().block_on(async {
        let net = quiet_net(LATENCY_MS);
        let origin = Instant::now();
        let ids: Vec<String> = (0..25).map(|i| format!("n{i}")).collect();
        let mut receivers = Vec::new();
        for id in &ids {
            let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<sim::net::Message>();
            net.register_queued(id, tx);
            receivers.push(tokio::spawn(async move {
                let mut errors_us = Vec::new();
                while let Some(message) = rx.recv().await {
                    let sent_us = message.body["sent_us"].as_u64().unwrap();
                    let due_us = sent_us + LATENCY_MS * 1000;
                    errors_us.push(origin.elapsed().as_micros() as i64 - due_us as i64);
                }
                errors_us
            }));
        }
        let mut tick = tokio::time::interval(std::time::Duration::from_millis(10));
        for t in 0..TICKS {
            tick.tick().await;
            for i in 0..PER_TICK {
                let n = t * PER_TICK + i;
                let sent_us = origin.elapsed().as_micros() as u64;
                net.send(
                    &ids[n % 25],
                    &ids[(n * 7 + 3) % 25],
                    serde_json::json!({"type": "gossip", "sent_us": sent_us}),
                )
                .unwrap();
            }
        }
        let sending_s = origin.elapsed().as_secs_f64();
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        net.shutdown();
        let mut errors: Vec<i64> = Vec::new();
        for r in receivers {
            errors.extend(r.await.unwrap_or_default());
        }
        errors.sort_unstable();
        let at = |q: f64| {
            errors[((errors.len() as f64 * q) as usize).min(errors.len() - 1)] as f64 / 1000.0
        };
        println!(
            "router under load: {} messages in {sending_s:.2} s ({:.0}/s); delivery-time error ms: \
             min {:.2}, p50 {:.2}, p99 {:.2}, max {:.2}",
            errors.len(),
            errors.len() as f64 / sending_s,
            at(0.0),
            at(0.5),
            at(0.99),
            at(1.0)
        );
        assert_eq!(errors.len(), PER_TICK * TICKS, "every message delivered");
        // Maelstrom's worker sleeps the whole milliseconds left, so a
        // message may be early by less than one, never by more.
        assert!(errors[0] > -1000, "at most a millisecond early");
    });
}

/// Wall time beyond time limit + recovery wait for the 3d command shape
/// (25 nodes, latency 100). The default python flooding node spends seconds
/// just starting 25 interpreters; `GLOMERS_BENCH_NODE=<absolute path>` (e.g.
/// our release `broadcast`) measures the simulator rather than python.
#[test]
#[ignore]
fn overhead_25_nodes() {
    let bin = std::env::var("GLOMERS_BENCH_NODE").unwrap_or_else(|_| node("broadcast_flood.py"));
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
