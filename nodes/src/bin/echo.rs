//! Challenge 1 (echo): answer every `echo` with the same payload.

use nodes::protocol::Echo as Payload;
use nodes::{Ctx, Event, Node};

struct Echo;

impl Node for Echo {
    type Payload = Payload;
    type Internal = ();

    fn init(_: &Ctx<()>) -> anyhow::Result<Self> {
        Ok(Echo)
    }

    fn handle(&mut self, ctx: &Ctx<()>, event: Event<Payload, ()>) {
        let Event::Message(msg) = event else { return };
        match &msg.body.payload {
            Payload::Echo { echo } => ctx.reply(&msg, Payload::EchoOk { echo: echo.clone() }),
            Payload::EchoOk { .. } => {}
        }
    }
}

fn main() -> anyhow::Result<()> {
    Ok(nodes::run::<Echo>()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use nodes::testkit::Cluster;
    use serde_json::json;
    use std::time::Duration;

    #[tokio::test(start_paused = true)]
    async fn echoes_the_payload_back() {
        let cluster = Cluster::start::<Echo>(1, Duration::ZERO).await;
        let reply = cluster
            .request("n0", json!({"type": "echo", "echo": "Please echo 42"}))
            .await;
        assert_eq!(reply, json!({"type": "echo_ok", "echo": "Please echo 42"}));
    }
}
