//! Judging a history while it is being written.
//!
//! A broadcast or g-set read returns every element seen so far, so a run's
//! history grows with the square of its length. [`Incremental`] feeds each
//! op to the set-full fold as it arrives and then keeps only what the
//! checkers still need: every op, but reads without their values unless the
//! result will show them. Other workloads' histories grow linearly and are
//! kept whole. The result equals [`crate::analyze`] on the full history.

use edn::Value;

use crate::CheckOptions;
use crate::history::{Op, OpType};
use crate::workloads::{self, set_full};

/// A history under construction and the checker state that goes with it.
pub struct Incremental {
    options: CheckOptions,
    ops: Vec<Op>,
    set_fold: Option<set_full::Fold>,
    client_invocations: u64,
}

impl Incremental {
    pub fn new(options: CheckOptions) -> Incremental {
        let set_fold = set_full::add_f(&options.workload).map(set_full::Fold::new);
        Incremental {
            options,
            ops: Vec::new(),
            set_fold,
            client_invocations: 0,
        }
    }

    /// Appends the next op, in history order.
    pub fn push(&mut self, op: Op) {
        if op.kind == OpType::Invoke && op.is_client() {
            self.client_invocations += 1;
        }
        self.ops.push(op);
        if let Some(fold) = self.set_fold.as_mut() {
            let pos = self.ops.len() - 1;
            if !fold.observe(&self.ops, pos) {
                self.ops[pos].value = Value::Nil;
            }
        }
    }

    /// Client invocations so far (the denominator of msgs-per-op).
    pub fn client_invocations(&self) -> u64 {
        self.client_invocations
    }

    /// The `results.edn` map, as [`crate::analyze`] gives it.
    pub fn finish(self, net: Value) -> Value {
        let workload = match &self.set_fold {
            Some(fold) => fold.finish(&self.ops),
            None => workloads::check(&self.ops, &self.options),
        };
        crate::assemble(&self.ops, &self.options, net, workload)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::Process;

    fn op(index: u64, kind: OpType, f: &str, value: Value) -> Op {
        Op {
            index,
            time: index * 1_000_000,
            kind,
            process: Process::Client(index % 2),
            f: f.to_string(),
            value,
            extra: Vec::new(),
        }
    }

    fn read_of(elements: &[i64]) -> Value {
        Value::Vector(elements.iter().map(|&e| Value::Int(e)).collect())
    }

    #[test]
    fn set_reads_keep_their_values_only_when_they_reveal_an_element() {
        let mut history = Incremental::new(CheckOptions::new("broadcast"));
        // Process 0 broadcasts 7 and hears back only after process 1's first
        // read has already returned it: that read is where 7 became known.
        for next in [
            op(0, OpType::Invoke, "broadcast", Value::Int(7)),
            op(1, OpType::Invoke, "read", Value::Nil),
            op(3, OpType::Ok, "read", read_of(&[7])),
            op(4, OpType::Ok, "broadcast", Value::Int(7)),
            op(5, OpType::Invoke, "read", Value::Nil),
            op(7, OpType::Ok, "read", read_of(&[7])),
        ] {
            history.push(next);
        }
        let values: Vec<&Value> = history.ops.iter().map(|o| &o.value).collect();
        assert_eq!(values[2], &read_of(&[7]), "the revealing read is kept");
        assert_eq!(values[5], &Value::Nil, "a later read is dropped");
        assert_eq!(values[3], &Value::Int(7), "adds are kept");
        assert_eq!(history.client_invocations(), 3);
    }

    #[test]
    fn other_workloads_keep_every_value() {
        let mut history = Incremental::new(CheckOptions::new("g-counter"));
        history.push(op(0, OpType::Invoke, "read", Value::Nil));
        history.push(op(1, OpType::Ok, "read", Value::Int(3)));
        assert_eq!(history.ops[1].value, Value::Int(3));
    }
}
