//! A small EDN reader and printer for the files Maelstrom and Jepsen write.
//!
//! `edn` reads `results.edn` and `history.edn` (one value per line) into a
//! plain [`Value`] tree and prints values back in the pretty, ~70-column layout
//! Jepsen uses, so the simulator can write files that real-Maelstrom tooling
//! and our own parser read alike. It is not a general Clojure reader: no
//! metadata, no reader conditionals, no evaluation.
//!
//! ```
//! let results = edn::parse("{:net {:all {:msgs-per-op 2.0769231}}, :valid? true}").unwrap();
//! assert_eq!(results.path(&["net", "all", "msgs-per-op"]).and_then(edn::Value::as_f64), Some(2.0769231));
//! assert_eq!(results.get_kw("valid?"), Some(&edn::Value::Bool(true)));
//! ```
//!
//! Layout:
//! - `value`: the [`Value`] tree and lookup helpers (`get`, `get_kw`, `path`, `as_*`).
//! - `parse`: recursive-descent reader with line/column/byte-offset errors and a depth limit.
//! - `print`: compact (`Display`) and pretty ([`to_pretty`]) printers.

mod parse;
mod print;
mod value;

pub use parse::{Error, ErrorKind, MAX_DEPTH, parse, parse_all, parse_bytes};
pub use print::to_pretty;
pub use value::Value;
