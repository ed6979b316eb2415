//! The simulated network: registered ids, message ids, latency, partitions
//! (grudges) and the send/recv journal behind `:net` in results.edn.
//!
//! Every non-client destination owns a deadline-ordered delivery queue served
//! by one thread, which removes the earliest message, drops it if the
//! destination holds a grudge against its source *at removal time*, sleeps
//! the whole milliseconds left to the deadline and then hands it over
//! (network.md §2). Clients get zero latency and are never partitioned, so
//! their messages go straight to the client's inbox. The network never loses,
//! duplicates or corrupts anything else.
//!
//! The queue and its worker are in `delivery`.

mod delivery;

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, RwLock};
use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;
use serde_json::Value as Json;
use tokio::sync::mpsc;

use crate::cli::LatencyDist;
use crate::console::Console;
use crate::journal::Journal;
use crate::net_log::NetLog;
use delivery::{DeliveryQueue, Pending};

/// One message on the wire, serialised exactly as Maelstrom writes it to a node.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Message {
    pub id: u64,
    pub src: String,
    pub dest: String,
    pub body: Json,
}

impl Message {
    /// The compact one-line JSON form written to a node's stdin.
    pub fn to_line(&self) -> String {
        serde_json::to_string(self).expect("JSON values always serialise")
    }
}

/// Maelstrom decides "is a client" by the first character alone.
pub fn is_client(id: &str) -> bool {
    id.starts_with('c')
}

/// Why a send was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NetError {
    #[error(
        "Invalid dest for message {message}: {dest} is not a registered node, client or service"
    )]
    UnknownDest { dest: String, message: String },
    #[error("Invalid src for message {message}: {src} is not a registered node, client or service")]
    UnknownSrc { src: String, message: String },
    /// The test is over for `node`: teardown has removed it. Not the
    /// sender's fault, so nobody warns about it.
    #[error("{node} has been torn down; message {message} ignored")]
    TornDown { node: String, message: String },
}

/// Per-message one-way latency (network.md §3).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LatencyModel {
    pub mean_ms: u64,
    pub dist: LatencyDist,
}

impl LatencyModel {
    /// Draw one latency in whole milliseconds.
    pub fn sample(&self, rng: &mut impl Rng) -> u64 {
        if self.mean_ms == 0 {
            return 0;
        }
        match self.dist {
            LatencyDist::Constant => self.mean_ms,
            LatencyDist::Uniform => rng.random_range(0..2 * self.mean_ms),
            LatencyDist::Exponential => {
                let u: f64 = rng.random_range(f64::MIN_POSITIVE..1.0);
                (-u.ln() * self.mean_ms as f64) as u64
            }
        }
    }
}

enum Route {
    Client(mpsc::UnboundedSender<Message>),
    Queued(Arc<DeliveryQueue>),
}

/// Send/recv counters of one `:net` category.
#[derive(Debug, Default)]
struct Counts {
    send: AtomicU64,
    recv: AtomicU64,
}

/// Totals for `:net`, read after the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct NetStats {
    pub client_sends: u64,
    pub client_recvs: u64,
    pub server_sends: u64,
    pub server_recvs: u64,
}

/// Which destinations drop messages from which sources.
pub type Grudge = HashMap<String, HashSet<String>>;

/// The whole network of one test run.
pub struct Net {
    routes: Mutex<HashMap<String, Route>>,
    /// Nodes removed by teardown, so late sends to or from them are told apart.
    torn_down: Mutex<HashSet<String>>,
    next_id: AtomicU64,
    latency: LatencyModel,
    rng: Mutex<ChaCha8Rng>,
    grudge: RwLock<Grudge>,
    clients: Counts,
    servers: Counts,
    console: Arc<Console>,
    log_send: bool,
    log_recv: bool,
    journal: Journal,
    net_log: OnceLock<NetLog>,
}

impl Net {
    pub fn new(
        latency: LatencyModel,
        seed: u64,
        console: Arc<Console>,
        log_send: bool,
        log_recv: bool,
    ) -> Arc<Self> {
        Arc::new(Net {
            routes: Mutex::new(HashMap::new()),
            torn_down: Mutex::new(HashSet::new()),
            next_id: AtomicU64::new(0),
            latency,
            rng: Mutex::new(ChaCha8Rng::seed_from_u64(seed)),
            grudge: RwLock::new(Grudge::new()),
            clients: Counts::default(),
            servers: Counts::default(),
            console,
            log_send,
            log_recv,
            journal: Journal::default(),
            net_log: OnceLock::new(),
        })
    }

