//! The crate's integration tests, one binary (linking the workspace once instead of once per file).

mod fidelity;
mod fixture;
mod history_files;
mod kafka_fixtures;
mod kafka_planted;
mod robustness;
mod txn_fixtures;
mod txn_planted;
