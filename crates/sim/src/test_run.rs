//! One test run, phase by phase (workloads.md §1.1): store and network setup,
//! services, node start and `init`, client setup (broadcast `topology`), the
//! main phase (global rate stagger, time limit, nemesis), the final phase
//! (heal, "Waiting for recovery...", final ops), history, teardown with crash
//! detection, and analysis via `checker::analyze`.
//!
//! Client workers and the two workload phases live in `phases`.
//!
//! Every wait is bounded: RPCs time out, the main phase ends at the time
//! limit, the kafka final phase is capped, and teardown kills process groups.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{Value as Json, json};
use tokio::time::Instant;

use crate::cli::{LatencyDist, TestOptions};
use crate::clients::{Client, ClientFactory, RpcError, validate};
use crate::console::{Console, Level};
use crate::history::Recorder;
use crate::nemesis;
use crate::net::{LatencyModel, Net};
use crate::process::{NodeProcess, ProcessGroups, SpawnSpec};
use crate::services;
use crate::store::RunStore;
use crate::workloads::{self, Generator, Kind};

mod phases;
use phases::{Ctx, Worker, final_phase, main_phase};

const RUNNER: &str = "jepsen test runner";
/// How long a node has to answer `init` (protocol.md §1.1).
const INIT_TIMEOUT: Duration = Duration::from_secs(10);

/// What one run ended with.
pub struct RunOutcome {
    pub exit_code: i32,
    pub run_dir: Option<PathBuf>,
}

/// Run one test; the console gets Maelstrom-like output.
pub async fn run(
    opts: Arc<TestOptions>,
    base: &Path,
    console: Arc<Console>,
    groups: ProcessGroups,
) -> RunOutcome {
    let Some(kind) = Kind::from_name(&opts.workload) else {
        crashed(
            &console,
            &format!(
                "The {} workload is not implemented by the embedded simulator; it runs echo, unique-ids, broadcast, g-set, g-counter, pn-counter, kafka and txn-rw-register.",
                opts.workload
            ),
        );
        return RunOutcome {
            exit_code: 255,
            run_dir: None,
        };
    };
    let store = match RunStore::create(base, &opts.workload) {
        Ok(s) => s,
        Err(e) => {
            crashed(&console, &e.to_string());
            return RunOutcome {
                exit_code: 255,
                run_dir: None,
            };
        }
    };
    if let Err(e) = console.attach_log_file(&store.jepsen_log()) {
        console.warn(
            RUNNER,
            "jepsen.core",
            &format!("Couldn't write {}: {e}", store.jepsen_log().display()),
        );
    }
    let exit_code = run_in_store(opts, kind, base, &store, &console, &groups).await;
    console.detach_log_file();
    RunOutcome {
        exit_code,
        run_dir: Some(store.dir),
    }
}

fn crashed(console: &Console, message: &str) {
    console.warn(RUNNER, "jepsen.core", &format!("Test crashed!\n{message}"));
    console.log(
        Level::Error,
        "main",
        "jepsen.cli",
        &format!("Oh jeez, I'm sorry, Jepsen broke. Here's why:\n{message}"),
    );
}

