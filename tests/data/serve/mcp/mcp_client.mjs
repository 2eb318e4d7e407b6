// A real MCP client for the `serve --stdin-endpoint --event message` test: the official TypeScript SDK's
// SSEClientTransport (MCP's HTTP+SSE transport) connects to the URL given as the first argument, initializes,
// lists the tools, calls `echo`, and prints one JSON line with what it got. Exits non-zero on any failure.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { SSEClientTransport } from "@modelcontextprotocol/sdk/client/sse.js";

const url = new URL(process.argv[2]);
const text = process.argv[3] ?? "hello";
const timer = setTimeout(() => {
  console.error("mcp_client: no answer within 20 s");
  process.exit(3);
}, 20000);

const client = new Client({ name: "ssetool-test-client", version: "1.0.0" });
await client.connect(new SSEClientTransport(url));
const tools = await client.listTools();
const result = await client.callTool({ name: "echo", arguments: { text } });
console.log(JSON.stringify({
  server: client.getServerVersion()?.name,
  tools: tools.tools.map((t) => t.name),
  text: result.content[0].text,
}));
await client.close();
clearTimeout(timer);
