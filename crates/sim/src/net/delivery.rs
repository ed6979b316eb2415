//! One destination's delivery: a deadline-ordered queue and the OS thread
//! that serves it as Maelstrom's worker does (network.md §2.2).
//!
//! The worker is a thread, not a tokio task, because its timing is part of
//! the model: Maelstrom's worker sleeps `(long dt)` ms on the JVM's
//! sub-millisecond timer, so a message arrives up to a millisecond *before*
//! its deadline, never after it by more than the wake-up. tokio's timer
//! rounds every deadline up to its next 1 ms tick, which made each hop about
//! a millisecond late instead (docs/fidelity.md has both measurements).
//!
//! A message that an idle worker would deliver at once (due within the
//! millisecond, nothing queued) is handed over by its sender instead, so
//! latency-0 traffic costs no thread wake-up.

use std::collections::BinaryHeap;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::mpsc;

use super::{Message, Net};

/// A queued message and when it may be delivered.
#[derive(Debug)]
pub(super) struct Pending {
    pub(super) deadline: Instant,
    pub(super) message: Message,
}

impl PartialEq for Pending {
    fn eq(&self, other: &Self) -> bool {
        self.deadline == other.deadline && self.message.id == other.message.id
    }
}
impl Eq for Pending {}
impl PartialOrd for Pending {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Pending {
    /// Reversed so that `BinaryHeap` pops the earliest deadline (ties: lowest id).
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (other.deadline, other.message.id).cmp(&(self.deadline, self.message.id))
    }
}

/// One destination's deadline-ordered queue, closed when the destination is
/// removed so that its worker stops.
pub(super) struct DeliveryQueue {
    dest: String,
    deliver: mpsc::UnboundedSender<Message>,
    state: Mutex<QueueState>,
    /// Signalled when a push ends an empty queue, and on close.
    ready: Condvar,
    /// Signalled on close only, so a sleeping worker is not woken by pushes.
    closing: Condvar,
}

#[derive(Debug, Default)]
struct QueueState {
    heap: BinaryHeap<Pending>,
    closed: bool,
    /// The worker waits on an empty queue (not sleeping, not delivering).
    idle: bool,
}

impl DeliveryQueue {
    pub(super) fn push(&self, net: &Net, pending: Pending) {
        let mut state = self.state.lock().expect("queue lock");
        // An idle worker would take a message due within the millisecond at
        // once and deliver it without sleeping; doing that here, under the
        // lock, is the same delivery without waking its thread.
        if state.idle
            && !state.closed
            && state.heap.is_empty()
            && pending.deadline.saturating_duration_since(Instant::now()) < Duration::from_millis(1)
        {
            if !self.cut(net, &pending.message) {
                self.hand_over(net, pending.message);
            }
            return;
        }
        // The worker waits for pushes only on an empty queue.
        let was_empty = state.heap.is_empty();
        state.heap.push(pending);
        drop(state);
        if was_empty {
            self.ready.notify_one();
        }
    }

    /// The earliest message, waiting for one; `None` once closed.
    fn pop(&self) -> Option<Pending> {
        let mut state = self.state.lock().expect("queue lock");
        loop {
            if state.closed {
                return None;
            }
            if let Some(p) = state.heap.pop() {
                state.idle = false;
                return Some(p);
            }
            state.idle = true;
            state = self.ready.wait(state).expect("queue lock");
        }
    }

    /// Sleep for `time` unless the queue closes first; false if it closed.
    /// Like Maelstrom's worker, it does not look at the queue meanwhile.
    fn sleep(&self, time: Duration) -> bool {
        let until = Instant::now() + time;
        let mut state = self.state.lock().expect("queue lock");
        loop {
            let now = Instant::now();
            if state.closed || now >= until {
                return !state.closed;
            }
            state = self
                .closing
                .wait_timeout(state, until - now)
                .expect("queue lock")
                .0;
        }
    }

    pub(super) fn close(&self) {
        self.state.lock().expect("queue lock").closed = true;
        self.ready.notify_all();
        self.closing.notify_all();
    }

    /// Whether the destination holds a grudge against the source now; a
    /// dropped message is journaled as such (network.md §2.2: decided at removal).
    fn cut(&self, net: &Net, message: &Message) -> bool {
        let cut = net.drops(&self.dest, &message.src);
        if cut && let Some(log) = net.net_log.get() {
            log.dropped(message.id);
        }
        cut
    }

    fn hand_over(&self, net: &Net, message: Message) {
        net.note_recv(&message);
        // A dead node's stdin is gone; the message still counts as received, as in Maelstrom.
        let _ = self.deliver.send(message);
    }
}

/// Start `dest`'s worker; it feeds `deliver` until the returned queue is closed.
pub(super) fn start(
    net: Arc<Net>,
    dest: &str,
    deliver: mpsc::UnboundedSender<Message>,
) -> Arc<DeliveryQueue> {
    let queue = Arc::new(DeliveryQueue {
        dest: dest.to_string(),
        deliver,
        state: Mutex::default(),
        ready: Condvar::new(),
        closing: Condvar::new(),
    });
    let worker_queue = Arc::clone(&queue);
    std::thread::Builder::new()
        .name(format!("deliver {dest}"))
        .spawn(move || delivery_loop(&net, &worker_queue))
        .expect("the delivery thread starts");
    queue
}

/// Maelstrom's delivery worker (network.md §2.2): take the earliest message,
/// drop it if the link is cut *now*, sleep the whole milliseconds left to its
/// deadline (the JVM worker's `(Thread/sleep (long dt))`), deliver.
fn delivery_loop(net: &Net, queue: &DeliveryQueue) {
    while let Some(Pending { deadline, message }) = queue.pop() {
        if queue.cut(net, &message) {
            continue;
        }
        let left = deadline.saturating_duration_since(Instant::now());
        let whole_ms = Duration::from_millis(left.as_millis() as u64);
        if !whole_ms.is_zero() && !queue.sleep(whole_ms) {
            return;
        }
        queue.hand_over(net, message);
    }
}
