#!/usr/bin/env python3
"""Answers init, then answers the second echo with a JSON object that has no
src, dest or body: Maelstrom's schema check must silence the node."""
import json
import sys
import node_lib

served = [0]


def echo(m):
    served[0] += 1
    if served[0] == 2:
        sys.stdout.write(json.dumps({"type": "echo_ok", "echo": m["body"]["echo"]}) + "\n")
        sys.stdout.flush()
        return
    node_lib.reply(m, {"type": "echo_ok", "echo": m["body"]["echo"]})


node_lib.run({"echo": echo})
