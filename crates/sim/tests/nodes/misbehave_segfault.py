#!/usr/bin/env python3
"""Serves two echoes, then dies by SIGSEGV, as a crashing native node would."""
import os
import signal
import node_lib

served = [0]


def echo(m):
    node_lib.reply(m, {"type": "echo_ok", "echo": m["body"]["echo"]})
    served[0] += 1
    if served[0] == 2:
        node_lib.log("segfaulting after 2 echoes")
        os.kill(os.getpid(), signal.SIGSEGV)


node_lib.run({"echo": echo})
