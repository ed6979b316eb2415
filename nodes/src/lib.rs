//! A small async runtime for Maelstrom nodes, and the glomers challenge
//! solutions built on it (the binaries under `src/bin/`).
//!
//! A binary defines its state and the messages its nodes exchange among
//! themselves (the workload's client messages are in [`protocol`]),
//! implements [`Node`], and calls [`run`]. The runtime owns the protocol
//! plumbing: `init`, message ids, replies, RPCs with timeouts, tickers,
//! one stdout writer, logging to stderr, and skipping bad input. It is not a
//! simulator: [`testkit`] only wires a few nodes together for unit tests.
//!
//! ```no_run
//! use nodes::protocol::Echo as Payload;
//! use nodes::{Ctx, Event, Node};
//!
//! struct Echo;
//! impl Node for Echo {
//!     type Payload = Payload;
//!     type Internal = ();
//!     fn init(_: &Ctx<()>) -> anyhow::Result<Self> { Ok(Echo) }
//!     fn handle(&mut self, ctx: &Ctx<()>, event: Event<Payload, ()>) {
//!         if let Event::Message(msg) = event {
//!             if let Payload::Echo { echo } = &msg.body.payload {
//!                 ctx.reply(&msg, Payload::EchoOk { echo: echo.clone() });
//!             }
//!         }
//!     }
//! }
//! fn main() -> anyhow::Result<()> { Ok(nodes::run::<Echo>()?) }
//! ```
//!
//! # Layout
//!
//! - [`message`]: the JSON envelope, bodies, error codes.
//! - [`net`]: `send`, `reply`, `rpc` through a single output channel.
//! - [`node`]: the [`Node`] trait, [`Event`]s and the [`Ctx`] with tickers.
//! - [`runtime`]: the event loop over input lines, `init`, stdin/stdout.
//! - [`knob`]: tuning knobs from environment variables.
//! - [`kv`]: clients for `lin-kv`/`seq-kv`/`lww-kv` and `lin-tso`.
//! - [`link`]: reliable batched streams with piggybacked acknowledgements.
//! - [`relay`]: sending those streams' batches to peers.
//! - [`protocol`]: the workloads' client messages, one enum per workload.
//! - [`testkit`]: an in-process cluster for tests.

pub mod knob;
pub mod kv;
pub mod link;
pub mod message;
pub mod net;
pub mod node;
pub mod protocol;
pub mod relay;
pub mod runtime;
pub mod testkit;

pub use message::{Body, ErrorCode, ErrorReply, Message};
pub use net::{Net, RpcError};
pub use node::{Ctx, Event, Node};
pub use runtime::{run, serve};
