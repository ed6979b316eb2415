#!/usr/bin/env python3
"""Answers the first echo after 5.5 s (past the client's 5 s timeout): the
late reply goes to a retired client and silences the node."""
import threading
import time
import node_lib

first = [True]


def echo(m):
    if first[0]:
        first[0] = False
        def later():
            time.sleep(5.5)
            node_lib.reply(m, {"type": "echo_ok", "echo": m["body"]["echo"]})
        threading.Thread(target=later, daemon=True).start()
        return
    node_lib.reply(m, {"type": "echo_ok", "echo": m["body"]["echo"]})


node_lib.run({"echo": echo})
