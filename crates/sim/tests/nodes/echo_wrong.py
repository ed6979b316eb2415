#!/usr/bin/env python3
"""An echo node that answers with the wrong payload."""
import node_lib

node_lib.run({"echo": lambda m: node_lib.reply(m, {"type": "echo_ok", "echo": "something else"})})
