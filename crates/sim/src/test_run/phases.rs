//! The client side of a run: worker threads, the main phase's global rate
//! stagger and time limit, and the final phase (workloads.md §1.2–§1.3).
//!
//! Workers never talk to nodes directly; they go through `workloads::invoke`.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use checker::history::{OpType, Process};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::clients::ClientFactory;
use crate::history::Recorder;
use crate::workloads::{self, Completion, Generator, Kind, OpSpec, Session, kafka};

/// Everything client workers share.
pub struct Ctx {
    pub kind: Kind,
    pub concurrency: u64,
    pub clients: Arc<ClientFactory>,
    pub history: Arc<Recorder>,
    pub kafka: Arc<kafka::Shared>,
}

/// One client thread: its process number, its node and (lazily) its client.
pub struct Worker {
    pub thread: usize,
    pub process: u64,
    pub node: String,
    pub session: Option<Session>,
}

/// Record `op`'s invocation on `worker`.
fn record_invoke(ctx: &Ctx, worker: &Worker, op: &OpSpec) {
    ctx.history.record(
        &format!("jepsen worker {}", worker.thread),
        Process::Client(worker.process),
        OpType::Invoke,
        &op.f,
        op.value.clone(),
        op.extra.clone(),
    );
}

/// Record, run and complete one op on `worker`.
async fn run_op(ctx: &Ctx, worker: &mut Worker, op: OpSpec) -> Completion {
    record_invoke(ctx, worker, &op);
    complete_op(ctx, worker, op).await
}

/// Run an invoked op and record its completion; replaces the client after
/// `:info` when the workload's clients are not reusable.
async fn complete_op(ctx: &Ctx, worker: &mut Worker, op: OpSpec) -> Completion {
    let thread = format!("jepsen worker {}", worker.thread);
    let session = worker.session.get_or_insert_with(|| Session {
        client: ctx.clients.open(),
        node: worker.node.clone(),
        kafka_offsets: BTreeMap::new(),
    });
    let completion = workloads::invoke(ctx.kind, session, &op, &ctx.kafka).await;
    let mut extra = op.extra.clone();
    extra.extend(completion.extra.iter().cloned());
    ctx.history.record(
        &thread,
        Process::Client(worker.process),
        completion.kind,
        &op.f,
        completion.value.clone(),
        extra,
    );
    if completion.kind == OpType::Info {
        worker.process += ctx.concurrency;
        if !ctx.kind.reusable_clients()
            && let Some(s) = worker.session.take()
        {
            s.client.close();
        }
    }
    completion
}

/// Release ops at `U[0, 2/rate)` intervals to free workers until `end`, then
/// wait for every op in flight.
pub async fn main_phase(
    ctx: Arc<Ctx>,
    workers: Vec<Worker>,
    mut generator: Generator,
    mut rng: ChaCha8Rng,
    rate: f64,
    end: Instant,
) -> Vec<Worker> {
    let total = workers.len();
    let mut free: VecDeque<Worker> = workers.into();
    let (done_tx, mut done_rx) = mpsc::unbounded_channel::<Worker>();
    if rate <= 0.0 || total == 0 {
        tokio::time::sleep_until(end).await;
        return free.into();
    }
    let mut next = Instant::now();
    loop {
        tokio::time::sleep_until(next).await;
        let mut now = Instant::now();
        if now >= end {
            break;
        }
        while let Ok(w) = done_rx.try_recv() {
            free.push_back(w);
        }
        let worker = match free.pop_front() {
            Some(w) => w,
            None => tokio::select! {
                w = done_rx.recv() => w.expect("the phase holds a sender"),
                _ = tokio::time::sleep_until(end) => break,
            },
        };
        now = Instant::now();
        if now >= end {
            free.push_back(worker);
            break;
        }
        let op = generator.next_op(&mut rng);
        // Stamped here, in release order, before the op's task runs: Jepsen's
        // interpreter records an invocation and then hands it to its worker.
        record_invoke(&ctx, &worker, &op);
        let (ctx, done) = (Arc::clone(&ctx), done_tx.clone());
        tokio::spawn(async move {
            let mut worker = worker;
            complete_op(&ctx, &mut worker, op).await;
            let _ = done.send(worker);
        });
        // Scheduled times accumulate so that timer granularity does not lower the rate;
        // after a long stall (no free worker) the schedule restarts from now instead of bursting.
        next += Duration::from_secs_f64(rng.random_range(0.0..2.0 / rate));
        if next + Duration::from_secs(1) < now {
            next = now;
        }
    }
    while free.len() < total {
        free.push_back(done_rx.recv().await.expect("the phase holds a sender"));
    }
    let mut workers: Vec<Worker> = free.into();
    workers.sort_by_key(|w| w.thread);
    workers
}

/// Each client thread runs the workload's final ops once (kafka: crash,
/// assign from 0, poll until caught up, within 10 s).
pub async fn final_phase(ctx: Arc<Ctx>, workers: Vec<Worker>, mut rng: ChaCha8Rng) -> Vec<Worker> {
    let started = Instant::now();
    let mut tasks = Vec::new();
    for mut worker in workers {
        let ctx = Arc::clone(&ctx);
        let mut rng = ChaCha8Rng::seed_from_u64(rng.random());
        tasks.push(tokio::spawn(async move {
            if ctx.kind == Kind::Kafka {
                kafka_final(&ctx, &mut worker, &mut rng, started).await;
            } else {
                for op in workloads::final_ops(ctx.kind) {
                    run_op(&ctx, &mut worker, op).await;
                }
            }
            worker
        }));
    }
    let mut out = Vec::new();
    for t in tasks {
        if let Ok(w) = t.await {
            out.push(w);
        }
    }
    out
}

async fn kafka_final(ctx: &Ctx, worker: &mut Worker, rng: &mut ChaCha8Rng, started: Instant) {
    run_op(ctx, worker, OpSpec::new("crash", edn::Value::Nil)).await;
    run_op(ctx, worker, kafka::final_assign(&ctx.kafka)).await;
    let targets = ctx.kafka.targets();
    let mut polled = BTreeMap::new();
    while !kafka::caught_up(&targets, &polled) && started.elapsed() < kafka::FINAL_PHASE_CAP {
        let done = run_op(ctx, worker, kafka::final_poll()).await;
        if done.kind == OpType::Ok {
            kafka::note_polled(&done, &mut polled);
        }
        tokio::time::sleep(Duration::from_secs_f64(rng.random_range(0.0..0.4))).await;
    }
}
