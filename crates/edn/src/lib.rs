//! A small EDN reader and printer for the files Maelstrom and Jepsen write.
//!
//! `edn` reads `results.edn` and `history.edn` (one value per line) into a
//! plain [`Value`] tree and prints values back in the pretty, ~70-column layout
//! Jepsen uses, so the simulator can write files that real-Maelstrom tooling
//! and our own parser read alike. It is not a general Clojure reader: no
//! metadata, no reader conditionals, no evaluation.
//!
//! Layout:
//! - `value`: the [`Value`] tree and lookup helpers (`get`, `get_kw`, `path`).
//! - `parse`: recursive-descent reader with line/column/byte-offset errors and a depth limit.
//! - `print`: compact and pretty printers.

mod value;
pub use value::Value;
