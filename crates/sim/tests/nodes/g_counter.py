#!/usr/bin/env python3
"""G-counter over seq-kv: each node writes its own total under its id; a read
first writes a fresh scratch value (which moves this node to seq-kv's newest
version) and then sums every node's key."""
import node_lib

own = [0]
sync = [0]


def add(m):
    own[0] += m["body"]["delta"]
    node_lib.rpc("seq-kv", {"type": "write", "key": node_lib.node_id, "value": own[0]}, lambda r: None)
    node_lib.reply(m, {"type": "add_ok"})


def read(m):
    sync[0] += 1
    totals = {}

    def collect(node):
        def on_reply(r):
            totals[node] = r["body"].get("value", 0) if r["body"]["type"] == "read_ok" else 0
            if len(totals) == len(node_lib.node_ids):
                node_lib.reply(m, {"type": "read_ok", "value": sum(totals.values())})
        return on_reply

    def after_sync(r):
        for node in node_lib.node_ids:
            node_lib.rpc("seq-kv", {"type": "read", "key": node}, collect(node))

    key = "sync-" + node_lib.node_id
    node_lib.rpc("seq-kv", {"type": "write", "key": key, "value": sync[0]}, after_sync)


node_lib.run({"add": add, "read": read})
