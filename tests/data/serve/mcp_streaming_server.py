#!/usr/bin/env python3
"""A stdio MCP server for the tests of connections in `serve --mcp` (tests/integration/test_serve_mcp_connections.cpp).

It answers initialize at once. A tools/call is held (no answer) until a notification `test/release` arrives, then
answered with {"released": true}; a call of the tool "talk" first sends a notifications/message for it (so its
answer opens a stream). A notifications/cancelled is reported on stderr as "cancelled REQUEST_ID".
"""
import json
import sys


def send(message):
    print(json.dumps(message), flush=True)


def main():
    held = []
    for line in sys.stdin:
        if not line.strip():
            continue
        message = json.loads(line)
        method = message.get("method")
        if method == "initialize":
            result = {"protocolVersion": message["params"]["protocolVersion"], "capabilities": {"tools": {}},
                      "serverInfo": {"name": "streaming", "version": "1.0.0"}}
            send({"jsonrpc": "2.0", "id": message["id"], "result": result})
        elif method == "test/release":
            for request_id in held:
                send({"jsonrpc": "2.0", "id": request_id, "result": {"released": True}})
            held = []
        elif method == "notifications/cancelled":
            print("cancelled", json.dumps(message["params"]["requestId"]), file=sys.stderr, flush=True)
        elif method == "tools/call":
            if message["params"]["name"] == "talk":
                send({"jsonrpc": "2.0", "method": "notifications/message",
                      "params": {"level": "info", "data": "working on " + json.dumps(message["id"])}})
            held.append(message["id"])


if __name__ == "__main__":
    main()
