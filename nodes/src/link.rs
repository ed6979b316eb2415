//! Reliable, batched, cheaply acknowledged streams of values between nodes.
//!
//! [`Links`] keeps one outgoing stream per peer. Values pushed for a peer get
//! consecutive sequence numbers and travel in [`Batch`]es; every batch also
//! carries the cumulative acknowledgement of the reverse stream, so in steady
//! traffic acknowledgements cost no extra message. A standalone (empty) batch
//! is sent only when an acknowledgement has been owed for `ack_delay`, and
//! unacknowledged values are resent after `retry`, which is what carries the
//! streams across partitions. Links decide *what* to send; the node decides
//! *when* (on a tick, immediately, ...) and wraps batches in its own message
//! type. Receivers get every value of a batch, possibly again after a
//! retransmission, so they must treat values idempotently.

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::time::Instant;

/// Values `start..start + values.len()` of one stream, plus the sender's
/// acknowledgement of the opposite stream (count of values received in order).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Batch<T> {
    pub start: u64,
    pub values: Vec<T>,
    pub ack: u64,
}

/// The broadcast nodes' one peer message: a batch of the values a node
/// learned, on the `gossip` link to one neighbour.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Gossip<T> {
    Gossip(Batch<T>),
}

/// Timing of acknowledgements and retransmissions.
#[derive(Debug, Clone, Copy)]
pub struct LinkTimings {
    /// How long an acknowledgement may wait for a batch to ride on.
    pub ack_delay: Duration,
    /// How long unacknowledged values wait before being resent.
    pub retry: Duration,
}

/// All streams of one node.
#[derive(Debug)]
pub struct Links<T> {
    timings: LinkTimings,
    outgoing: HashMap<String, Outgoing<T>>,
    incoming: HashMap<String, Incoming>,
}

#[derive(Debug)]
struct Outgoing<T> {
    /// Sequence number of `unacked[0]`: everything before it was acknowledged.
    acked: u64,
    unacked: VecDeque<T>,
    /// Sequence number of the first value never sent.
    sent: u64,
    /// When to resend, while something sent is unacknowledged.
    retry_at: Option<Instant>,
}

#[derive(Debug, Default)]
struct Incoming {
    /// Count of values received without gaps.
    received: u64,
    /// Value of `received` last reported to the peer.
    reported: u64,
    /// Since when an acknowledgement is owed.
    owed_since: Option<Instant>,
}

impl<T> Default for Outgoing<T> {
    fn default() -> Self {
        Outgoing {
            acked: 0,
            unacked: VecDeque::new(),
            sent: 0,
            retry_at: None,
        }
    }
}

impl<T: Clone> Links<T> {
    pub fn new(timings: LinkTimings) -> Self {
        Links {
            timings,
            outgoing: HashMap::new(),
            incoming: HashMap::new(),
        }
    }

    /// Queues `value` for `peer`.
    pub fn push(&mut self, peer: &str, value: T) {
        self.outgoing
            .entry(peer.to_owned())
            .or_default()
            .unacked
            .push_back(value);
    }

    /// True if some value for `peer` was never sent.
    pub fn has_new(&self, peer: &str) -> bool {
        self.outgoing
            .get(peer)
            .is_some_and(|out| out.sent < out.acked + out.unacked.len() as u64)
    }

    /// Count of values queued for `peer` and not yet acknowledged.
    pub fn unacked(&self, peer: &str) -> usize {
        self.outgoing.get(peer).map_or(0, |out| out.unacked.len())
    }

    /// Batches of never-sent values, one per peer that has some.
    pub fn flush_new(&mut self, now: Instant) -> Vec<(String, Batch<T>)> {
        let peers: Vec<String> = self
            .outgoing
            .keys()
            .filter(|peer| self.has_new(peer))
            .cloned()
            .collect();
        peers
            .into_iter()
            .map(|peer| {
                let batch = self.batch(&peer, now, false);
                (peer, batch)
            })
            .collect()
    }

    /// Batches that are overdue: retransmissions of everything unacknowledged
    /// whose retry time passed, and standalone acknowledgements owed for
    /// longer than the ack delay.
    pub fn flush_overdue(&mut self, now: Instant) -> Vec<(String, Batch<T>)> {
        let mut peers: Vec<String> = self
            .outgoing
            .iter()
            .filter(|(_, out)| out.retry_at.is_some_and(|at| at <= now))
            .map(|(peer, _)| peer.clone())
            .collect();
        for (peer, inc) in &self.incoming {
            let owed = inc
                .owed_since
                .is_some_and(|since| since + self.timings.ack_delay <= now);
            if owed && !peers.contains(peer) {
                peers.push(peer.clone());
            }
        }
        peers
            .into_iter()
            .map(|peer| {
                let retry = self
                    .outgoing
                    .get(&peer)
                    .is_some_and(|out| out.retry_at.is_some_and(|at| at <= now));
                let batch = self.batch(&peer, now, retry);
                (peer, batch)
            })
            .collect()
    }

