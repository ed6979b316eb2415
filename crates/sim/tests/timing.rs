//! Time against real Maelstrom, measured the same way on both backends.
//!
//! Maelstrom cannot run here, but its outputs can: `testdata/maelstrom/`
//! holds real histories (client invoke/complete times for every op) and, for
//! one run, the complete network journal (send and receive time of every
//! message). The simulator is measured with the same nodes and parameters
//! from its own `history.edn` and `net-journal.jsonl`. `docs/fidelity.md`
//! records the figures; the fixture tests assert them, the simulator ones
//! (ignored: they run the simulator for seconds) print them.

mod common;

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use checker::history::{Op, OpType, invocations, read_history};
use common::{node, sim};
use explain::{Fate, Journal};

/// A distribution in milliseconds.
#[derive(Debug, Clone, Copy)]
struct Spread {
    n: usize,
    min: f64,
    p50: f64,
    p99: f64,
    max: f64,
}

impl Spread {
    fn of(mut ms: Vec<f64>) -> Spread {
        assert!(!ms.is_empty(), "nothing to measure");
        ms.sort_by(f64::total_cmp);
        let at = |q: f64| ms[((ms.len() as f64 * q) as usize).min(ms.len() - 1)];
        Spread {
            n: ms.len(),
            min: ms[0],
            p50: at(0.5),
            p99: at(0.99),
            max: ms[ms.len() - 1],
        }
    }
}

impl fmt::Display for Spread {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "n {:5}  min {:7.3}  p50 {:7.3}  p99 {:7.3}  max {:7.3} ms",
            self.n, self.min, self.p50, self.p99, self.max
        )
    }
}

fn fixture(case: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/maelstrom")
        .join(case)
}

fn history(dir: &Path) -> Vec<Op> {
    let text = std::fs::read_to_string(dir.join("history.edn")).expect("history.edn");
    read_history(&text).expect("history.edn parses")
}

fn journal(dir: &Path, history: &[Op]) -> Journal {
    explain::journal::read(dir, history)
        .expect("journal reads")
        .expect("the run has a journal")
}

/// Invocation to `:ok` of every completed op whose `f` is one of `fs`.
fn op_latencies(history: &[Op], fs: &[&str]) -> Vec<f64> {
    invocations(history)
        .into_iter()
        .enumerate()
        .filter_map(|(pos, invoke)| {
            let (done, invoke) = (&history[pos], &history[invoke?]);
            (done.kind == OpType::Ok && fs.contains(&done.f.as_str()))
                .then(|| (done.time - invoke.time) as f64 / 1e6)
        })
        .collect()
}

fn is_client(id: &str) -> bool {
    id.starts_with('c')
}

/// Where the time of a client round trip goes, read from a network journal.
struct Legs {
    /// Node-to-node (and node-to-service) delivery minus the configured latency.
    hop: Spread,
    /// Client request: sent by the client, taken by the node's delivery worker.
    request: Spread,
    /// The node's reply: sent (read from its stdout), received by the client.
    reply: Spread,
    /// Request delivered to the node's reply being sent: stdin, the node, stdout.
    node: Spread,
}

fn legs(journal: &Journal, latency_ms: f64) -> Legs {
    let delivered = || {
        journal
            .messages
            .iter()
            .filter(|m| m.fate == Fate::Delivered && m.kind != "init" && m.kind != "init_ok")
            .filter_map(|m| Some((m, (m.fate_ns? - m.time_ns?) as f64 / 1e6)))
    };
    let hop = delivered()
        .filter(|(m, _)| !is_client(&m.src) && !is_client(&m.dest))
        .map(|(_, ms)| ms - latency_ms)
        .collect();
    let request = delivered()
        .filter(|(m, _)| is_client(&m.src))
        .map(|(_, ms)| ms)
        .collect();
    let reply = delivered()
        .filter(|(m, _)| is_client(&m.dest))
        .map(|(_, ms)| ms)
        .collect();
    let received: HashMap<(&str, u64), i64> = delivered()
        .filter(|(m, _)| is_client(&m.src))
        .filter_map(|(m, _)| Some(((m.src.as_str(), m.msg_id?), m.fate_ns?)))
        .collect();
    let node = delivered()
        .filter(|(m, _)| is_client(&m.dest))
        .filter_map(|(m, _)| {
            let asked = m.body.get("in_reply_to")?.as_u64()?;
            let taken = received.get(&(m.dest.as_str(), asked))?;
            Some((m.time_ns? - taken) as f64 / 1e6)
        })
        .collect();
    Legs {
        hop: Spread::of(hop),
        request: Spread::of(request),
        reply: Spread::of(reply),
        node: Spread::of(node),
    }
}

