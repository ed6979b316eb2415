#!/usr/bin/env python3
"""A correct echo node that floods stderr from a thread: 128 MiB of 4 KiB lines,
then one 80 MiB line with no newline until its end (longer than the simulator's
line limit), then keeps logging a line per echo."""
import sys
import threading
import node_lib

LINE = "e" * 4095 + "\n"


def flood():
    for _ in range(128 * 256):
        sys.stderr.write(LINE)
    chunk = "L" * (1 << 20)
    for _ in range(80):
        sys.stderr.write(chunk)
    sys.stderr.write("\nflood done\n")
    sys.stderr.flush()


def echo(m):
    node_lib.reply(m, {"type": "echo_ok", "echo": m["body"]["echo"]})


node_lib.run({"echo": echo}, on_init=lambda: threading.Thread(target=flood, daemon=True).start())
