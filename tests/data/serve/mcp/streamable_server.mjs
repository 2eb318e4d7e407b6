// A stdio MCP server for the `serve --mcp` tests, written with the official SDK (McpServer over
// StdioServerTransport). Tools: echo (plain), count (progress notifications), ask_llm (asks the client for
// sampling), ask_user (asks the client for elicitation), pid (its own process id, for the tests that check that
// children are gone), slow (answers after a delay), exit (exits at once, with no answer). A resource greeting://hello and a prompt greet.
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { z } from "zod";

const server = new McpServer({ name: "ssetool-test-streamable", version: "1.0.0" });
const text = (t) => ({ content: [{ type: "text", text: String(t) }] });

server.registerTool("echo", { description: "Returns its text", inputSchema: { text: z.string() } },
  async ({ text: t }) => text(t));

server.registerTool("count", { description: "Counts to n, one progress notification per step",
  inputSchema: { n: z.number().int() } }, async ({ n }, extra) => {
  const token = extra._meta?.progressToken;
  for (let i = 1; i <= n; i++) {
    if (token !== undefined)
      await extra.sendNotification({ method: "notifications/progress",
        params: { progressToken: token, progress: i, total: n } });
  }
  return text(`counted to ${n}`);
});

server.registerTool("ask_llm", { description: "Asks the client's model", inputSchema: { prompt: z.string() } },
  async ({ prompt }) => {
    const answer = await server.server.createMessage({
      messages: [{ role: "user", content: { type: "text", text: prompt } }], maxTokens: 20 });
    return text(`the model said: ${answer.content.text}`);
  });

server.registerTool("ask_user", { description: "Asks the user their name", inputSchema: {} }, async () => {
  const answer = await server.server.elicitInput({ message: "Your name?",
    requestedSchema: { type: "object", properties: { name: { type: "string" } }, required: ["name"] } });
  return text(`${answer.action}: ${answer.content?.name}`);
});

server.registerTool("pid", { description: "This server's process id", inputSchema: {} },
  async () => text(process.pid));

server.registerTool("slow", { description: "Answers after ms milliseconds", inputSchema: { ms: z.number() } },
  async ({ ms }) => new Promise((done) => setTimeout(() => done(text(`slept ${ms} ms`)), ms)));

server.registerTool("exit", { description: "Exits at once", inputSchema: {} }, async () => process.exit(3));

server.registerResource("greeting", "greeting://hello", { mimeType: "text/plain" },
  async (uri) => ({ contents: [{ uri: uri.href, text: "hello from the resource" }] }));

server.registerPrompt("greet", { description: "Greets someone", argsSchema: { name: z.string() } },
  ({ name }) => ({ messages: [{ role: "user", content: { type: "text", text: `Say hello to ${name}` } }] }));

process.stderr.write("streamable_server: ready\n");
await server.connect(new StdioServerTransport());
