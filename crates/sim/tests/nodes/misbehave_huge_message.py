#!/usr/bin/env python3
"""Echo node for two-node runs: on its first echo, n0 sends a 20 MB message to
n1, which logs the size it received. Both keep serving echoes."""
import node_lib

SIZE = 20 * 1000 * 1000
sent = [False]


def echo(m):
    if node_lib.node_id == "n0" and not sent[0]:
        sent[0] = True
        node_lib.send("n1", {"type": "blob", "data": "b" * SIZE})
    node_lib.reply(m, {"type": "echo_ok", "echo": m["body"]["echo"]})


def blob(m):
    node_lib.log("received blob of %d bytes" % len(m["body"]["data"]))


node_lib.run({"echo": echo, "blob": blob})
