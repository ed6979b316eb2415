//! An in-process cluster for tests: several node instances wired through a
//! tiny network with constant latency, partitions, and in-memory KV services.
//!
//! It is meant for unit tests under `#[tokio::test(start_paused = true)]`,
//! where timers (latency, tickers, RPC timeouts) advance instantly. It is not a
//! Maelstrom replacement: no checkers, no workload generator, and `seq-kv`,
//! `lww-kv` behave like `lin-kv` (always fresh).

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::message::Message;
use crate::node::Node;
use crate::runtime::serve;

/// How long [`Cluster::request`] waits, like Maelstrom's client timeout.
pub const CLIENT_TIMEOUT: Duration = Duration::from_secs(5);

/// A running cluster. Clones share the same cluster.
#[derive(Clone)]
pub struct Cluster {
    node_ids: Vec<String>,
    state: Arc<Mutex<State>>,
    latency: Duration,
}

#[derive(Default)]
struct State {
    inboxes: HashMap<String, mpsc::UnboundedSender<(Instant, String)>>,
    clients: HashMap<String, mpsc::UnboundedSender<Message<Value>>>,
    next_client: u64,
    /// (dest, src) pairs whose messages are dropped.
    grudges: HashSet<(String, String)>,
    kv: HashMap<String, HashMap<String, Value>>,
    next_ts: u64,
    server_msgs: u64,
    dropped_msgs: u64,
    sent: Vec<Message<Value>>,
    problems: Vec<String>,
}

impl Cluster {
    /// Starts `node_count` nodes `n0..` of type `N` and initialises them.
    pub async fn start<N: Node>(node_count: usize, latency: Duration) -> Cluster {
        let node_ids: Vec<String> = (0..node_count).map(|i| format!("n{i}")).collect();
        let cluster = Cluster {
            node_ids: node_ids.clone(),
            state: Arc::new(Mutex::new(State::default())),
            latency,
        };
        let (out_tx, out_rx) = mpsc::unbounded_channel();
        for id in &node_ids {
            let (line_tx, line_rx) = mpsc::unbounded_channel();
            let (inbox_tx, inbox_rx) = mpsc::unbounded_channel();
            tokio::spawn(deliver_in_order(inbox_rx, line_tx));
            tokio::spawn(serve::<N>(line_rx, out_tx.clone()));
            cluster.state().inboxes.insert(id.clone(), inbox_tx);
        }
        tokio::spawn(cluster.clone().route(out_rx));
        for id in &node_ids {
            let reply = cluster
                .request(
                    id,
                    json!({"type": "init", "node_id": id, "node_ids": node_ids}),
                )
                .await;
            assert_eq!(reply["type"], "init_ok", "init of {id}");
        }
        cluster
    }

    pub fn node_ids(&self) -> &[String] {
        &self.node_ids
    }

    /// Sends `body` from a fresh client to `node` and returns the reply body
    /// (with its `type`), or `Value::Null` on timeout.
    pub async fn request(&self, node: &str, body: Value) -> Value {
        let (client, mut replies) = self.open_client();
        let line = json!({"src": client, "dest": node, "body": with_msg_id(body, 1)}).to_string();
        self.deliver(node, Instant::now(), line);
        let reply = tokio::time::timeout(CLIENT_TIMEOUT, async {
            while let Some(reply) = replies.recv().await {
                if reply.body.in_reply_to == Some(1) {
                    return reply.body.payload;
                }
            }
            Value::Null
        })
        .await
        .unwrap_or(Value::Null);
        self.state().clients.remove(&client);
        reply
    }

    /// Writes a raw line to `node`'s input, as if the network delivered it.
    pub fn send_raw(&self, node: &str, line: &str) {
        self.deliver(node, Instant::now(), line.to_owned());
    }

    /// Cuts the cluster into `components`: nodes only hear their own component.
    pub fn partition(&self, components: &[&[&str]]) {
        let mut state = self.state();
        state.grudges.clear();
        for (i, inside) in components.iter().enumerate() {
            for (j, outside) in components.iter().enumerate() {
                if i == j {
                    continue;
                }
                for dest in inside.iter() {
                    for src in outside.iter() {
                        state.grudges.insert((dest.to_string(), src.to_string()));
                    }
                }
            }
        }
    }

    /// Removes every partition.
    pub fn heal(&self) {
        self.state().grudges.clear();
    }

    /// Lets the cluster run for `duration` of (usually paused) time.
    pub async fn settle(&self, duration: Duration) {
        tokio::time::sleep(duration).await;
    }

    /// Messages sent between nodes and services so far (Maelstrom's
    /// `:servers` count, without init).
    pub fn server_msgs(&self) -> u64 {
        self.state().server_msgs
    }

    /// Messages dropped by partitions so far.
    pub fn dropped_msgs(&self) -> u64 {
        self.state().dropped_msgs
    }

    /// Every message the nodes sent so far, in order.
    pub fn sent(&self) -> Vec<Message<Value>> {
        self.state().sent.clone()
    }

    /// Lines the nodes wrote that Maelstrom would have rejected (bad JSON,
    /// unknown destination, ...). Tests should expect none.
    pub fn problems(&self) -> Vec<String> {
        self.state().problems.clone()
    }

