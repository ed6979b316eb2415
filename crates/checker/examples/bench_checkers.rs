//! Times the kafka and txn-rw-register checkers on large synthetic histories.
//!
//! Run: `cargo run --release -p checker --example bench_checkers [ops]`
//! (default 100000 operations each). Both histories come from correct
//! in-memory systems driven like Maelstrom's generators (10 concurrent
//! clients, keys rotating after 16 writes, hot keys favoured), so the checkers
//! do their full work and must say `:valid? true`. Prints the best of three
//! wall and CPU times per check and the process's peak resident memory.

use std::collections::HashMap;
use std::time::Instant;

use checker::history::{Op, OpType, Process};
use checker::workloads::{kafka, txn};
use edn::Value;

const CLIENTS: usize = 10;
const ACTIVE_KEYS: usize = 10;
const WRITES_PER_KEY: i64 = 16;

/// xorshift64*: small, deterministic, dependency-free.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Maelstrom's key scheme: index i of the active list with weight 2^i; a key
/// retires after its last value and is replaced by a fresh one.
struct KeyPool {
    active: Vec<i64>,
    next_value: HashMap<i64, i64>,
    fresh: i64,
}

impl KeyPool {
    fn new() -> KeyPool {
        KeyPool {
            active: (0..ACTIVE_KEYS as i64).collect(),
            next_value: HashMap::new(),
            fresh: ACTIVE_KEYS as i64,
        }
    }

    fn pick(&mut self, rng: &mut Rng) -> usize {
        let total = (1u64 << ACTIVE_KEYS) - 1;
        let mut roll = rng.next() % total;
        for i in 0..ACTIVE_KEYS {
            let weight = 1u64 << i;
            if roll < weight {
                return i;
            }
            roll -= weight;
        }
        ACTIVE_KEYS - 1
    }

    fn read_key(&mut self, rng: &mut Rng) -> i64 {
        let slot = self.pick(rng);
        self.active[slot]
    }

    /// A key and its next unique value.
    fn write(&mut self, rng: &mut Rng) -> (i64, i64) {
        let slot = self.pick(rng);
        let key = self.active[slot];
        let value = self.next_value.entry(key).or_insert(0);
        *value += 1;
        let written = *value;
        if written == WRITES_PER_KEY {
            self.active[slot] = self.fresh;
            self.fresh += 1;
        }
        (key, written)
    }
}

fn op(index: usize, kind: OpType, process: usize, f: &str, value: Value) -> Op {
    Op {
        index: index as u64,
        time: index as u64 * 100_000,
        kind,
        process: Process::Client(process as u64),
        f: f.to_string(),
        value,
        extra: Vec::new(),
    }
}

/// Drives `count` operations through `CLIENTS` overlapping clients: each step
/// invokes one op and completes the oldest in flight. `run` turns an
/// invocation value into its completion value at completion time.
fn interleave(
    count: usize,
    rng: &mut Rng,
    mut invoke: impl FnMut(&mut Rng) -> (String, Value),
    mut complete: impl FnMut(usize, &str, &Value) -> Value,
) -> Vec<Op> {
    let mut history = Vec::with_capacity(count * 2);
    let mut in_flight: std::collections::VecDeque<(usize, String, Value)> = Default::default();
    let mut idle: Vec<usize> = (0..CLIENTS).collect();
    let mut started = 0;
    while started < count || !in_flight.is_empty() {
        if started < count && !idle.is_empty() {
            let process = idle.swap_remove(rng.below(idle.len()));
            let (f, value) = invoke(rng);
            history.push(op(
                history.len(),
                OpType::Invoke,
                process,
                &f,
                value.clone(),
            ));
            in_flight.push_back((process, f, value));
            started += 1;
            if in_flight.len() < CLIENTS / 2 && started < count {
                continue;
            }
        }
        if let Some((process, f, value)) = in_flight.pop_front() {
            let done = complete(process, &f, &value);
            history.push(op(history.len(), OpType::Ok, process, &f, done));
            idle.push(process);
        }
    }
    history
}

fn txn_history(count: usize) -> Vec<Op> {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut keys = KeyPool::new();
    let mut store: HashMap<i64, i64> = HashMap::new();
    interleave(
        count,
        &mut rng,
        |rng| {
            let len = 1 + rng.below(4);
            let mops = (0..len)
                .map(|_| {
                    if rng.below(2) == 0 {
                        let key = keys.read_key(rng);
                        Value::Vector(vec![Value::kw("r"), Value::Int(key), Value::Nil])
                    } else {
                        let (key, value) = keys.write(rng);
                        Value::Vector(vec![Value::kw("w"), Value::Int(key), Value::Int(value)])
                    }
                })
                .collect();
            ("txn".to_string(), Value::Vector(mops))
        },
        // Applied atomically at completion: strict serializable by construction.
        |_, _, value| {
            let mops = value.as_seq().unwrap_or(&[]);
            let done = mops
                .iter()
                .map(|mop| {
                    let parts = mop.as_seq().unwrap_or(&[]);
                    let key = parts[1].as_i64().unwrap_or(0);
                    if parts[0] == Value::kw("w") {
                        store.insert(key, parts[2].as_i64().unwrap_or(0));
                        mop.clone()
                    } else {
                        let read = store.get(&key).map_or(Value::Nil, |&v| Value::Int(v));
                        Value::Vector(vec![Value::kw("r"), Value::Int(key), read])
                    }
                })
                .collect();
            Value::Vector(done)
        },
    )
}

