#!/usr/bin/env python3
"""Broken broadcast: keeps values locally and never tells anyone."""
import node_lib

seen = []

node_lib.run({
    "broadcast": lambda m: (seen.append(m["body"]["message"]), node_lib.reply(m, {"type": "broadcast_ok"})),
    "read": lambda m: node_lib.reply(m, {"type": "read_ok", "messages": list(seen)}),
    "topology": lambda m: node_lib.reply(m, {"type": "topology_ok"}),
})
