#!/usr/bin/env python3
"""Answers init, then floods stdout with endless garbage lines."""
import sys
import node_lib


def flood(m):
    junk = "x" * 4096 + "\n"
    while True:
        sys.stdout.write(junk)


node_lib.run({"echo": flood})
