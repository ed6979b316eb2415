#!/usr/bin/env python3
"""Broken txn store: reads return the value each key had before its latest write."""
import node_lib

current = {}
previous = {}


def txn(m):
    result = []
    for f, k, v in m["body"]["txn"]:
        if f == "r":
            result.append([f, k, previous.get(k)])
        else:
            previous[k] = current.get(k)
            current[k] = v
            result.append([f, k, v])
    node_lib.reply(m, {"type": "txn_ok", "txn": result})


node_lib.run({"txn": txn})
