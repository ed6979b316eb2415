#!/usr/bin/env python3
"""Challenge 2: ids unique across nodes without coordination (node id + counter)."""
from node import Node

node = Node()
count = 0


@node.on("generate")
def generate(msg):
    global count
    count += 1
    node.reply(msg, {"type": "generate_ok", "id": f"{node.id}-{count}"})


node.run()
