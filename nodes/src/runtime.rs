//! The event loop: input lines in, node events out, `init` handled here.
//!
//! [`serve`] works on channels of lines so the same loop runs under the test
//! harness and on stdin/stdout ([`run`]). It never panics on input: bad lines
//! are logged to stderr and skipped; requests of an unknown type get an
//! `error` reply (code 10) when they carry a `msg_id`.

use std::time::Duration;

use serde::Deserialize;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, BufWriter};
use tokio::sync::mpsc;

use crate::message::{ErrorCode, ErrorReply, Message};
use crate::net::Net;
use crate::node::{Ctx, Event, Node};

#[derive(Deserialize)]
struct Init {
    node_id: String,
    node_ids: Vec<String>,
}

/// Why a node stopped before serving.
#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    #[error("node {node} failed to initialise: {source}")]
    Init { node: String, source: anyhow::Error },
    #[error("could not start the async runtime: {0}")]
    Io(#[from] std::io::Error),
}

/// Runs node `N` on stdin/stdout until stdin reaches EOF.
///
/// Logs go to stderr (filter with `RUST_LOG`, default `info`); stdout only
/// ever carries message lines, written by one task.
pub fn run<N: Node>() -> Result<(), RuntimeError> {
    init_logging();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let result = runtime.block_on(async {
        let (line_tx, line_rx) = mpsc::unbounded_channel();
        let (out_tx, out_rx) = mpsc::unbounded_channel();
        tokio::spawn(read_stdin(line_tx));
        tokio::spawn(write_stdout(out_rx));
        serve::<N>(line_rx, out_tx).await
    });
    // Tasks left (tickers, RPCs) are abandoned: the node is done.
    runtime.shutdown_timeout(Duration::from_millis(100));
    result
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // Fails only if a subscriber is already set, which is then fine to keep.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .try_init();
}

async fn read_stdin(lines: mpsc::UnboundedSender<String>) {
    let mut input = BufReader::new(tokio::io::stdin()).lines();
    loop {
        match input.next_line().await {
            Ok(Some(line)) => {
                if lines.send(line).is_err() {
                    break;
                }
            }
            Ok(None) => break,
            Err(error) => {
                // Not UTF-8 or a broken pipe: nothing more can be read reliably.
                tracing::error!(%error, "stopped reading stdin");
                break;
            }
        }
    }
}

async fn write_stdout(mut lines: mpsc::UnboundedReceiver<String>) {
    let mut out = BufWriter::new(tokio::io::stdout());
    while let Some(line) = lines.recv().await {
        let mut batch = Some(line);
        // Write everything already queued, then flush once.
        while let Some(line) = batch {
            if let Err(error) = write_line(&mut out, &line).await {
                tracing::error!(%error, "stdout closed");
                return;
            }
            batch = lines.try_recv().ok();
        }
        if let Err(error) = out.flush().await {
            tracing::error!(%error, "stdout closed");
            return;
        }
    }
}

async fn write_line(out: &mut BufWriter<tokio::io::Stdout>, line: &str) -> std::io::Result<()> {
    out.write_all(line.as_bytes()).await?;
    out.write_all(b"\n").await
}

/// Serves node `N` on a stream of input lines, writing output lines to `out`,
/// until the input ends.
pub async fn serve<N: Node>(
    mut input: mpsc::UnboundedReceiver<String>,
    out: mpsc::UnboundedSender<String>,
) -> Result<(), RuntimeError> {
    let Some((init, request)) = wait_for_init(&mut input).await else {
        tracing::info!("input ended before init");
        return Ok(());
    };
    let net = Net::new(init.node_id, init.node_ids, out);
    let (internal_tx, mut internal_rx) = mpsc::unbounded_channel();
    let ctx = Ctx::new(net, internal_tx);
    let mut node = match N::init(&ctx) {
        Ok(node) => node,
        Err(source) => {
            let text = format!("init failed: {source:#}");
            ctx.reply(&request, ErrorReply::new(ErrorCode::Crash, text));
            return Err(RuntimeError::Init {
                node: ctx.id().to_owned(),
                source,
            });
        }
    };
    ctx.reply(&request, serde_json::json!({"type": "init_ok"}));
    tracing::info!(node = ctx.id(), peers = ?ctx.node_ids(), "initialised");
    loop {
        tokio::select! {
            line = input.recv() => match line {
                Some(line) => dispatch(&mut node, &ctx, &line),
                None => break,
            },
            Some(event) = internal_rx.recv() => node.handle(&ctx, Event::Internal(event)),
        }
    }
    tracing::info!(node = ctx.id(), "input ended; stopping");
    Ok(())
}

async fn wait_for_init(
    input: &mut mpsc::UnboundedReceiver<String>,
) -> Option<(Init, Message<serde_json::Value>)> {
    while let Some(line) = input.recv().await {
        let msg = match Message::parse_line(&line) {
            Ok(msg) if msg.kind() == Some("init") => msg,
            Ok(msg) => {
                tracing::warn!(src = %msg.src, kind = ?msg.kind(), "message before init ignored");
                continue;
            }
            Err(error) => {
                tracing::warn!(%error, line, "skipping malformed line");
                continue;
            }
        };
        match serde_json::from_value::<Init>(msg.body.payload.clone()) {
            Ok(init) => return Some((init, msg)),
            Err(error) => tracing::warn!(%error, line, "skipping malformed init"),
        }
    }
    None
}

