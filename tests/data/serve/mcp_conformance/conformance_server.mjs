// A stdio MCP server that exposes what the server scenarios of the official conformance suite
// (@modelcontextprotocol/conformance) ask for: the test_* tools, the test:// resources and template, the test_*
// prompts, completion, logging and subscriptions. Written with the SDK's low-level Server (not McpServer) so that
// tool input schemas reach the client exactly as written here (the json-schema-2020-12 scenario checks that).
// tests/integration/mcp_conformance.sh runs it behind `ssetool serve --mcp`.
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import {
  CallToolRequestSchema, CompleteRequestSchema, GetPromptRequestSchema, ListPromptsRequestSchema,
  ListResourcesRequestSchema, ListResourceTemplatesRequestSchema, ListToolsRequestSchema,
  ReadResourceRequestSchema, SetLevelRequestSchema, SubscribeRequestSchema, UnsubscribeRequestSchema,
} from "@modelcontextprotocol/sdk/types.js";

// A 1x1 red PNG and a 1-sample WAV, both tiny and valid.
const PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==";
const WAV = "UklGRiYAAABXQVZFZm10IBAAAAABAAEAQB8AAIA+AAACABAAZGF0YQIAAAAAAA==";

const server = new Server({ name: "ssetool-conformance-server", version: "1.0.0" }, {
  capabilities: { tools: {}, resources: { subscribe: true }, prompts: {}, logging: {}, completions: {} },
});

const text = (t) => ({ type: "text", text: t });
const sleep = (ms) => new Promise((done) => setTimeout(done, ms));
const noArguments = { type: "object", properties: {} };

const tools = [
  ["test_simple_text", "Returns simple text", noArguments],
  ["test_image_content", "Returns an image", noArguments],
  ["test_audio_content", "Returns audio", noArguments],
  ["test_embedded_resource", "Returns an embedded resource", noArguments],
  ["test_multiple_content_types", "Returns text, an image and a resource", noArguments],
  ["test_tool_with_logging", "Sends three log messages", noArguments],
  ["test_error_handling", "Always fails", noArguments],
  ["test_tool_with_progress", "Reports progress", noArguments],
  ["test_sampling", "Asks the client's model",
    { type: "object", properties: { prompt: { type: "string" } }, required: ["prompt"] }],
  ["test_elicitation", "Asks the user",
    { type: "object", properties: { message: { type: "string" } }, required: ["message"] }],
  ["test_elicitation_sep1034_defaults", "Elicitation with defaults", noArguments],
  ["test_elicitation_sep1330_enums", "Elicitation with every enum form", noArguments],
  ["test_reconnection", "Answers after a short delay (a stdio server cannot close the HTTP stream)", noArguments],
  ["json_schema_2020_12_tool", "Tool with JSON Schema 2020-12 features", {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    type: "object",
    $defs: { address: { type: "object", properties: { street: { type: "string" }, city: { type: "string" } } } },
    properties: { name: { type: "string" }, address: { $ref: "#/$defs/address" } },
    additionalProperties: false,
  }],
].map(([name, description, inputSchema]) => ({ name, description, inputSchema }));

server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools }));

let logLevel = "debug";
const levels = ["debug", "info", "notice", "warning", "error", "critical", "alert", "emergency"];
async function log(level, data) {
  if (levels.indexOf(level) >= levels.indexOf(logLevel))
    await server.sendLoggingMessage({ level, data });
}
server.setRequestHandler(SetLevelRequestSchema, async (request) => { logLevel = request.params.level; return {}; });

const elicitDefaults = {
  type: "object",
  properties: {
    name: { type: "string", default: "John Doe" },
    age: { type: "integer", default: 30 },
    score: { type: "number", default: 95.5 },
    status: { type: "string", enum: ["active", "inactive", "pending"], default: "active" },
    verified: { type: "boolean", default: true },
  },
};
const elicitEnums = {
  type: "object",
  properties: {
    untitledSingle: { type: "string", enum: ["option1", "option2", "option3"] },
    titledSingle: { type: "string", oneOf: [{ const: "value1", title: "First Option" },
      { const: "value2", title: "Second Option" }, { const: "value3", title: "Third Option" }] },
    legacyEnum: { type: "string", enum: ["opt1", "opt2", "opt3"],
      enumNames: ["Option One", "Option Two", "Option Three"] },
    untitledMulti: { type: "array", items: { type: "string", enum: ["option1", "option2", "option3"] } },
    titledMulti: { type: "array", items: { anyOf: [{ const: "value1", title: "First Choice" },
      { const: "value2", title: "Second Choice" }, { const: "value3", title: "Third Choice" }] } },
  },
};

async function elicit(params) {
  const answer = await server.elicitInput(params);
  return { content: [text(`Elicitation completed: action=${answer.action}, content=${JSON.stringify(answer.content ?? {})}`)] };
}

