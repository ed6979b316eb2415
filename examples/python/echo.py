#!/usr/bin/env python3
"""Challenge 1: echo every message back."""
from node import Node

node = Node()


@node.on("echo")
def echo(msg):
    node.reply(msg, {"type": "echo_ok", "echo": msg["body"]["echo"]})


node.run()