    /// Both [`Links::flush_new`] and [`Links::flush_overdue`], one batch per peer.
    pub fn flush(&mut self, now: Instant) -> Vec<(String, Batch<T>)> {
        // Overdue batches already include every never-sent value of their peer.
        let mut batches = self.flush_overdue(now);
        batches.extend(self.flush_new(now));
        batches
    }

    /// Takes in a batch from `peer`; returns its values (new or repeated).
    pub fn receive(&mut self, peer: &str, batch: Batch<T>, now: Instant) -> Vec<T> {
        if let Some(out) = self.outgoing.get_mut(peer) {
            out.acknowledge(batch.ack, now, self.timings.retry);
        }
        let inc = self.incoming.entry(peer.to_owned()).or_default();
        let end = batch.start + batch.values.len() as u64;
        if batch.start <= inc.received && end > inc.received {
            inc.received = end;
        }
        if inc.received > inc.reported && inc.owed_since.is_none() {
            inc.owed_since = Some(now);
        }
        batch.values
    }

    fn batch(&mut self, peer: &str, now: Instant, from_acked: bool) -> Batch<T> {
        let ack = match self.incoming.get_mut(peer) {
            Some(inc) => {
                inc.reported = inc.received;
                inc.owed_since = None;
                inc.received
            }
            None => 0,
        };
        let out = self.outgoing.entry(peer.to_owned()).or_default();
        let start = if from_acked { out.acked } else { out.sent };
        let skip = (start - out.acked) as usize;
        let values: Vec<T> = out.unacked.iter().skip(skip).cloned().collect();
        out.sent = out.acked + out.unacked.len() as u64;
        if !out.unacked.is_empty() && (from_acked || out.retry_at.is_none()) {
            out.retry_at = Some(now + self.timings.retry);
        }
        Batch { start, values, ack }
    }
}

impl<T> Outgoing<T> {
    fn acknowledge(&mut self, ack: u64, now: Instant, retry: Duration) {
        if ack <= self.acked {
            return;
        }
        let ack = ack.min(self.sent);
        for _ in self.acked..ack {
            self.unacked.pop_front();
        }
        self.acked = ack;
        // Progress: give the remaining values a full retry period again.
        self.retry_at = (self.sent > self.acked).then(|| now + retry);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn links() -> Links<u32> {
        Links::new(LinkTimings {
            ack_delay: Duration::from_millis(100),
            retry: Duration::from_millis(500),
        })
    }

    #[test]
    fn acks_ride_on_reverse_batches() {
        let now = Instant::now();
        let (mut a, mut b) = (links(), links());
        a.push("b", 1);
        a.push("b", 2);
        let sent = a.flush_new(now);
        assert_eq!(
            sent,
            vec![(
                "b".to_owned(),
                Batch {
                    start: 0,
                    values: vec![1, 2],
                    ack: 0
                }
            )]
        );
        assert_eq!(b.receive("a", sent[0].1.clone(), now), vec![1, 2]);
        b.push("a", 9);
        let (_, reply) = b.flush_new(now).pop().unwrap();
        assert_eq!(reply.ack, 2);
        a.receive("b", reply, now);
        assert_eq!(a.unacked("b"), 0);
        // Nothing owed and nothing overdue afterwards.
        assert!(
            a.flush_overdue(now + Duration::from_secs(5))
                .iter()
                .all(|(_, b)| b.values.is_empty())
        );
    }

    #[test]
    fn a_lost_batch_is_resent_after_the_retry_period() {
        let now = Instant::now();
        let (mut a, mut b) = (links(), links());
        a.push("b", 1);
        let _lost = a.flush_new(now);
        a.push("b", 2);
        let second = a.flush_new(now).pop().unwrap().1;
        assert_eq!(second.start, 1);
        b.receive("a", second, now);
        assert!(a.flush_overdue(now + Duration::from_millis(400)).is_empty());
        let (_, retry) = a
            .flush_overdue(now + Duration::from_millis(500))
            .pop()
            .unwrap();
        assert_eq!((retry.start, retry.values.clone()), (0, vec![1, 2]));
        b.receive("a", retry, now);
        // b owes an ack after the delay, as a standalone empty batch.
        let (peer, ack) = b
            .flush_overdue(now + Duration::from_millis(100))
            .pop()
            .unwrap();
        assert_eq!((peer.as_str(), ack.values.len(), ack.ack), ("a", 0, 2));
    }

    #[test]
    fn a_retransmission_also_carries_new_values() {
        let now = Instant::now();
        let mut a = links();
        a.push("b", 1);
        a.flush_new(now);
        a.push("b", 2);
        let batches = a.flush(now + Duration::from_secs(1));
        assert_eq!(
            batches,
            vec![(
                "b".to_owned(),
                Batch {
                    start: 0,
                    values: vec![1, 2],
                    ack: 0
                }
            )]
        );
    }
}
