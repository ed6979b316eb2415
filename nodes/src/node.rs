//! The [`Node`] trait a challenge binary implements, and the [`Ctx`] it gets.
//!
//! A node is a state machine: the runtime feeds it [`Event`]s one at a time
//! (messages from the network, or internal events it scheduled itself with
//! tickers or injected from spawned tasks) and the node reacts through
//! [`Ctx`]. Handlers are synchronous; anything that must wait (an RPC to a
//! KV service) is spawned and reports back with [`Ctx::inject`] or replies on
//! its own.

use std::ops::Deref;
use std::sync::OnceLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::time::Instant;

use serde::de::DeserializeOwned;
use tokio::sync::mpsc;

use crate::message::Message;
use crate::net::Net;

/// Something for the node to react to.
#[derive(Debug)]
pub enum Event<P, I> {
    /// A message from a client, a peer or a service that no RPC was waiting for.
    Message(Message<P>),
    /// An event the node scheduled for itself (a tick, an RPC outcome, ...).
    Internal(I),
}

/// A challenge solution.
pub trait Node: Sized + Send + 'static {
    /// The messages this node understands, usually an enum tagged by `type`.
    type Payload: DeserializeOwned + Send + 'static;
    /// The node's own events (ticks, results of spawned tasks); `()` if none.
    type Internal: Send + 'static;

    /// Builds the node once `init` arrived; `ctx` knows the node id and peers.
    fn init(ctx: &Ctx<Self::Internal>) -> anyhow::Result<Self>;

    /// Reacts to one event.
    fn handle(&mut self, ctx: &Ctx<Self::Internal>, event: Event<Self::Payload, Self::Internal>);
}

/// What a node can do: everything [`Net`] offers plus scheduling its own events.
pub struct Ctx<I> {
    net: Net,
    internal: mpsc::UnboundedSender<I>,
}

impl<I> Clone for Ctx<I> {
    fn clone(&self) -> Self {
        Ctx {
            net: self.net.clone(),
            internal: self.internal.clone(),
        }
    }
}

impl<I> Deref for Ctx<I> {
    type Target = Net;

    fn deref(&self) -> &Net {
        &self.net
    }
}

impl<I: Send + 'static> Ctx<I> {
    pub(crate) fn new(net: Net, internal: mpsc::UnboundedSender<I>) -> Self {
        Ctx { net, internal }
    }

    /// The network handle, e.g. to move into a spawned task.
    pub fn net(&self) -> &Net {
        &self.net
    }

    /// Queues an internal event for the node's handler.
    pub fn inject(&self, event: I) {
        // Fails only once the node has stopped, when nobody needs the event.
        let _ = self.internal.send(event);
    }

    /// Delivers `event` once, after `delay`.
    pub fn after(&self, delay: Duration, event: I) {
        let internal = self.internal.clone();
        tokio::spawn(async move {
            tokio::time::sleep(delay).await;
            let _ = internal.send(event);
        });
    }

    /// Delivers `event` every `period`, starting one period from now.
    pub fn every(&self, period: Duration, event: I)
    where
        I: Clone,
    {
        self.spawn_ticker(period, period, event);
    }

    /// Delivers `event` every `period` on boundaries of the wall clock
    /// (multiples of `period` since the Unix epoch), so that all nodes of a
    /// cluster tick at the same moments and one round of messages can ride
    /// on one tick everywhere.
    pub fn every_aligned(&self, period: Duration, event: I)
    where
        I: Clone,
    {
        self.spawn_ticker(
            until_next_boundary(period, wall_clock_nanos()),
            period,
            event,
        );
    }

    fn spawn_ticker(&self, first: Duration, period: Duration, event: I)
    where
        I: Clone,
    {
        let internal = self.internal.clone();
        tokio::spawn(async move {
            let start = Instant::now() + first;
            let mut ticks = tokio::time::interval_at(start, period);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
            loop {
                ticks.tick().await;
                if internal.send(event.clone()).is_err() {
                    break;
                }
            }
        });
    }
}

/// Nanoseconds since the Unix epoch, read from the wall clock once per
/// process and advanced with tokio's clock afterwards, so that nodes sharing a
/// process (and a paused test clock) agree exactly on round boundaries.
fn wall_clock_nanos() -> i128 {
    static ANCHOR: OnceLock<(i128, Instant)> = OnceLock::new();
    let (anchor_nanos, anchor) = *ANCHOR.get_or_init(|| {
        let since_epoch = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        (since_epoch.as_nanos() as i128, Instant::now())
    });
    let now = Instant::now();
    let elapsed = match now.checked_duration_since(anchor) {
        Some(ahead) => ahead.as_nanos() as i128,
        None => -(anchor.duration_since(now).as_nanos() as i128),
    };
    anchor_nanos + elapsed
}

fn until_next_boundary(period: Duration, now_nanos: i128) -> Duration {
    let period_nanos = period.as_nanos().max(1) as i128;
    let wait = period_nanos - now_nanos.rem_euclid(period_nanos);
    Duration::from_nanos(u64::try_from(wait).unwrap_or(u64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aligned_ticks_wait_for_the_next_multiple_of_the_period() {
        let at = |ms: i128| ms * 1_000_000;
        let period = Duration::from_millis(100);
        assert_eq!(
            until_next_boundary(period, at(1_000_030)),
            Duration::from_millis(70)
        );
        assert_eq!(
            until_next_boundary(period, at(1_000_000)),
            Duration::from_millis(100)
        );
    }
}
