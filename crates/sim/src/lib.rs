//! An embedded, JVM-free simulator that is command-line and output compatible
//! with `maelstrom test` for the workloads the Gossip Glomers challenges use.
//!
//! It runs node binaries as subprocesses, routes their JSON messages through a
//! simulated network (latency, partitions, services), drives client workloads,
//! records a Jepsen-style history, checks it, and writes Maelstrom's `store/`
//! layout and `results.edn`. It is not a general Jepsen: only Maelstrom's
//! network model and the workloads listed in `workloads` exist.

pub mod history;
