//! Deliberately broken txn (test-only, single node): aborts every fifth
//! transaction with error 30 but keeps its writes, so later transactions read
//! values written by aborted ones (G1a, aborted read).

use std::collections::HashMap;

use nodes::protocol::Txn as Payload;
use nodes::{Ctx, ErrorCode, ErrorReply, Event, Node};

#[derive(Default)]
struct DirtyStore {
    store: HashMap<i64, i64>,
    txns: u64,
}

impl Node for DirtyStore {
    type Payload = Payload;
    type Internal = ();

    fn init(_: &Ctx<()>) -> anyhow::Result<Self> {
        Ok(DirtyStore::default())
    }

    fn handle(&mut self, ctx: &Ctx<()>, event: Event<Payload, ()>) {
        let Event::Message(msg) = event else { return };
        let Payload::Txn { txn } = &msg.body.payload else {
            return;
        };
        let mut txn = txn.clone();
        for (op, key, value) in &mut txn {
            match op.as_str() {
                "r" => *value = self.store.get(key).copied(),
                _ => {
                    if let Some(v) = value {
                        self.store.insert(*key, *v);
                    }
                }
            }
        }
        self.txns += 1;
        if self.txns.is_multiple_of(5) {
            ctx.reply(
                &msg,
                ErrorReply::new(ErrorCode::TxnConflict, "aborted (but applied)"),
            );
        } else {
            ctx.reply(&msg, Payload::TxnOk { txn });
        }
    }
}

fn main() -> anyhow::Result<()> {
    Ok(nodes::run::<DirtyStore>()?)
}
