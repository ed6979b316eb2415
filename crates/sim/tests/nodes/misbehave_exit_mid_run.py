#!/usr/bin/env python3
"""Serves three echoes, then exits cleanly (status 0) in the middle of the run."""
import sys
import node_lib

served = [0]


def echo(m):
    node_lib.reply(m, {"type": "echo_ok", "echo": m["body"]["echo"]})
    served[0] += 1
    if served[0] == 3:
        node_lib.log("exiting cleanly after 3 echoes")
        sys.exit(0)


node_lib.run({"echo": echo})
