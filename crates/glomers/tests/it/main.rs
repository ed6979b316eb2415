//! The crate's integration tests, one binary (linking the workspace once instead of once per file).

mod architecture;
mod cli;
mod console_phrases;
mod explain;
mod fake_maelstrom;
mod project;
mod taskfile;