    /// The current value of `key` in a KV service, as the nodes stored it.
    pub fn kv_value(&self, service: &str, key: &Value) -> Option<Value> {
        self.state().kv.get(service)?.get(&key.to_string()).cloned()
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn open_client(&self) -> (String, mpsc::UnboundedReceiver<Message<Value>>) {
        let mut state = self.state();
        let id = format!("c{}", state.next_client);
        state.next_client += 1;
        let (tx, rx) = mpsc::unbounded_channel();
        state.clients.insert(id.clone(), tx);
        (id, rx)
    }

    fn deliver(&self, node: &str, at: Instant, line: String) {
        if let Some(inbox) = self.state().inboxes.get(node) {
            let _ = inbox.send((at, line));
        }
    }

    async fn route(self, mut out: mpsc::UnboundedReceiver<String>) {
        while let Some(line) = out.recv().await {
            let msg = match Message::parse_line(&line) {
                Ok(msg) => msg,
                Err(error) => {
                    self.state().problems.push(format!("{error}: {line}"));
                    continue;
                }
            };
            let due = Instant::now() + self.latency;
            let dest = msg.dest.clone();
            let mut state = self.state();
            state.sent.push(msg.clone());
            if dest.starts_with('c') {
                match state.clients.get(&dest) {
                    Some(client) => {
                        let _ = client.send(msg);
                    }
                    None => state
                        .problems
                        .push(format!("reply to a closed client: {line}")),
                }
                continue;
            }
            state.server_msgs += 1;
            if state.inboxes.contains_key(&dest) {
                if state.grudges.contains(&(dest.clone(), msg.src.clone())) {
                    state.dropped_msgs += 1;
                } else {
                    let _ = state.inboxes[&dest].send((due, line));
                }
                continue;
            }
            match answer_service(&mut state, &msg) {
                Some(body) => {
                    state.server_msgs += 1;
                    let reply = json!({"src": dest, "dest": msg.src, "body": body}).to_string();
                    if let Some(inbox) = state.inboxes.get(&msg.src) {
                        let _ = inbox.send((due + self.latency, reply));
                    }
                }
                None => state
                    .problems
                    .push(format!("unknown destination or request: {line}")),
            }
        }
    }
}

/// Hands lines to a node in order of due time (ties in arrival order), each
/// no earlier than its due time — like Maelstrom's per-destination queue.
async fn deliver_in_order(
    mut inbox: mpsc::UnboundedReceiver<(Instant, String)>,
    node: mpsc::UnboundedSender<String>,
) {
    let mut queue = BinaryHeap::new();
    let mut arrivals = 0u64;
    loop {
        let next_due = queue
            .peek()
            .map(|Reverse((due, _, _)): &Reverse<(Instant, u64, String)>| *due);
        tokio::select! {
            item = inbox.recv() => match item {
                Some((due, line)) => {
                    queue.push(Reverse((due, arrivals, line)));
                    arrivals += 1;
                }
                None => break,
            },
            () = tokio::time::sleep_until(next_due.unwrap_or_else(Instant::now)), if next_due.is_some() => {
                if let Some(Reverse((_, _, line))) = queue.pop()
                    && node.send(line).is_err()
                {
                    break;
                }
            }
        }
    }
}

fn with_msg_id(mut body: Value, msg_id: u64) -> Value {
    if let Value::Object(fields) = &mut body {
        fields.insert("msg_id".into(), msg_id.into());
    }
    body
}

/// The in-memory `lin-kv`/`seq-kv`/`lww-kv`/`lin-tso`; `None` if `msg` is not
/// a service request.
fn answer_service(state: &mut State, msg: &Message<Value>) -> Option<Value> {
    let request = &msg.body.payload;
    let reply = match msg.dest.as_str() {
        "lin-tso" if request["type"] == "ts" => {
            state.next_ts += 1;
            json!({"type": "ts_ok", "ts": state.next_ts - 1})
        }
        "lin-kv" | "seq-kv" | "lww-kv" => {
            let store = state.kv.entry(msg.dest.clone()).or_default();
            let key = request["key"].to_string();
            let missing = json!({"type": "error", "code": 20, "text": "key does not exist"});
            match request["type"].as_str()? {
                "read" => match store.get(&key) {
                    Some(value) => json!({"type": "read_ok", "value": value}),
                    None => missing,
                },
                "write" => {
                    store.insert(key, request["value"].clone());
                    json!({"type": "write_ok"})
                }
                "cas" => match store.get(&key) {
                    Some(current) if *current == request["from"] => {
                        store.insert(key, request["to"].clone());
                        json!({"type": "cas_ok"})
                    }
                    Some(current) => json!({"type": "error", "code": 22,
                        "text": format!("current value {current} is not {}", request["from"])}),
                    None if request["create_if_not_exists"] == true && msg.dest != "lww-kv" => {
                        store.insert(key, request["to"].clone());
                        json!({"type": "cas_ok"})
                    }
                    None => missing,
                },
                _ => return None,
            }
        }
        _ => return None,
    };
    Some(with_in_reply_to(reply, msg.body.msg_id))
}

fn with_in_reply_to(mut body: Value, msg_id: Option<u64>) -> Value {
    if let Value::Object(fields) = &mut body {
        fields.insert("in_reply_to".into(), msg_id.into());
    }
    body
}
