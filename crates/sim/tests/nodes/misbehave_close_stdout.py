#!/usr/bin/env python3
"""Serves two echoes, then closes its stdout but keeps running and reading stdin."""
import os
import sys
import node_lib

served = [0]


def echo(m):
    node_lib.reply(m, {"type": "echo_ok", "echo": m["body"]["echo"]})
    served[0] += 1
    if served[0] == 2:
        node_lib.log("closing stdout after 2 echoes")
        sys.stdout.flush()
        os.close(1)
        sys.stdout = open(os.devnull, "w")


node_lib.run({"echo": echo})
