#!/usr/bin/env python3
"""Challenges 3a and 3b: flood each new value to every other node once.

No retries, so it does not survive partitions (3c).
"""
from node import Node

node = Node()
seen = set()


@node.on("broadcast")
def broadcast(msg):
    value = msg["body"]["message"]
    if value not in seen:
        seen.add(value)
        for other in node.node_ids:
            if other != node.id and other != msg["src"]:
                node.send(other, {"type": "broadcast", "message": value})
    if "msg_id" in msg["body"]:
        node.reply(msg, {"type": "broadcast_ok"})


@node.on("read")
def read(msg):
    node.reply(msg, {"type": "read_ok", "messages": sorted(seen)})


@node.on("topology")
def topology(msg):
    node.reply(msg, {"type": "topology_ok"})


node.run()
