//! Deliberately broken broadcast (test-only): acknowledges every value but
//! silently forgets every third one, so reads miss acknowledged values.

use nodes::protocol::Broadcast as Payload;
use nodes::{Ctx, Event, Node};

struct Forgetful {
    messages: Vec<u64>,
}

impl Node for Forgetful {
    type Payload = Payload;
    type Internal = ();

    fn init(_: &Ctx<()>) -> anyhow::Result<Self> {
        Ok(Forgetful {
            messages: Vec::new(),
        })
    }

    fn handle(&mut self, ctx: &Ctx<()>, event: Event<Payload, ()>) {
        let Event::Message(msg) = event else { return };
        match &msg.body.payload {
            Payload::Broadcast { message } => {
                if !message.is_multiple_of(3) {
                    self.messages.push(*message);
                }
                ctx.reply(&msg, Payload::BroadcastOk);
            }
            Payload::Read => ctx.reply(
                &msg,
                Payload::ReadOk {
                    messages: self.messages.clone(),
                },
            ),
            Payload::Topology { .. } => ctx.reply(&msg, Payload::TopologyOk),
            _ => {}
        }
    }
}

fn main() -> anyhow::Result<()> {
    Ok(nodes::run::<Forgetful>()?)
}