async fn run_in_store(
    opts: Arc<TestOptions>,
    kind: Kind,
    base: &Path,
    store: &RunStore,
    console: &Arc<Console>,
    groups: &ProcessGroups,
) -> i32 {
    let seed = opts.seed.unwrap_or_else(rand::random);
    console.info(
        RUNNER,
        "jepsen.core",
        &format!(
            "Running test with {} nodes {:?}, seed {seed}, in {}\nArguments: {}",
            opts.nodes.len(),
            opts.nodes,
            store.display,
            opts.argv.join(" ")
        ),
    );
    if opts.latency_dist == LatencyDist::Exponential && opts.latency_ms == 0 {
        crashed(
            console,
            "java.lang.ArithmeticException: Divide by zero (--latency-dist exponential needs --latency > 0)",
        );
        return 255;
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let net = Net::new(
        LatencyModel {
            mean_ms: opts.latency_ms,
            dist: opts.latency_dist,
        },
        rng.random(),
        Arc::clone(console),
        opts.log_net_send,
        opts.log_net_recv,
    );
    if let Err(e) = net.record_journal(&store.dir) {
        console.warn(RUNNER, "jepsen.core", &format!("no network journal: {e}"));
    }
    services::start(&net, console, rng.random());
    let clients = ClientFactory::new(Arc::clone(&net));
    let bin = base.join(&opts.bin);

    let mut nodes = Vec::new();
    let setup = start_nodes(
        &opts, &bin, store, &net, &clients, console, groups, &mut nodes,
    )
    .await;
    let files = store
        .history_writer()
        .map_err(|e| console.warn(RUNNER, "jepsen.core", &e.to_string()))
        .ok();
    let history = Recorder::new(Arc::clone(console), check_options(&opts), files);
    net.mark_history_origin(history.origin());
    let mut setup_clients: Vec<Client> = opts.nodes.iter().map(|_| clients.open()).collect();
    let setup = match setup {
        Ok(()) if kind == Kind::Broadcast => {
            let (back, outcome) = send_topology(&opts, setup_clients).await;
            setup_clients = back;
            outcome
        }
        other => other,
    };
    if let Err(mut why) = setup {
        // A node that already exited is the likely cause; say so (Maelstrom does not).
        for node in nodes {
            if let Err(crash) = node.teardown(&net).await {
                why.push_str(&format!("\n\n{crash}"));
            }
        }
        net.shutdown();
        crashed(console, &why);
        return 255;
    }

    let ctx = Arc::new(Ctx {
        kind,
        concurrency: opts.concurrency as u64,
        clients: Arc::clone(&clients),
        history: Arc::clone(&history),
        kafka: Arc::default(),
    });
    let workers: Vec<Worker> = (0..opts.concurrency)
        .map(|t| Worker {
            thread: t,
            process: t as u64,
            node: opts.nodes[t % opts.nodes.len()].clone(),
            session: None,
        })
        .collect();
    let end = Instant::now() + Duration::from_secs(opts.time_limit_s);
    let nemesis_task = opts.partition.then(|| {
        tokio::spawn(nemesis::run_schedule(
            Arc::clone(&net),
            Arc::clone(&history),
            opts.nodes.clone(),
            Duration::from_secs_f64(opts.nemesis_interval_s),
            end,
            ChaCha8Rng::seed_from_u64(rng.random()),
        ))
    });
    let generator = Generator::new(kind, &opts);
    let mut workers = main_phase(
        Arc::clone(&ctx),
        workers,
        generator,
        ChaCha8Rng::seed_from_u64(rng.random()),
        opts.rate,
        end,
    )
    .await;
    if let Some(task) = nemesis_task {
        let _ = task.await;
    }
    ctx.kafka.freeze();

    if kind.has_final_phase() {
        if opts.partition {
            nemesis::stop_partition(&net, &history);
        }
        console.info(RUNNER, "jepsen.generator", "Waiting for recovery...");
        tokio::time::sleep(Duration::from_secs_f64(opts.recovery_wait_s)).await;
        workers = final_phase(
            Arc::clone(&ctx),
            workers,
            ChaCha8Rng::seed_from_u64(rng.random()),
        )
        .await;
    }
    net.heal();
    for w in workers {
        if let Some(s) = w.session {
            s.client.close();
        }
    }
    for c in setup_clients.drain(..) {
        c.close();
    }

    console.info(RUNNER, "jepsen.core", "Run complete, writing");
    history.close_files();
    if let Err(e) = store.mark_latest() {
        console.warn(RUNNER, "jepsen.core", &e.to_string());
    }
    let mut crash = None;
    for node in nodes {
        console.info(
            &format!("jepsen node {}", node.id),
            "maelstrom.db",
            &format!("Tearing down {}", node.id),
        );
        if opts.leave_db_running {
            node.forget();
            continue;
        }
        if let Err(e) = node.teardown(&net).await {
            crash.get_or_insert(e.to_string());
        }
    }
    console.info(
        "jepsen node",
        "maelstrom.net",
        "Shutting down Maelstrom network",
    );
    let stats = net.stats();
    net.shutdown();
    if let Some(why) = crash {
        crashed(console, &why);
        return 255;
    }
    console.info(RUNNER, "jepsen.core", "Analyzing...");
    if let Err(e) = store.write_messages_svg(&net.messages_svg()) {
        console.warn(RUNNER, "jepsen.core", &e.to_string());
    }
    let results = history.results(|invocations| stats.to_edn(invocations));
    report(store, console, &results)
}

/// Spawn every node, then `init` them all in parallel (init clients `c0..`).
/// All nodes are registered before any init is sent, so a node that talks to
/// its peers right after `init_ok` never finds one missing.
#[allow(clippy::too_many_arguments)]
async fn start_nodes(
    opts: &TestOptions,
    bin: &Path,
    store: &RunStore,
    net: &Arc<Net>,
    clients: &Arc<ClientFactory>,
    console: &Arc<Console>,
    groups: &ProcessGroups,
    started: &mut Vec<NodeProcess>,
) -> Result<(), String> {
    for id in &opts.nodes {
        let spec = SpawnSpec {
            id,
            bin,
            args: &opts.node_args,
            log_path: store.node_log(id),
            log_display: store.node_log_display(id),
            log_stderr: opts.log_stderr,
        };
        console.info(
            &format!("jepsen node {id}"),
            "maelstrom.db",
            &format!("Setting up {id}"),
        );
        started.push(NodeProcess::spawn(spec, net, console, groups).map_err(|e| e.to_string())?);
    }
    let mut pending = Vec::new();
    for id in &opts.nodes {
        let mut client = clients.open();
        let body = json!({"type": "init", "node_id": id, "node_ids": opts.nodes});
        let id = id.clone();
        pending.push(tokio::spawn(async move {
            let reply = client.rpc(&id, body, INIT_TIMEOUT).await;
            client.close();
            init_outcome(&id, reply)
        }));
    }
    let mut first_error = None;
    for p in pending {
        if let Ok(Err(why)) = p.await {
            first_error.get_or_insert(why);
        }
    }
    first_error.map_or(Ok(()), Err)
}

fn init_outcome(id: &str, reply: Result<Json, RpcError>) -> Result<(), String> {
    match reply {
        Ok(r) if r.get("type").and_then(Json::as_str) == Some("init_ok") => Ok(()),
        Ok(r) => Err(format!(
            "Node {id} responded to init with an unexpected message instead of init_ok: {r} (init-failed)"
        )),
        Err(RpcError::Timeout) => Err(format!(
            "Expected node {id} to respond to an init message, but node did not respond."
        )),
        Err(RpcError::Error { code, text, .. }) => Err(format!(
            "Node {id} answered init with error {code}: {}",
            text.unwrap_or_default()
        )),
        Err(RpcError::Indeterminate(why)) => Err(format!("Couldn't send init to node {id}: {why}")),
    }
}

/// Broadcast setup: each node's setup client sends its `topology` message.
/// The clients come back for closing at the end of the run.
async fn send_topology(
    opts: &TestOptions,
    setup_clients: Vec<Client>,
) -> (Vec<Client>, Result<(), String>) {
    let topology = workloads::broadcast::topology(&opts.topology, &opts.nodes);
    let request = workloads::broadcast::topology_request(&topology);
    let mut pending = Vec::new();
    for (node, mut client) in opts.nodes.iter().cloned().zip(setup_clients) {
        let request = request.clone();
        pending.push(tokio::spawn(async move {
            let outcome = match client
                .rpc(&node, request.clone(), workloads::RPC_TIMEOUT)
                .await
            {
                Ok(r) => validate(&node, &request, &r, "topology_ok", &[]),
                Err(RpcError::Timeout) => Err(format!(
                    "Node {node} did not answer the topology message within 5 s"
                )),
                Err(RpcError::Error { code, text, .. }) => Err(format!(
                    "Node {node} answered topology with error {code}: {}",
                    text.unwrap_or_default()
                )),
                Err(RpcError::Indeterminate(why)) => Err(why),
            };
            (client, outcome)
        }));
    }
    let mut clients = Vec::new();
    let mut result = Ok(());
    for p in pending {
        if let Ok((client, outcome)) = p.await {
            clients.push(client);
            if result.is_ok() {
                result = outcome;
            }
        }
    }
    (clients, result)
}

/// The verdict line of results.md §5.
pub fn verdict_line(valid: &edn::Value) -> &'static str {
    match valid {
        edn::Value::Bool(true) => "Everything looks good! ヽ(‘ー`)ノ",
        edn::Value::Bool(false) => "Analysis invalid! (ﾉಥ益ಥ）ﾉ ┻━┻",
        _ => "Errors occurred during analysis, but no anomalies found. ಠ~ಠ",
    }
}

fn check_options(opts: &TestOptions) -> checker::CheckOptions {
    checker::CheckOptions {
        workload: opts.workload.clone(),
        availability: opts.availability,
        consistency_models: opts.consistency_models.clone(),
    }
}

/// Write `results.edn`, print it with the verdict, and give the exit code.
fn report(store: &RunStore, console: &Console, results: &edn::Value) -> i32 {
    console.info(RUNNER, "jepsen.core", "Analysis complete");
    match store.write_results(results) {
        Ok(path) => console.info("jepsen results", "jepsen.store", &format!("Wrote {path}")),
        Err(e) => console.warn("jepsen results", "jepsen.store", &e.to_string()),
    }
    let valid = results
        .get_kw("valid?")
        .cloned()
        .unwrap_or(edn::Value::kw("unknown"));
    let mut text = edn::to_pretty(results).trim_end().to_string();
    if let Some(error) = results.get_kw("error") {
        text.push_str(&format!("\n\n{error}"));
    }
    text.push_str("\n\n\n");
    text.push_str(verdict_line(&valid));
    console.info(RUNNER, "jepsen.core", &text);
    match valid {
        edn::Value::Bool(true) => 0,
        edn::Value::Bool(false) => 1,
        _ => 2,
    }
}
