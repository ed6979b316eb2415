#!/usr/bin/env python3
"""Broken kafka log: acknowledges every fifth send with an offset but never stores it."""
import node_lib

logs = {}
committed = {}
sends = [0]


def send(m):
    log = logs.setdefault(m["body"]["key"], [])
    sends[0] += 1
    if sends[0] % 5 == 0:
        node_lib.reply(m, {"type": "send_ok", "offset": len(log) + 1000})
        return
    log.append(m["body"]["msg"])
    node_lib.reply(m, {"type": "send_ok", "offset": len(log) - 1})


def poll(m):
    msgs = {}
    for key, start in m["body"]["offsets"].items():
        log = logs.get(key, [])
        msgs[key] = [[i, log[i]] for i in range(start, len(log))]
    node_lib.reply(m, {"type": "poll_ok", "msgs": msgs})


def commit(m):
    for key, offset in m["body"]["offsets"].items():
        committed[key] = max(committed.get(key, 0), offset)
    node_lib.reply(m, {"type": "commit_offsets_ok"})


def list_committed(m):
    node_lib.reply(m, {"type": "list_committed_offsets_ok",
                       "offsets": {k: committed[k] for k in m["body"]["keys"] if k in committed}})


node_lib.run({"send": send, "poll": poll, "commit_offsets": commit, "list_committed_offsets": list_committed})
