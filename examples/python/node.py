"""A minimal Maelstrom node: JSON messages, one per line, on stdin/stdout.

Each challenge script registers a handler per message type and calls run().
"""
import json
import sys


class Node:
    def __init__(self):
        self.id = None
        self.node_ids = []
        self.next_msg_id = 0
        self.handlers = {}

    def on(self, msg_type):
        def register(handler):
            self.handlers[msg_type] = handler
            return handler
        return register

    def send(self, dest, body):
        line = json.dumps({"src": self.id, "dest": dest, "body": body})
        sys.stdout.write(line + "\n")
        sys.stdout.flush()

    def reply(self, request, body):
        self.next_msg_id += 1
        body = dict(body, msg_id=self.next_msg_id, in_reply_to=request["body"]["msg_id"])
        self.send(request["src"], body)

    def run(self):
        for line in sys.stdin:
            msg = json.loads(line)
            body = msg["body"]
            if body["type"] == "init":
                self.id = body["node_id"]
                self.node_ids = body["node_ids"]
                self.reply(msg, {"type": "init_ok"})
                continue
            handler = self.handlers.get(body["type"])
            if handler is not None:
                handler(msg)
            else:
                print(f"{self.id}: ignoring {body['type']}", file=sys.stderr)