    /// Register a client id; its messages arrive on the returned channel.
    pub fn register_client(&self, id: &str) -> mpsc::UnboundedReceiver<Message> {
        let (tx, rx) = mpsc::unbounded_channel();
        self.routes
            .lock()
            .expect("routes lock")
            .insert(id.to_string(), Route::Client(tx));
        rx
    }

    /// Register a node or service id; a delivery thread feeds `deliver` in deadline order.
    pub fn register_queued(self: &Arc<Self>, id: &str, deliver: mpsc::UnboundedSender<Message>) {
        let queue = delivery::start(Arc::clone(self), id, deliver);
        let old = self
            .routes
            .lock()
            .expect("routes lock")
            .insert(id.to_string(), Route::Queued(queue));
        if let Some(Route::Queued(old)) = old {
            old.close();
        }
    }

    /// Remove an id; messages still queued for it are never delivered.
    pub fn unregister(&self, id: &str) {
        if let Some(Route::Queued(queue)) = self.routes.lock().expect("routes lock").remove(id) {
            queue.close();
        }
    }

    /// Write every network event to `net-journal.jsonl` in `dir` from now on.
    pub fn record_journal(&self, dir: &std::path::Path) -> std::io::Result<()> {
        let log = NetLog::create(dir)?;
        let _ = self.net_log.set(log);
        Ok(())
    }

    /// Note the history's time 0 in the journal.
    pub fn mark_history_origin(&self, at: tokio::time::Instant) {
        if let Some(log) = self.net_log.get() {
            log.origin(at);
        }
    }

    /// Remove a node at teardown; from now on sends to or from it fail with
    /// [`NetError::TornDown`].
    pub fn tear_down(&self, id: &str) {
        self.torn_down
            .lock()
            .expect("torn-down lock")
            .insert(id.to_string());
        self.unregister(id);
    }

    /// Remove every id and flush the journal (end of the run).
    pub fn shutdown(&self) {
        if let Some(log) = self.net_log.get() {
            log.close();
        }
        for (_, route) in self.routes.lock().expect("routes lock").drain() {
            if let Route::Queued(queue) = route {
                queue.close();
            }
        }
    }

    pub fn is_registered(&self, id: &str) -> bool {
        self.routes.lock().expect("routes lock").contains_key(id)
    }

    /// Send `body` from `src` to `dest`, assigning the next message id.
    pub fn send(&self, src: &str, dest: &str, body: Json) -> Result<(), NetError> {
        let routes = self.routes.lock().expect("routes lock");
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let message = Message {
            id,
            src: src.to_string(),
            dest: dest.to_string(),
            body,
        };
        let torn_down = self.torn_down.lock().expect("torn-down lock");
        if let Some(node) = [src, dest].into_iter().find(|id| torn_down.contains(*id)) {
            return Err(NetError::TornDown {
                node: node.to_string(),
                message: message.to_line(),
            });
        }
        drop(torn_down);
        if !routes.contains_key(src) {
            return Err(NetError::UnknownSrc {
                src: src.to_string(),
                message: message.to_line(),
            });
        }
        let Some(route) = routes.get(dest) else {
            return Err(NetError::UnknownDest {
                dest: dest.to_string(),
                message: message.to_line(),
            });
        };
        let client_link = is_client(src) || is_client(dest);
        self.counts(client_link)
            .send
            .fetch_add(1, Ordering::Relaxed);
        if self.log_send {
            self.console.info(
                "jepsen net",
                "maelstrom.net",
                &format!(":send {}", message.to_line()),
            );
        }
        self.journal.sent(&message);
        if let Some(log) = self.net_log.get() {
            log.sent(&message);
        }
        match route {
            Route::Client(tx) => {
                self.note_recv(&message);
                let _ = tx.send(message);
            }
            Route::Queued(queue) => {
                let latency_ms = if client_link || self.latency.mean_ms == 0 {
                    0
                } else {
                    self.latency
                        .sample(&mut *self.rng.lock().expect("rng lock"))
                };
                let deadline = Instant::now() + Duration::from_millis(latency_ms);
                queue.push(self, Pending { deadline, message });
            }
        }
        Ok(())
    }

