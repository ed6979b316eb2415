#!/usr/bin/env python3
"""Broadcast by flooding along the given topology: a value seen for the first
time is forwarded to every neighbour except the one it came from. Cheap and
correct without partitions; used by the 25-node benchmark."""
import node_lib

seen = set()
neighbours = []


def topology(m):
    neighbours[:] = m["body"]["topology"].get(node_lib.node_id, [])
    node_lib.reply(m, {"type": "topology_ok"})


def spread(value, came_from):
    if value in seen:
        return
    seen.add(value)
    for peer in neighbours:
        if peer != came_from:
            node_lib.send(peer, {"type": "gossip", "value": value})


def broadcast(m):
    spread(m["body"]["message"], None)
    node_lib.reply(m, {"type": "broadcast_ok"})


node_lib.run({
    "topology": topology,
    "broadcast": broadcast,
    "gossip": lambda m: spread(m["body"]["value"], m["src"]),
    "read": lambda m: node_lib.reply(m, {"type": "read_ok", "messages": sorted(seen)}),
})