/// What a poll by `process` returns: every message it has not yet seen, per
/// key, advancing its positions.
fn poll_reply(
    logs: &HashMap<i64, Vec<i64>>,
    positions: &mut HashMap<(usize, i64), usize>,
    process: usize,
) -> Value {
    let mut keys: Vec<&i64> = logs.keys().collect();
    keys.sort_unstable();
    let mut polled = Vec::new();
    for key in keys {
        let position = positions.entry((process, *key)).or_insert(0);
        let log = &logs[key];
        if *position < log.len() {
            let pairs = log[*position..]
                .iter()
                .enumerate()
                .map(|(i, &m)| {
                    Value::Vector(vec![Value::Int((*position + i) as i64), Value::Int(m)])
                })
                .collect();
            *position = log.len();
            polled.push((Value::Str(key.to_string()), Value::Vector(pairs)));
        }
    }
    Value::Vector(vec![Value::Vector(vec![
        Value::kw("poll"),
        Value::Map(polled),
    ])])
}

/// Sends and polls against a correct log, then one final poll per client so
/// every acknowledged message is seen.
fn kafka_history(count: usize) -> Vec<Op> {
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let mut keys = KeyPool::new();
    let mut logs: HashMap<i64, Vec<i64>> = HashMap::new();
    let mut positions: HashMap<(usize, i64), usize> = HashMap::new();
    let poll = || Value::Vector(vec![Value::Vector(vec![Value::kw("poll")])]);
    let mut history = interleave(
        count.saturating_sub(CLIENTS),
        &mut rng,
        |rng| {
            if rng.below(2) == 0 {
                let (key, msg) = keys.write(rng);
                let mop = Value::Vector(vec![
                    Value::kw("send"),
                    Value::Str(key.to_string()),
                    Value::Int(msg),
                ]);
                ("send".to_string(), Value::Vector(vec![mop]))
            } else {
                ("poll".to_string(), poll())
            }
        },
        |process, f, value| {
            if f != "send" {
                return poll_reply(&logs, &mut positions, process);
            }
            let parts = value
                .as_seq()
                .and_then(|mops| mops[0].as_seq())
                .unwrap_or(&[]);
            let key: i64 = parts[1].as_str().and_then(|k| k.parse().ok()).unwrap_or(0);
            let log = logs.entry(key).or_default();
            log.push(parts[2].as_i64().unwrap_or(0));
            let pair = Value::Vector(vec![Value::Int(log.len() as i64 - 1), parts[2].clone()]);
            Value::Vector(vec![Value::Vector(vec![
                Value::kw("send"),
                parts[1].clone(),
                pair,
            ])])
        },
    );
    for process in 0..CLIENTS {
        history.push(op(history.len(), OpType::Invoke, process, "poll", poll()));
        let reply = poll_reply(&logs, &mut positions, process);
        history.push(op(history.len(), OpType::Ok, process, "poll", reply));
    }
    history
}

fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

/// This process's CPU time (user + system) in seconds, from /proc: wall time
/// alone misleads on a machine shared with other jobs.
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the parenthesised command name; utime and stime are 14 and 15.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

/// Runs a check `RUNS` times and prints the fastest wall and CPU times: the
/// minimum is the least disturbed by other jobs on a shared machine.
fn timed(label: &str, run: impl Fn() -> Value) {
    const RUNS: usize = 3;
    let (mut best_wall, mut best_cpu) = (f64::INFINITY, f64::INFINITY);
    let mut result = Value::Nil;
    for _ in 0..RUNS {
        let start = Instant::now();
        let cpu_start = cpu_seconds();
        result = run();
        best_wall = best_wall.min(start.elapsed().as_secs_f64());
        if let (Some(end), Some(begin)) = (cpu_seconds(), cpu_start) {
            best_cpu = best_cpu.min(end - begin);
        }
    }
    let valid = result.get_kw("valid?").cloned().unwrap_or(Value::Nil);
    println!("{label:<40} wall {best_wall:>7.3} s   cpu {best_cpu:>6.2} s   valid? {valid}");
    for key in ["anomaly-types", "error-types"] {
        if let Some(types) = result
            .get_kw(key)
            .filter(|t| t.as_seq().is_some_and(|s| !s.is_empty()))
        {
            println!("    {key} {types}");
        }
    }
}

fn main() {
    let count: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(100_000);
    let txns = txn_history(count);
    let sends_and_polls = kafka_history(count);
    println!(
        "synthesized {count} txns ({} entries) and {count} kafka ops ({} entries)",
        txns.len(),
        sends_and_polls.len()
    );
    let models = |list: &[&str]| list.iter().map(|m| m.to_string()).collect::<Vec<_>>();
    timed("txn-rw-register, strict-serializable", || {
        txn::check(&txns, &[])
    });
    timed("txn-rw-register, read-committed", || {
        txn::check(&txns, &models(&["read-committed"]))
    });
    timed("kafka", || kafka::check(&sends_and_polls));
    // The two largest real Maelstrom histories, if the fixtures are present.
    for (case, model) in [
        ("txn-6b-valid", "read-uncommitted"),
        ("txn-6c-valid", "read-committed"),
    ] {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../testdata/maelstrom")
            .join(case)
            .join("history.edn");
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let Ok(history) = checker::history::read_history(&text) else {
            continue;
        };
        timed(
            &format!("{case} fixture ({} entries)", history.len()),
            || txn::check(&history, &models(&[model])),
        );
    }
    match peak_rss_mib() {
        Some(mib) => println!("peak resident memory: {mib:.0} MiB"),
        None => println!("peak resident memory: unavailable"),
    }
}
