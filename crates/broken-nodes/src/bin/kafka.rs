//! Deliberately broken kafka (test-only, single node): acknowledges every
//! tenth send with a fresh offset but never stores it, so a message is lost.

use std::collections::{BTreeMap, HashMap};

use nodes::protocol::Kafka as Payload;
use nodes::{Ctx, Event, Node};
use serde_json::Value;

#[derive(Default)]
struct Lossy {
    logs: HashMap<String, Vec<(u64, Value)>>,
    next_offset: HashMap<String, u64>,
    sends: u64,
}

impl Node for Lossy {
    type Payload = Payload;
    type Internal = ();

    fn init(_: &Ctx<()>) -> anyhow::Result<Self> {
        Ok(Lossy::default())
    }

    fn handle(&mut self, ctx: &Ctx<()>, event: Event<Payload, ()>) {
        let Event::Message(msg) = event else { return };
        match &msg.body.payload {
            Payload::Send { key, msg: value } => {
                self.sends += 1;
                let next = self.next_offset.entry(key.clone()).or_default();
                let offset = *next;
                *next += 1;
                if !self.sends.is_multiple_of(10) {
                    self.logs
                        .entry(key.clone())
                        .or_default()
                        .push((offset, value.clone()));
                }
                ctx.reply(&msg, Payload::SendOk { offset });
            }
            Payload::Poll { offsets } => {
                let msgs = offsets
                    .iter()
                    .filter_map(|(key, &from)| {
                        let entries: Vec<_> = self
                            .logs
                            .get(key)?
                            .iter()
                            .filter(|(o, _)| *o >= from)
                            .cloned()
                            .collect();
                        (!entries.is_empty()).then(|| (key.clone(), entries))
                    })
                    .collect();
                ctx.reply(&msg, Payload::PollOk { msgs });
            }
            Payload::CommitOffsets { .. } => ctx.reply(&msg, Payload::CommitOffsetsOk),
            Payload::ListCommittedOffsets { .. } => ctx.reply(
                &msg,
                Payload::ListCommittedOffsetsOk {
                    offsets: BTreeMap::new(),
                },
            ),
            _ => {}
        }
    }
}

fn main() -> anyhow::Result<()> {
    Ok(nodes::run::<Lossy>()?)
}
