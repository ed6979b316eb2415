//! g-counter and pn-counter: `add` a delta / `read` an integer. pn-counter
//! deltas are uniform in −5..4; g-counter drops the negative ones, so its
//! deltas are 0..4 and a third of its ops are adds (workloads.md §6).

use edn::Value;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde_json::json;

use super::{Completion, Errors, OpSpec, Session, failed};
use crate::clients::Field;

pub struct Generator {
    pub grow_only: bool,
}

impl Generator {
    pub fn next_op(&mut self, rng: &mut ChaCha8Rng) -> OpSpec {
        loop {
            if rng.random_bool(0.5) {
                return OpSpec::new("read", Value::Nil);
            }
            let delta: i64 = rng.random_range(-5..5);
            if !(self.grow_only && delta < 0) {
                return OpSpec::new("add", Value::Int(delta));
            }
        }
    }
}

pub async fn invoke(session: &mut Session, op: &OpSpec) -> Completion {
    let result = match op.f.as_str() {
        "add" => session
            .call(
                json!({"type": "add", "delta": op.value.as_i64()}),
                "add_ok",
                &[],
            )
            .await
            .map(|_| op.value.clone()),
        _ => session
            .call(json!({"type": "read"}), "read_ok", &[("value", Field::Int)])
            .await
            .map(|reply| {
                reply["value"]
                    .as_i64()
                    .map_or_else(|| Value::BigInt(reply["value"].to_string()), Value::Int)
            }),
    };
    match result {
        Ok(value) => Completion::ok(value),
        Err(e) => failed(op.value.clone(), e, Errors::Thrown),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn g_counter_deltas_are_0_to_4_and_a_third_are_adds() {
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        let mut g = Generator { grow_only: true };
        let ops: Vec<OpSpec> = (0..6000).map(|_| g.next_op(&mut rng)).collect();
        let adds: Vec<i64> = ops
            .iter()
            .filter(|o| o.f == "add")
            .filter_map(|o| o.value.as_i64())
            .collect();
        assert!(adds.iter().all(|d| (0..=4).contains(d)));
        assert!(adds.contains(&0) && adds.contains(&4));
        let share = adds.len() as f64 / ops.len() as f64;
        assert!((0.30..0.37).contains(&share), "add share {share}");
    }
}
