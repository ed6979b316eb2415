//! Deliberately broken unique-ids (test-only): a plain counter per node, so
//! different nodes hand out the same ids.

use nodes::protocol::UniqueIds as Payload;
use nodes::{Ctx, Event, Node};

struct Counter {
    next: u64,
}

impl Node for Counter {
    type Payload = Payload;
    type Internal = ();

    fn init(_: &Ctx<()>) -> anyhow::Result<Self> {
        Ok(Counter { next: 0 })
    }

    fn handle(&mut self, ctx: &Ctx<()>, event: Event<Payload, ()>) {
        let Event::Message(msg) = event else { return };
        if let Payload::Generate = msg.body.payload {
            self.next += 1;
            ctx.reply(
                &msg,
                Payload::GenerateOk {
                    id: self.next.into(),
                },
            );
        }
    }
}

fn main() -> anyhow::Result<()> {
    Ok(nodes::run::<Counter>()?)
}
