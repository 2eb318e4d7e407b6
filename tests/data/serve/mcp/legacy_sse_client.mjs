// The official SDK client over SSEClientTransport (MCP's old HTTP+SSE transport, 2024-11-05) against
// `ssetool serve --mcp`'s /sse: initializes, lists and calls the tools of streamable_server.mjs (answering
// sampling and elicitation, counting progress notifications), reads the resource, gets the prompt, asks for the
// server's pid, closes the stream (which ends the session) and prints one JSON line with what it saw.
// Arguments: URL [TOKEN]. Exits non-zero on failure.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { SSEClientTransport } from "@modelcontextprotocol/sdk/client/sse.js";
import { CreateMessageRequestSchema, ElicitRequestSchema } from "@modelcontextprotocol/sdk/types.js";

const url = new URL(process.argv[2]);
const token = process.argv[3];
const timer = setTimeout(() => {
  console.error("legacy_sse_client: no answer within 20 s");
  process.exit(3);
}, 20000);

const client = new Client({ name: "ssetool-test-client", version: "1.0.0" },
  { capabilities: { sampling: {}, elicitation: { form: {} } } });
client.setRequestHandler(CreateMessageRequestSchema, async () => ({
  role: "assistant", model: "test-model", content: { type: "text", text: "forty-two" } }));
client.setRequestHandler(ElicitRequestSchema, async () => ({ action: "accept", content: { name: "Ada" } }));

const requestInit = token ? { headers: { Authorization: `Bearer ${token}` } } : undefined;
await client.connect(new SSEClientTransport(url, { requestInit }));
const first = (r) => r.content[0].text;
const progress = [];
const out = {
  server: client.getServerVersion()?.name,
  tools: (await client.listTools()).tools.map((t) => t.name).sort(),
  echo: first(await client.callTool({ name: "echo", arguments: { text: "hi" } })),
  count: first(await client.callTool({ name: "count", arguments: { n: 3 } }, undefined,
    { onprogress: (p) => progress.push(p.progress) })),
  llm: first(await client.callTool({ name: "ask_llm", arguments: { prompt: "6*7?" } })),
  user: first(await client.callTool({ name: "ask_user", arguments: {} })),
  resource: (await client.readResource({ uri: "greeting://hello" })).contents[0].text,
  prompt: (await client.getPrompt({ name: "greet", arguments: { name: "Bob" } })).messages[0].content.text,
  pid: Number(first(await client.callTool({ name: "pid", arguments: {} }))),
};
out.progress = progress;
await client.close();
console.log(JSON.stringify(out));
clearTimeout(timer);
