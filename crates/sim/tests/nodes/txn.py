#!/usr/bin/env python3
"""Single-node transactional register store: applies each txn atomically."""
import node_lib

store = {}


def txn(m):
    result = []
    for f, k, v in m["body"]["txn"]:
        if f == "r":
            result.append([f, k, store.get(str(k))])
        else:
            store[str(k)] = v
            result.append([f, k, v])
    node_lib.reply(m, {"type": "txn_ok", "txn": result})


node_lib.run({"txn": txn})