fn dispatch<N: Node>(node: &mut N, ctx: &Ctx<N::Internal>, line: &str) {
    let msg = match Message::parse_line(line) {
        Ok(msg) => msg,
        Err(error) => {
            tracing::warn!(%error, line, "skipping malformed line");
            return;
        }
    };
    let Some(msg) = ctx.net().complete(msg) else {
        return;
    };
    if msg.kind() == Some("init") {
        // A second reply would go to a closed init client and silence us.
        tracing::warn!(src = %msg.src, "duplicate init ignored");
        return;
    }
    let src = msg.src.clone();
    let msg_id = msg.body.msg_id;
    let in_reply_to = msg.body.in_reply_to;
    let kind = msg.kind().map(str::to_owned);
    match msg.decode::<N::Payload>() {
        Ok(msg) => node.handle(ctx, Event::Message(msg)),
        Err(error) if in_reply_to.is_none() && kind.as_deref() != Some("error") => {
            let Some(msg_id) = msg_id else {
                tracing::warn!(%src, ?kind, %error, "ignoring message");
                return;
            };
            tracing::warn!(%src, ?kind, %error, "rejecting request");
            let code = if error.to_string().contains("unknown variant") {
                ErrorCode::NotSupported
            } else {
                ErrorCode::MalformedRequest
            };
            let reply = ErrorReply::new(code, format!("cannot handle {kind:?}: {error}"));
            ctx.reply_to(&src, msg_id, reply);
        }
        Err(error) => tracing::warn!(%src, ?kind, ?in_reply_to, %error, "ignoring message"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::Cluster;
    use serde_json::json;

    use crate::protocol::Echo as Payload;

    struct Echo;

    impl Node for Echo {
        type Payload = Payload;
        type Internal = ();

        fn init(_: &Ctx<()>) -> anyhow::Result<Self> {
            Ok(Echo)
        }

        fn handle(&mut self, ctx: &Ctx<()>, event: Event<Payload, ()>) {
            if let Event::Message(msg) = event
                && let Payload::Echo { echo } = &msg.body.payload
            {
                ctx.reply(&msg, Payload::EchoOk { echo: echo.clone() });
            }
        }
    }

    async fn echo_works(cluster: &Cluster) {
        let reply = cluster
            .request("n0", json!({"type": "echo", "echo": 7}))
            .await;
        assert_eq!(reply, json!({"type": "echo_ok", "echo": 7}));
    }

    #[tokio::test(start_paused = true)]
    async fn bad_lines_are_skipped_without_output() {
        let cluster = Cluster::start::<Echo>(1, Duration::ZERO).await;
        for line in ["hello", "", "[1]", r#"{"src":"c9","dest":"n0","body":5}"#] {
            cluster.send_raw("n0", line);
        }
        // A stray reply and a duplicate init must not produce any output either.
        cluster.send_raw(
            "n0",
            r#"{"src":"n1","dest":"n0","body":{"type":"echo_ok","echo":1,"in_reply_to":99}}"#,
        );
        cluster.send_raw(
            "n0",
            r#"{"src":"c9","dest":"n0","body":{"type":"init","node_id":"n0","node_ids":["n0"],"msg_id":1}}"#,
        );
        echo_works(&cluster).await;
        assert_eq!(
            cluster.sent().len(),
            2,
            "only init_ok and echo_ok: {:?}",
            cluster.sent()
        );
        assert!(cluster.problems().is_empty());
    }

    #[tokio::test(start_paused = true)]
    async fn unknown_requests_get_not_supported_and_malformed_ones_malformed() {
        let cluster = Cluster::start::<Echo>(1, Duration::ZERO).await;
        let reply = cluster.request("n0", json!({"type": "frobnicate"})).await;
        assert_eq!(
            (reply["type"].as_str(), reply["code"].as_u64()),
            (Some("error"), Some(10))
        );
        let reply = cluster.request("n0", json!({"type": "echo"})).await;
        assert_eq!(reply["code"], 12);
        echo_works(&cluster).await;
    }

    #[tokio::test]
    async fn serve_returns_when_input_ends() {
        let (line_tx, line_rx) = mpsc::unbounded_channel();
        let (out_tx, mut out_rx) = mpsc::unbounded_channel();
        let node = tokio::spawn(serve::<Echo>(line_rx, out_tx));
        line_tx
            .send(r#"{"src":"c0","dest":"n3","body":{"type":"init","node_id":"n3","node_ids":["n3"],"msg_id":1}}"#.into())
            .unwrap();
        let init_ok = Message::parse_line(&out_rx.recv().await.unwrap()).unwrap();
        assert_eq!(
            (init_ok.src.as_str(), init_ok.body.in_reply_to),
            ("n3", Some(1))
        );
        drop(line_tx);
        node.await.unwrap().unwrap();
    }
}
