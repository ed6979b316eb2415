//! echo: `{"type":"echo","echo":"Please echo N"}` → `echo_ok` carrying the same
//! payload; the `:ok` value is the whole reply body (workloads.md §2).

use edn::Value;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde_json::json;

use super::{Completion, Errors, OpSpec, Session, failed};
use crate::clients::{Field, json_to_edn};

pub fn next_op(rng: &mut ChaCha8Rng) -> OpSpec {
    OpSpec::new(
        "echo",
        Value::Str(format!("Please echo {}", rng.random_range(0..128))),
    )
}

pub async fn invoke(session: &mut Session, op: &OpSpec) -> Completion {
    let payload = op.value.as_str().unwrap_or_default().to_string();
    let request = json!({"type": "echo", "echo": payload});
    match session
        .call(request, "echo_ok", &[("echo", Field::Any)])
        .await
    {
        Ok(reply) => Completion::ok(json_to_edn(&reply, true)),
        Err(e) => failed(
            op.value.clone(),
            e,
            Errors::Translated { idempotent: false },
        ),
    }
}
