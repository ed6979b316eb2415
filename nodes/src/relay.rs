//! Sending [`Links`] batches over the network: the "flush what is due and
//! send it to the peers" step that every replicating node repeats.
//!
//! [`crate::link`] decides what each peer is owed and knows nothing of the
//! network; this module hands its batches to [`Net`] wrapped in the node's
//! own message type, so binaries only choose *when* to flush and *what*.
//! [`serve_broadcast_client`] is the client side the broadcast nodes share.

use std::collections::BTreeSet;

use serde::Serialize;
use tokio::time::Instant;

use crate::link::{Batch, Links};
use crate::message::Message;
use crate::net::Net;
use crate::protocol::Broadcast;

/// Which batches a flush sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Due {
    /// Only values never sent before.
    New,
    /// Only retransmissions and acknowledgements that are overdue.
    Overdue,
    /// Both, one batch per peer.
    All,
}

impl<T: Clone> Links<T> {
    /// Queues `value` for each of `peers`.
    pub fn push_to<'a>(&mut self, peers: impl IntoIterator<Item = &'a String>, value: T) {
        for peer in peers {
            self.push(peer, value.clone());
        }
    }

    /// Sends the `due` batches to their peers, each wrapped by `wrap` into
    /// the node's message.
    pub fn send<P: Serialize>(&mut self, net: &Net, due: Due, wrap: impl Fn(Batch<T>) -> P) {
        let now = Instant::now();
        let batches = match due {
            Due::New => self.flush_new(now),
            Due::Overdue => self.flush_overdue(now),
            Due::All => self.flush(now),
        };
        for (peer, batch) in batches {
            net.send(&peer, wrap(batch));
        }
    }
}

/// Answers a broadcast client's `request` (`body` is its payload) from the
/// values the node `known`s: reads get them all, the topology is
/// acknowledged (the broadcast nodes choose their own), and a `broadcast` is
/// acknowledged at once and its value returned for the node to spread.
pub fn serve_broadcast_client<P>(
    net: &Net,
    request: &Message<P>,
    body: &Broadcast,
    known: &BTreeSet<u64>,
) -> Option<u64> {
    match body {
        Broadcast::Broadcast { message } => {
            net.reply(request, Broadcast::BroadcastOk);
            return Some(*message);
        }
        Broadcast::Read => {
            let messages = known.iter().copied().collect();
            net.reply(request, Broadcast::ReadOk { messages });
        }
        Broadcast::Topology { .. } => net.reply(request, Broadcast::TopologyOk),
        Broadcast::BroadcastOk | Broadcast::ReadOk { .. } | Broadcast::TopologyOk => {}
    }
    None
}
