#!/usr/bin/env python3
"""Broadcast that gossips its whole set to every peer every 5 ms and never
stops, so it is still sending to peers while teardown removes them."""
import threading
import time
import node_lib

seen = set()
lock = threading.Lock()


def broadcast(m):
    with lock:
        seen.add(m["body"]["message"])
    node_lib.reply(m, {"type": "broadcast_ok"})


def read(m):
    with lock:
        values = sorted(seen)
    node_lib.reply(m, {"type": "read_ok", "messages": values})


def gossip(m):
    with lock:
        seen.update(m["body"]["values"])


def gossip_loop():
    while True:
        time.sleep(0.005)
        with lock:
            values = sorted(seen)
        for peer in node_lib.node_ids:
            if peer != node_lib.node_id:
                node_lib.send(peer, {"type": "gossip", "values": values})


node_lib.run({
    "broadcast": broadcast,
    "read": read,
    "gossip": gossip,
    "topology": lambda m: node_lib.reply(m, {"type": "topology_ok"}),
}, on_init=lambda: threading.Thread(target=gossip_loop, daemon=True).start())
