#!/usr/bin/env python3
"""An echo node that exits with status 1 after five echoes."""
import sys
import node_lib

served = [0]


def echo(m):
    node_lib.reply(m, {"type": "echo_ok", "echo": m["body"]["echo"]})
    served[0] += 1
    if served[0] == 5:
        node_lib.log("crashing after 5 echoes")
        sys.exit(1)


node_lib.run({"echo": echo})
