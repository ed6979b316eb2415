"""Tiny Maelstrom node runtime shared by the simulator's test nodes.

Reads one JSON message per stdin line, calls handlers by body type, and
writes replies as one JSON line each on stdout (flushed). Not for production.
"""
import json
import sys
import threading

_lock = threading.RLock()
_next_msg_id = [0]
node_id = None
node_ids = []


def send(dest, body):
    with _lock:
        if "msg_id" not in body:
            _next_msg_id[0] += 1
            body["msg_id"] = _next_msg_id[0]
        sys.stdout.write(json.dumps({"src": node_id, "dest": dest, "body": body}) + "\n")
        sys.stdout.flush()


def reply(msg, body):
    body["in_reply_to"] = msg["body"]["msg_id"]
    send(msg["src"], body)


def log(text):
    sys.stderr.write(text + "\n")
    sys.stderr.flush()


def run(handlers, on_init=None):
    global node_id, node_ids
    log("argv: " + json.dumps(sys.argv[1:]))
    for line in sys.stdin:
        msg = json.loads(line)
        body = msg["body"]
        kind = body.get("type")
        if kind == "init":
            node_id = body["node_id"]
            node_ids = body["node_ids"]
            if on_init:
                on_init()
            reply(msg, {"type": "init_ok"})
            continue
        callback = take_callback(msg)
        if callback:
            callback(msg)
            continue
        handler = handlers.get(kind)
        if handler:
            handler(msg)


_callbacks = {}


def rpc(dest, body, callback):
    """Send a request; `callback(reply_msg)` runs when the reply arrives."""
    with _lock:
        _next_msg_id[0] += 1
        body["msg_id"] = _next_msg_id[0]
        _callbacks[body["msg_id"]] = callback
    send(dest, body)


def take_callback(msg):
    with _lock:
        return _callbacks.pop(msg["body"].get("in_reply_to"), None)