    fn counts(&self, client_link: bool) -> &Counts {
        if client_link {
            &self.clients
        } else {
            &self.servers
        }
    }

    fn note_recv(&self, message: &Message) {
        let client_link = is_client(&message.src) || is_client(&message.dest);
        self.counts(client_link)
            .recv
            .fetch_add(1, Ordering::Relaxed);
        if self.log_recv {
            self.console.info(
                "jepsen net",
                "maelstrom.net",
                &format!(":recv {}", message.to_line()),
            );
        }
        self.journal.received(message);
        if let Some(log) = self.net_log.get() {
            log.received(message.id);
        }
    }

    /// The Lamport diagram of the run's first events (`messages.svg`).
    pub fn messages_svg(&self) -> String {
        self.journal.to_svg()
    }

    /// Replace the partition: `grudge[dest]` = sources whose messages `dest` drops.
    pub fn set_grudge(&self, grudge: Grudge) {
        *self.grudge.write().expect("grudge lock") = grudge;
    }

    pub fn heal(&self) {
        self.grudge.write().expect("grudge lock").clear();
    }

    fn drops(&self, dest: &str, src: &str) -> bool {
        self.grudge
            .read()
            .expect("grudge lock")
            .get(dest)
            .is_some_and(|s| s.contains(src))
    }

    pub fn stats(&self) -> NetStats {
        NetStats {
            client_sends: self.clients.send.load(Ordering::Relaxed),
            client_recvs: self.clients.recv.load(Ordering::Relaxed),
            server_sends: self.servers.send.load(Ordering::Relaxed),
            server_recvs: self.servers.recv.load(Ordering::Relaxed),
        }
    }
}

impl NetStats {
    /// The `:net` checker map of network.md §5.2 for a history with `op_count` client invocations.
    pub fn to_edn(&self, op_count: u64) -> edn::Value {
        use edn::Value;
        let category = |sends: u64, recvs: u64, per_op: bool| {
            let mut m = vec![
                (Value::kw("send-count"), Value::Int(sends as i64)),
                (Value::kw("recv-count"), Value::Int(recvs as i64)),
                (Value::kw("msg-count"), Value::Int(sends as i64)),
            ];
            if per_op && op_count > 0 {
                m.push((
                    Value::kw("msgs-per-op"),
                    checker::float32_ratio(sends, op_count),
                ));
            }
            Value::Map(m)
        };
        Value::Map(vec![
            (
                Value::kw("all"),
                category(
                    self.client_sends + self.server_sends,
                    self.client_recvs + self.server_recvs,
                    true,
                ),
            ),
            (
                Value::kw("clients"),
                category(self.client_sends, self.client_recvs, false),
            ),
            (
                Value::kw("servers"),
                category(self.server_sends, self.server_recvs, true),
            ),
            (Value::kw("valid?"), Value::Bool(true)),
        ])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn quiet_net(latency: LatencyModel) -> Arc<Net> {
        Net::new(latency, 7, Arc::new(Console::new()), false, false)
    }

    #[test]
    fn latency_model_bounds() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let constant = LatencyModel {
            mean_ms: 100,
            dist: LatencyDist::Constant,
        };
        let uniform = LatencyModel {
            mean_ms: 100,
            dist: LatencyDist::Uniform,
        };
        let expo = LatencyModel {
            mean_ms: 100,
            dist: LatencyDist::Exponential,
        };
        assert!((0..1000).all(|_| constant.sample(&mut rng) == 100));
        assert!((0..1000).all(|_| uniform.sample(&mut rng) < 200));
        let mean = (0..20000)
            .map(|_| expo.sample(&mut rng) as f64)
            .sum::<f64>()
            / 20000.0;
        assert!((90.0..110.0).contains(&mean), "exponential mean {mean}");
    }

