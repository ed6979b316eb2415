#!/usr/bin/env python3
"""Broken g-counter: each node only counts the adds it received itself."""
import node_lib

own = [0]


def add(m):
    own[0] += m["body"]["delta"]
    node_lib.reply(m, {"type": "add_ok"})


node_lib.run({"add": add, "read": lambda m: node_lib.reply(m, {"type": "read_ok", "value": own[0]})})
