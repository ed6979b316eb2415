#!/usr/bin/env python3
"""A correct echo node that also sends, before every real reply, a reply whose
in_reply_to matches no request: clients must ignore it."""
import node_lib


def echo(m):
    node_lib.send(m["src"], {"type": "echo_ok", "echo": "stray", "in_reply_to": m["body"]["msg_id"] + 100000})
    node_lib.reply(m, {"type": "echo_ok", "echo": m["body"]["echo"]})


node_lib.run({"echo": echo})