    #[test]
    fn net_map_has_msgs_per_op_only_where_maelstrom_has_it() {
        let stats = NetStats {
            client_sends: 54,
            client_recvs: 54,
            server_sends: 0,
            server_recvs: 0,
        };
        let text = format!("{:?}", stats.to_edn(26));
        assert!(text.contains("2.0769231"), "{text}");
        let edn::Value::Map(entries) = stats.to_edn(26) else {
            panic!()
        };
        let clients = &entries[1].1;
        assert!(!format!("{clients:?}").contains("msgs-per-op"));
        assert!(!format!("{:?}", stats.to_edn(0)).contains("msgs-per-op"));
    }

    /// Maelstrom's worker sleeps the whole milliseconds left to a deadline,
    /// so a message to an idle destination arrives nearly a millisecond
    /// early; a timer that rounds deadlines up would never deliver early.
    #[test]
    fn delivery_sleeps_whole_milliseconds_as_maelstrom_does() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        rt.block_on(async {
            let net = quiet_net(LatencyModel {
                mean_ms: 5,
                dist: LatencyDist::Constant,
            });
            let (tx, mut rx) = mpsc::unbounded_channel();
            net.register_queued("n1", tx);
            net.register_queued("n0", mpsc::unbounded_channel().0);
            let mut errors_us = Vec::new();
            for i in 0..20 {
                let sent = Instant::now();
                net.send("n0", "n1", json!({"i": i})).unwrap();
                rx.recv().await.unwrap();
                let late = sent.elapsed().as_micros() as i64 - 5_000;
                errors_us.push(late);
            }
            net.shutdown();
            assert!(errors_us.iter().all(|e| *e > -1_000), "{errors_us:?}");
            assert!(errors_us.iter().any(|e| *e < 0), "{errors_us:?}");
        });
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]

        /// Whatever the sends, latencies and partition, each message arrives at most
        /// once, only if its link was not cut when dequeued, and in (deadline, id)
        /// order per destination, whether an idle worker's sender delivered it
        /// (latency 0) or the worker did.
        #[test]
        fn router_delivers_once_in_deadline_order_and_respects_grudges(
            sends in proptest::collection::vec((0usize..3, 0usize..3), 1..60),
            cut in proptest::collection::vec((0usize..3, 0usize..3), 0..4),
            uniform in any::<bool>(),
            mean_ms in 0u64..3,
        ) {
            let rt = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
            rt.block_on(async {
                let dist = if uniform { LatencyDist::Uniform } else { LatencyDist::Constant };
                let net = quiet_net(LatencyModel { mean_ms, dist });
                let ids = ["n0", "n1", "n2"];
                let mut inboxes = Vec::new();
                for id in ids {
                    let (tx, rx) = mpsc::unbounded_channel();
                    net.register_queued(id, tx);
                    inboxes.push(rx);
                }
                let mut grudge = Grudge::new();
                for (d, s) in &cut {
                    grudge.entry(ids[*d].to_string()).or_default().insert(ids[*s].to_string());
                }
                net.set_grudge(grudge.clone());
                // Let the workers reach their idle wait, where latency-0
                // messages are handed over by the sender.
                tokio::time::sleep(std::time::Duration::from_millis(5)).await;
                for (i, (s, d)) in sends.iter().enumerate() {
                    net.send(ids[*s], ids[*d], json!({"i": i})).unwrap();
                }
                tokio::time::sleep(std::time::Duration::from_millis(60)).await;
                let mut delivered = 0;
                for (d, rx) in inboxes.iter_mut().enumerate() {
                    let mut seen = HashSet::new();
                    let mut last_id = None;
                    while let Ok(m) = rx.try_recv() {
                        assert!(seen.insert(m.id), "duplicate delivery");
                        assert!(!grudge.get(ids[d]).is_some_and(|g| g.contains(&m.src)), "crossed a partition");
                        if !uniform {
                            assert!(last_id < Some(m.id), "constant latency must keep send order");
                        }
                        last_id = Some(m.id);
                        delivered += 1;
                    }
                }
                let expected = sends.iter().filter(|(s, d)| !grudge.get(ids[*d]).is_some_and(|g| g.contains(ids[*s]))).count();
                assert_eq!(delivered, expected);
                assert_eq!(net.stats().server_recvs as usize, expected);
                assert_eq!(net.stats().server_sends as usize, sends.len());
                net.shutdown();
            });
        }
    }
}
