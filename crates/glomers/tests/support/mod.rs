//! What the glomers integration suites that run real processes share: a
//! Python echo node, executable files, and the processes a test left alive.
//! Each suite includes this module with `mod support;`.
// Each suite uses a different part of it.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::Receiver;

/// A correct echo node (challenge 1); it logs each message type on stderr.
pub const ECHO_NODE: &str = r#"#!/usr/bin/env python3
import json, sys
for line in sys.stdin:
    msg = json.loads(line)
    body = msg["body"]
    print("got", body["type"], file=sys.stderr, flush=True)
    reply = {"in_reply_to": body["msg_id"]}
    if body["type"] == "init":
        reply["type"] = "init_ok"
    else:
        reply.update(type="echo_ok", echo=body["echo"])
    print(json.dumps({"src": msg["dest"], "dest": msg["src"], "body": reply}), flush=True)
"#;

pub fn write_executable(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// [`ECHO_NODE`] written as `echo.py` in `dir`.
pub fn echo_node(dir: &Path) -> PathBuf {
    let path = dir.join("echo.py");
    write_executable(&path, ECHO_NODE);
    path
}

/// Live processes whose command line mentions `needle` (a test's temp dir,
/// which every process it starts carries); zombies are gone already.
pub fn survivors(needle: &Path) -> Vec<String> {
    let needle = needle.to_str().unwrap();
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) else {
            continue;
        };
        let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
        let zombie = std::fs::read_to_string(entry.path().join("stat")).map_or(true, |s| {
            s.rsplit(')')
                .next()
                .is_some_and(|r| r.trim_start().starts_with('Z'))
        });
        if cmdline.contains(needle) && !zombie {
            found.push(cmdline);
        }
    }
    found
}

/// Spawns a `glomers run` and keeps draining its stderr, as a terminal
/// would; the receiver hears once the first challenge reaches its main
/// phase (`[1] running`).
pub fn spawn_with_running_signal(cmd: &mut Command) -> (Child, Receiver<()>) {
    let mut child = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = BufReader::new(child.stderr.take().unwrap());
    let (running_tx, running) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in stderr.lines().map_while(Result::ok) {
            if line.contains("[1] running") {
                let _ = running_tx.send(());
            }
        }
    });
    (child, running)
}
