//! g-set: `add` an element / `read` the set. Errors are not translated: any
//! error reply or timeout makes the op `:info` (workloads.md §5).

use serde_json::json;

use super::{Completion, Errors, OpSpec, Session, failed};
use crate::clients::{Field, json_to_edn};

pub async fn invoke(session: &mut Session, op: &OpSpec) -> Completion {
    let result = match op.f.as_str() {
        "add" => session
            .call(
                json!({"type": "add", "element": op.value.as_i64()}),
                "add_ok",
                &[],
            )
            .await
            .map(|_| op.value.clone()),
        _ => session
            .call(
                json!({"type": "read"}),
                "read_ok",
                &[("value", Field::Array)],
            )
            .await
            .map(|reply| json_to_edn(&reply["value"], true)),
    };
    match result {
        Ok(value) => Completion::ok(value),
        Err(e) => failed(op.value.clone(), e, Errors::Thrown),
    }
}
