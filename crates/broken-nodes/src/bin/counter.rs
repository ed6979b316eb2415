//! Deliberately broken g-counter (test-only): never shares its count, so each
//! node's final read undercounts the adds made through other nodes.

use nodes::protocol::Counter as Payload;
use nodes::{Ctx, Event, Node};

struct Local {
    value: u64,
}

impl Node for Local {
    type Payload = Payload;
    type Internal = ();

    fn init(_: &Ctx<()>) -> anyhow::Result<Self> {
        Ok(Local { value: 0 })
    }

    fn handle(&mut self, ctx: &Ctx<()>, event: Event<Payload, ()>) {
        let Event::Message(msg) = event else { return };
        match msg.body.payload {
            Payload::Add { delta } => {
                self.value += delta;
                ctx.reply(&msg, Payload::AddOk);
            }
            Payload::Read => ctx.reply(&msg, Payload::ReadOk { value: self.value }),
            _ => {}
        }
    }
}

fn main() -> anyhow::Result<()> {
    Ok(nodes::run::<Local>()?)
}
