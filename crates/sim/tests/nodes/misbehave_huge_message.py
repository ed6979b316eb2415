#!/usr/bin/env python3
"""Echo node for two-node runs: at init, n0 sends a 20 MB message to n1, which
logs the size it received. Both serve echoes throughout."""
import node_lib

SIZE = 20 * 1000 * 1000


def send_blob():
    if node_lib.node_id == "n0":
        node_lib.send("n1", {"type": "blob", "data": "b" * SIZE})


def echo(m):
    node_lib.reply(m, {"type": "echo_ok", "echo": m["body"]["echo"]})


def blob(m):
    node_lib.log("received blob of %d bytes" % len(m["body"]["data"]))


node_lib.run({"echo": echo, "blob": blob}, on_init=send_blob)
