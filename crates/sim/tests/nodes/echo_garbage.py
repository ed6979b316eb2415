#!/usr/bin/env python3
"""An echo node that prints a debug line to stdout after three echoes."""
import sys
import node_lib

served = [0]


def echo(m):
    node_lib.reply(m, {"type": "echo_ok", "echo": m["body"]["echo"]})
    served[0] += 1
    if served[0] == 3:
        sys.stdout.write("debug: three echoes served, all good here\n")
        sys.stdout.flush()


node_lib.run({"echo": echo})