const toolCalls = {
  test_simple_text: async () => ({ content: [text("This is a simple text response for testing.")] }),
  test_image_content: async () => ({ content: [{ type: "image", data: PNG, mimeType: "image/png" }] }),
  test_audio_content: async () => ({ content: [{ type: "audio", data: WAV, mimeType: "audio/wav" }] }),
  test_embedded_resource: async () => ({ content: [{ type: "resource", resource: {
    uri: "test://embedded-resource", mimeType: "text/plain", text: "This is an embedded resource content." } }] }),
  test_multiple_content_types: async () => ({ content: [
    text("Multiple content types test:"),
    { type: "image", data: PNG, mimeType: "image/png" },
    { type: "resource", resource: { uri: "test://mixed-content-resource", mimeType: "application/json",
      text: JSON.stringify({ test: "data", value: 123 }) } }] }),
  test_tool_with_logging: async () => {
    await log("info", "Tool execution started");
    await sleep(50);
    await log("info", "Tool processing data");
    await sleep(50);
    await log("info", "Tool execution completed");
    return { content: [text("Tool with logging executed successfully")] };
  },
  test_error_handling: async () => ({ isError: true,
    content: [text("This tool intentionally returns an error for testing")] }),
  test_tool_with_progress: async (request, extra) => {
    const token = request.params._meta?.progressToken;
    for (const progress of [0, 50, 100]) {
      if (token !== undefined)
        await extra.sendNotification({ method: "notifications/progress",
          params: { progressToken: token, progress, total: 100 } });
      if (progress < 100) await sleep(50);
    }
    return { content: [text("Tool with progress executed successfully")] };
  },
  test_sampling: async (request) => {
    const answer = await server.createMessage({ maxTokens: 100,
      messages: [{ role: "user", content: text(request.params.arguments.prompt) }] });
    return { content: [text(`LLM response: ${answer.content.text}`)] };
  },
  test_elicitation: async (request) => {
    const answer = await server.elicitInput({ message: request.params.arguments.message, requestedSchema: {
      type: "object",
      properties: { username: { type: "string", description: "User's response" },
        email: { type: "string", description: "User's email address" } },
      required: ["username", "email"] } });
    return { content: [text(`User response: action=${answer.action}, content=${JSON.stringify(answer.content ?? {})}`)] };
  },
  test_elicitation_sep1034_defaults: async () =>
    elicit({ message: "Test client default value handling", requestedSchema: elicitDefaults }),
  test_elicitation_sep1330_enums: async () =>
    elicit({ message: "Test enum schema variants", requestedSchema: elicitEnums }),
  test_reconnection: async () => { await sleep(100); return { content: [text("Reconnection test completed")] }; },
  json_schema_2020_12_tool: async () => ({ content: [text("ok")] }),
};

server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
  const call = toolCalls[request.params.name];
  if (!call) throw new Error(`unknown tool ${request.params.name}`);
  return call(request, extra);
});

const resources = [
  { uri: "test://static-text", name: "static-text", description: "A static text resource", mimeType: "text/plain" },
  { uri: "test://static-binary", name: "static-binary", description: "A static PNG", mimeType: "image/png" },
  { uri: "test://watched-resource", name: "watched-resource", description: "Can be subscribed to",
    mimeType: "text/plain" },
];
server.setRequestHandler(ListResourcesRequestSchema, async () => ({ resources }));
server.setRequestHandler(ListResourceTemplatesRequestSchema, async () => ({ resourceTemplates: [
  { uriTemplate: "test://template/{id}/data", name: "template", description: "Data by id",
    mimeType: "application/json" }] }));

server.setRequestHandler(ReadResourceRequestSchema, async (request) => {
  const uri = request.params.uri;
  if (uri === "test://static-text")
    return { contents: [{ uri, mimeType: "text/plain", text: "This is the content of the static text resource." }] };
  if (uri === "test://static-binary") return { contents: [{ uri, mimeType: "image/png", blob: PNG }] };
  if (uri === "test://watched-resource") return { contents: [{ uri, mimeType: "text/plain", text: "watched" }] };
  const match = /^test:\/\/template\/([^/]+)\/data$/.exec(uri);
  if (match)
    return { contents: [{ uri, mimeType: "application/json",
      text: JSON.stringify({ id: match[1], templateTest: true, data: `Data for ID: ${match[1]}` }) }] };
  throw new Error(`unknown resource ${uri}`);
});

const subscriptions = new Set();
server.setRequestHandler(SubscribeRequestSchema, async (request) => { subscriptions.add(request.params.uri); return {}; });
server.setRequestHandler(UnsubscribeRequestSchema, async (request) => {
  subscriptions.delete(request.params.uri);
  return {};
});

const prompts = [
  { name: "test_simple_prompt", description: "A prompt without arguments" },
  { name: "test_prompt_with_arguments", description: "A prompt with two arguments", arguments: [
    { name: "arg1", description: "First test argument", required: true },
    { name: "arg2", description: "Second test argument", required: true }] },
  { name: "test_prompt_with_embedded_resource", description: "A prompt embedding a resource", arguments: [
    { name: "resourceUri", description: "URI of the resource to embed", required: true }] },
  { name: "test_prompt_with_image", description: "A prompt with an image" },
];
server.setRequestHandler(ListPromptsRequestSchema, async () => ({ prompts }));

server.setRequestHandler(GetPromptRequestSchema, async (request) => {
  const args = request.params.arguments ?? {};
  const user = (content) => ({ role: "user", content });
  switch (request.params.name) {
    case "test_simple_prompt": return { messages: [user(text("This is a simple prompt for testing."))] };
    case "test_prompt_with_arguments":
      return { messages: [user(text(`Prompt with arguments: arg1='${args.arg1}', arg2='${args.arg2}'`))] };
    case "test_prompt_with_embedded_resource":
      return { messages: [
        user({ type: "resource", resource: { uri: args.resourceUri, mimeType: "text/plain",
          text: "Embedded resource content for testing." } }),
        user(text("Please process the embedded resource above."))] };
    case "test_prompt_with_image":
      return { messages: [user({ type: "image", data: PNG, mimeType: "image/png" }),
        user(text("Please analyze the image above."))] };
  }
  throw new Error(`unknown prompt ${request.params.name}`);
});

server.setRequestHandler(CompleteRequestSchema, async (request) => {
  const value = request.params.argument.value ?? "";
  const values = ["paris", "park", "party"].filter((v) => v.startsWith(value));
  return { completion: { values, total: values.length, hasMore: false } };
});

await server.connect(new StdioServerTransport());
