//! The crate's integration tests, one binary (linking the workspace once instead of once per file).

mod fixtures;
mod roundtrip;
