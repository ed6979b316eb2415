#!/usr/bin/env python3
"""A correct echo node."""
import node_lib

node_lib.run({"echo": lambda m: node_lib.reply(m, {"type": "echo_ok", "echo": m["body"]["echo"]})})
