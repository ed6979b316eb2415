#!/usr/bin/env python3
"""Broken unique ids: a local counter only, so nodes hand out the same ids."""
import node_lib

count = [0]


def generate(m):
    count[0] += 1
    node_lib.reply(m, {"type": "generate_ok", "id": count[0]})


node_lib.run({"generate": generate})
