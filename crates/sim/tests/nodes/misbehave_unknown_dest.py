#!/usr/bin/env python3
"""On its third echo, sends a message to n9 (a node that does not exist)
before replying: the simulator must silence the node and name the bad dest."""
import node_lib

served = [0]


def echo(m):
    served[0] += 1
    if served[0] == 3:
        node_lib.send("n9", {"type": "gossip", "value": 1})
    node_lib.reply(m, {"type": "echo_ok", "echo": m["body"]["echo"]})


node_lib.run({"echo": echo})
