#!/usr/bin/env python3
"""A correct echo node that floods stderr from a thread: one 80 MiB line
(longer than the simulator's 64 MiB line limit), then 32 MiB of 4 KiB lines."""
import sys
import threading
import node_lib

LINE = "e" * 4095 + "\n"


def flood():
    chunk = "L" * (1 << 20)
    for _ in range(80):
        sys.stderr.write(chunk)
    sys.stderr.write("\n")
    for _ in range(32 * 256):
        sys.stderr.write(LINE)
    sys.stderr.write("flood done\n")
    sys.stderr.flush()


def echo(m):
    node_lib.reply(m, {"type": "echo_ok", "echo": m["body"]["echo"]})


node_lib.run({"echo": echo}, on_init=lambda: threading.Thread(target=flood, daemon=True).start())
