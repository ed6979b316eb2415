#!/usr/bin/env python3
"""Broadcast that retries until acknowledged: a new value goes to every peer
at once, and whatever a peer has not acknowledged is sent again, batched,
every RETRY_S seconds (12 s: longer than a 2 s recovery, shorter than
Maelstrom's 10 s one plus the main phase). Correct under partitions only if
the final reads wait long enough for a retry after the heal."""
import threading
import time
import node_lib

RETRY_S = 12.0
seen = set()
unacked = {}  # peer -> values it has not acknowledged
lock = threading.Lock()


def replicate(peer, values):
    def acked(reply):
        with lock:
            unacked[peer].difference_update(reply["body"]["values"])
    node_lib.rpc(peer, {"type": "replicate", "values": sorted(values)}, acked)


def broadcast(m):
    value = m["body"]["message"]
    with lock:
        seen.add(value)
        peers = [p for p in node_lib.node_ids if p != node_lib.node_id]
        for peer in peers:
            unacked.setdefault(peer, set()).add(value)
    node_lib.reply(m, {"type": "broadcast_ok"})
    for peer in peers:
        replicate(peer, [value])


def on_replicate(m):
    with lock:
        seen.update(m["body"]["values"])
    node_lib.reply(m, {"type": "replicate_ok", "values": m["body"]["values"]})


def read(m):
    with lock:
        values = sorted(seen)
    node_lib.reply(m, {"type": "read_ok", "messages": values})


def retry_loop():
    while True:
        time.sleep(RETRY_S)
        with lock:
            pending = {p: set(v) for p, v in unacked.items() if v}
        for peer, values in pending.items():
            replicate(peer, values)


node_lib.run({
    "broadcast": broadcast,
    "read": read,
    "replicate": on_replicate,
    "topology": lambda m: node_lib.reply(m, {"type": "topology_ok"}),
}, on_init=lambda: threading.Thread(target=retry_loop, daemon=True).start())
