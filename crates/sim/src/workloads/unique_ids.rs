//! unique-ids: `generate` → `generate_ok` with any JSON `id`; the `:ok` value
//! is the id (workloads.md §3).

use serde_json::json;

use super::{Completion, Errors, OpSpec, Session, failed};
use crate::clients::{Field, json_to_edn};

pub async fn invoke(session: &mut Session, op: &OpSpec) -> Completion {
    match session
        .call(
            json!({"type": "generate"}),
            "generate_ok",
            &[("id", Field::Any)],
        )
        .await
    {
        Ok(reply) => Completion::ok(json_to_edn(&reply["id"], true)),
        Err(e) => failed(
            op.value.clone(),
            e,
            Errors::Translated { idempotent: false },
        ),
    }
}