/// Per op, its latency minus its RPC's time on the network and in the node:
/// what the client side itself costs (history record, request building, reply
/// matching). For workloads whose ops send one RPC each: the n-th op invoked
/// sent the n-th request (the two clocks need no alignment). Ops invoked
/// within 5 ms of another are left out: their requests may have left in
/// either order.
fn client_side(history: &[Op], journal: &Journal) -> Spread {
    let sent: HashMap<(&str, u64), i64> = journal
        .messages
        .iter()
        .filter(|m| is_client(&m.src) && m.kind != "init" && m.kind != "topology")
        .filter_map(|m| Some(((m.src.as_str(), m.msg_id?), m.time_ns?)))
        .collect();
    let mut rpcs: Vec<(i64, i64)> = journal
        .messages
        .iter()
        .filter(|m| is_client(&m.dest) && m.fate == Fate::Delivered)
        .filter_map(|m| {
            let asked = m.body.get("in_reply_to")?.as_u64()?;
            Some((*sent.get(&(m.dest.as_str(), asked))?, m.fate_ns?))
        })
        .collect();
    rpcs.sort_unstable();
    let mut ops: Vec<(u64, u64)> = invocations(history)
        .into_iter()
        .enumerate()
        .filter_map(|(pos, invoke)| Some((history[invoke?].time, history[pos].time)))
        .collect();
    ops.sort_unstable();
    assert_eq!(ops.len(), rpcs.len(), "one answered RPC per completed op");
    const APART_NS: u64 = 5_000_000;
    let apart = |i: usize| {
        let invoked = ops[i].0;
        (i == 0 || invoked - ops[i - 1].0 > APART_NS)
            && ops
                .get(i + 1)
                .is_none_or(|next| next.0 - invoked > APART_NS)
    };
    let overheads = (0..ops.len())
        .filter(|i| apart(*i))
        .map(|i| {
            let ((invoked, done), (send, recv)) = (ops[i], rpcs[i]);
            ((done - invoked) as i64 - (recv - send)) as f64 / 1e6
        })
        .collect();
    Spread::of(overheads)
}

fn print_legs(backend: &str, legs: &Legs) {
    println!("{backend} hop − latency   {}", legs.hop);
    println!("{backend} client request  {}", legs.request);
    println!("{backend} node turnaround {}", legs.node);
    println!("{backend} reply to client {}", legs.reply);
}

/// The ops a node answers at once (no other node or service involved), per
/// fixture: `(case, fs)`.
const IMMEDIATE: &[(&str, &[&str])] = &[
    ("broadcast-lost-partition-store", &["read", "broadcast"]),
    ("echo-valid", &["echo"]),
    ("unique-ids-valid", &["generate"]),
    ("broadcast-partition-valid", &["read"]),
    ("broadcast-25-official", &["read"]),
    ("g-counter-valid", &["read"]),
    ("kafka-valid", &["send", "poll"]),
    ("txn-rw-register-valid", &["txn"]),
];

/// The figures docs/fidelity.md quotes for Maelstrom, from its own journal and
/// histories. Maelstrom sends client messages with zero latency, so an op a
/// node answers at once has nothing to wait for: its whole latency is overhead.
#[test]
fn maelstrom_timing_from_its_own_outputs() {
    let dir = fixture("broadcast-lost-partition-store");
    let ops = history(&dir);
    let journal = journal(&dir, &ops);
    let legs = legs(&journal, 0.0);
    print_legs("maelstrom", &legs);
    let client = client_side(&ops, &journal);
    println!("maelstrom client side   {client}");
    // Jepsen's own work around each RPC (history, generator, client code on
    // the JVM): about a millisecond per op, more than the network's share.
    assert!(
        client.min > 0.0 && (1.0..1.5).contains(&client.p50),
        "{client}"
    );
    // Latency 0: a hop is the delivery worker's hand-off alone; it is never
    // early, and well under a millisecond typically.
    assert!(legs.hop.min >= 0.0 && legs.hop.p50 < 0.5, "{}", legs.hop);
    assert!(
        legs.request.min >= 0.0 && legs.request.p50 < 0.5,
        "{}",
        legs.request
    );
    // The reply is journaled as received only when the client's own thread
    // takes it from its queue: not instant either.
    assert!(
        legs.reply.min >= 0.0 && legs.reply.p50 < 0.5,
        "{}",
        legs.reply
    );

    let mut spreads = Vec::new();
    for (case, fs) in IMMEDIATE {
        let spread = Spread::of(op_latencies(&history(&fixture(case)), fs));
        println!("maelstrom {case:26} {:16} {spread}", fs.join("/"));
        spreads.push(spread);
    }
    // A round trip costs Maelstrom about a millisecond and more: never less
    // than 0.3 ms, a median of 1.1–3.3 ms (11.5 ms with 25 python nodes).
    assert!(
        spreads
            .iter()
            .all(|s| s.min > 0.3 && (1.0..15.0).contains(&s.p50)),
        "{spreads:?}"
    );
}

