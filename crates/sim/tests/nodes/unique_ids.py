#!/usr/bin/env python3
"""Unique ids: node id plus a local counter."""
import node_lib

count = [0]


def generate(m):
    count[0] += 1
    node_lib.reply(m, {"type": "generate_ok", "id": "%s-%d" % (node_lib.node_id, count[0])})


node_lib.run({"generate": generate})
