#!/usr/bin/env python3
"""A tiny stdio MCP server for the `serve --stdin-endpoint --event message` tests.

It speaks newline-delimited JSON-RPC 2.0 on stdin/stdout, as MCP's stdio transport does, and offers one tool,
`echo`, whose answer also names the SSE session the server runs for (SSE_SESSION_ID from `ssetool serve`).
"""
import json
import os
import sys

TOOLS = [{
    "name": "echo",
    "description": "Returns its text, with the session id of the connection it runs for.",
    "inputSchema": {"type": "object", "properties": {"text": {"type": "string"}}, "required": ["text"]},
}]


def answer(request):
    method = request.get("method")
    params = request.get("params") or {}
    if method == "initialize":
        return {"protocolVersion": params.get("protocolVersion", "2024-11-05"),
                "capabilities": {"tools": {}},
                "serverInfo": {"name": "ssetool-test-echo", "version": "1.0.0"}}
    if method == "ping":
        return {}
    if method == "tools/list":
        return {"tools": TOOLS}
    if method == "tools/call" and params.get("name") == "echo":
        text = params.get("arguments", {}).get("text", "")
        session = os.environ.get("SSE_SESSION_ID", "?")
        return {"content": [{"type": "text", "text": f"echo: {text} (session {session})"}]}
    raise LookupError(method)


def main():
    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        if "id" not in request:
            continue  # a notification, e.g. notifications/initialized
        try:
            response = {"jsonrpc": "2.0", "id": request["id"], "result": answer(request)}
        except LookupError as unknown:
            response = {"jsonrpc": "2.0", "id": request["id"],
                        "error": {"code": -32601, "message": f"method not found: {unknown}"}}
        print(json.dumps(response), flush=True)


if __name__ == "__main__":
    main()
