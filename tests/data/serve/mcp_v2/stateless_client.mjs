// The v2 MCP client (@modelcontextprotocol/client 2.x) over StreamableHTTPClientTransport against `ssetool serve
// --mcp`: connects in mode 'auto' (it probes with server/discover, speaks 2026-07-28 when the server offers it and
// falls back to initialize otherwise; 2.4.0's default is 'legacy'), lists and
// calls tools of ../mcp/streamable_server.mjs (progress included), reads the resource, gets the prompt, asks for
// the child's pid, and prints one JSON line with what it saw. Arguments: URL [CALLS] (CALLS concurrent echo calls).
// Exits non-zero on failure.
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";

const url = new URL(process.argv[2]);
const calls = Number(process.argv[3] ?? 0);
const timer = setTimeout(() => {
  console.error("stateless_client: no answer within 20 s");
  process.exit(3);
}, 20000);

const client = new Client({ name: "ssetool-v2-test-client", version: "1.0.0" },
  { capabilities: {}, versionNegotiation: { mode: "auto" } });
const transport = new StreamableHTTPClientTransport(url);
await client.connect(transport);
const first = (r) => r.content[0].text;
const progress = [];
const out = {
  era: client.getProtocolEra(),
  protocol: client.getNegotiatedProtocolVersion(),
  discovered: client.getDiscoverResult()?.supportedVersions,
  server: client.getServerVersion()?.name,
  session: transport.sessionId ?? null,
  tools: (await client.listTools()).tools.map((t) => t.name).sort(),
  echo: first(await client.callTool({ name: "echo", arguments: { text: "hi" } })),
  count: first(await client.callTool({ name: "count", arguments: { n: 3 } }, { onprogress: (p) => progress.push(p.progress) })),
  resource: (await client.readResource({ uri: "greeting://hello" })).contents[0].text,
  prompt: (await client.getPrompt({ name: "greet", arguments: { name: "Bob" } })).messages[0].content.text,
  pid: Number(first(await client.callTool({ name: "pid", arguments: {} }))),
};
out.progress = progress;
const texts = Array.from({ length: calls }, (_, i) => `call-${i}`);
const answers = await Promise.all(texts.map((t) => client.callTool({ name: "echo", arguments: { text: t } })));
out.concurrent = answers.every((a, i) => first(a) === texts[i]) ? calls : -1;
await client.close();
console.log(JSON.stringify(out));
clearTimeout(timer);