/// Run the simulator with `args` (plus `--bin <node>`) and return its run directory's
/// history and journal.
fn sim_run(workload: &str, bin: &str, args: &[&str]) -> (Vec<Op>, Journal) {
    let bin = node(bin);
    let mut argv = vec!["test", "-w", workload, "--bin", &bin];
    argv.extend_from_slice(args);
    let run = sim(&argv);
    assert!(matches!(run.code, 0 | 1), "{}", run.stdout);
    let dir = run.latest(workload);
    let history = history(&dir);
    let journal = journal(&dir, &history);
    (history, journal)
}

/// The simulator measured as `maelstrom_timing_from_its_own_outputs` measures
/// Maelstrom: same nodes and parameters, shorter runs. Run with
/// `cargo test -p sim --release --test timing -- --ignored --nocapture`.
#[test]
#[ignore]
fn simulator_timing_measured_the_same_way() {
    // The fixture's run (broadcast-lost-partition-store) used a node that
    // gossips; our broadcast_drop.py never does, broadcast.py does.
    let shape = [
        "--node-count",
        "5",
        "--time-limit",
        "5",
        "--rate",
        "10",
        "--recovery-wait",
        "1",
    ];
    let (history, journal) = sim_run(
        "broadcast",
        "broadcast.py",
        &[&shape[..], &["--nemesis", "partition"]].concat(),
    );
    print_legs("sim", &legs(&journal, 0.0));
    let client = client_side(&history, &journal);
    println!("sim client side   {client}");
    let ops = Spread::of(op_latencies(&history, &["read", "broadcast"]));
    println!("sim read/broadcast         {ops}");
    let (_, journal) = sim_run(
        "broadcast",
        "broadcast.py",
        &[&shape[..], &["--latency", "100"]].concat(),
    );
    print_legs("sim --latency 100,", &legs(&journal, 100.0));

    let runs: &[(&str, &str, &[&str], &[&str])] = &[
        ("echo", "echo.py", &["--node-count", "1"], &["echo"]),
        (
            "unique-ids",
            "unique_ids.py",
            &[
                "--node-count",
                "3",
                "--rate",
                "100",
                "--availability",
                "total",
                "--nemesis",
                "partition",
            ],
            &["generate"],
        ),
        (
            "broadcast",
            "broadcast.py",
            &[
                "--node-count",
                "5",
                "--rate",
                "10",
                "--nemesis",
                "partition",
                "--recovery-wait",
                "1",
            ],
            &["read"],
        ),
        (
            "broadcast",
            "broadcast.py",
            &[
                "--node-count",
                "25",
                "--rate",
                "100",
                "--latency",
                "100",
                "--recovery-wait",
                "1",
            ],
            &["read"],
        ),
        (
            "g-counter",
            "g_counter.py",
            &[
                "--node-count",
                "3",
                "--rate",
                "100",
                "--nemesis",
                "partition",
                "--recovery-wait",
                "1",
            ],
            &["read"],
        ),
        (
            "kafka",
            "kafka.py",
            &["--node-count", "1", "--concurrency", "2n", "--rate", "100"],
            &["send", "poll"],
        ),
        (
            "txn-rw-register",
            "txn.py",
            &["--node-count", "1", "--concurrency", "2n", "--rate", "100"],
            &["txn"],
        ),
    ];
    for (workload, bin, args, fs) in runs {
        let mut args = args.to_vec();
        args.extend_from_slice(&["--time-limit", "5"]);
        let (history, _) = sim_run(workload, bin, &args);
        let spread = Spread::of(op_latencies(&history, fs));
        let nodes = args[1];
        println!(
            "sim {workload:16} {nodes:>2} nodes {:12} {spread}",
            fs.join("/")
        );
    }
}
