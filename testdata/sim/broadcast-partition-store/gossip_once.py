#!/usr/bin/env python3
import json, sys
node, peers, seen = None, [], set()
def send(dest, body):
    print(json.dumps({"src": node, "dest": dest, "body": body}), flush=True)
for line in sys.stdin:
    m = json.loads(line); b = m["body"]; t = b["type"]
    if t == "init":
        node = b["node_id"]; peers = [n for n in b["node_ids"] if n != node]
        send(m["src"], {"type": "init_ok", "in_reply_to": b["msg_id"]})
    elif t == "topology":
        send(m["src"], {"type": "topology_ok", "in_reply_to": b["msg_id"]})
    elif t == "broadcast":
        seen.add(b["message"])
        for p in peers:
            send(p, {"type": "gossip", "message": b["message"]})
        send(m["src"], {"type": "broadcast_ok", "in_reply_to": b["msg_id"]})
    elif t == "gossip":
        seen.add(b["message"])
    elif t == "read":
        send(m["src"], {"type": "read_ok", "messages": sorted(seen), "in_reply_to": b["msg_id"]})
