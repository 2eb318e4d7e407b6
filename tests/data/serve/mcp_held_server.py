#!/usr/bin/env python3
"""A stdio MCP server for the test that slow answers hold no worker of `serve --mcp`.

It answers initialize at once, then holds every request it gets (no answer) until a notification `test/release`
arrives; then it answers each held request with {"held": N}, N the number of requests it was holding.
"""
import json
import sys


def main():
    held = []
    for line in sys.stdin:
        if not line.strip():
            continue
        message = json.loads(line)
        if message.get("method") == "initialize":
            result = {"protocolVersion": message["params"]["protocolVersion"], "capabilities": {"tools": {}},
                      "serverInfo": {"name": "held", "version": "1.0.0"}}
            print(json.dumps({"jsonrpc": "2.0", "id": message["id"], "result": result}), flush=True)
        elif message.get("method") == "test/release":
            for request_id in held:
                print(json.dumps({"jsonrpc": "2.0", "id": request_id, "result": {"held": len(held)}}), flush=True)
            held = []
        elif "id" in message and "method" in message:
            held.append(message["id"])


if __name__ == "__main__":
    main()
