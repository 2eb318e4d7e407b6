// Reads a stream of `ssetool replay --preset` with a provider's official SDK and prints what the SDK made of it
// as one JSON line: {"text", "model", "usage", "stop", "tools", "deltas"}; openai-chat adds "first_ms" and "last_ms",
// when the first and last content deltas arrived, in ms since the request. Run by tests/integration/test_replay_presets.cpp.
// Usage: node sdk_client.mjs MODE BASE_URL [MODEL]
//   MODE: openai-chat, openai-chat-usage (stream_options.include_usage), openai-responses, anthropic, ai-sdk
// Exits 1 with the SDK's error on stderr when the SDK refuses the stream.
import OpenAI from "openai";
import Anthropic from "@anthropic-ai/sdk";
import { streamText } from "ai";
import { createOpenAI } from "@ai-sdk/openai";

const [mode, baseURL, model = "gpt-test-1"] = process.argv.slice(2);
const apiKey = "test-key";
const messages = [{ role: "user", content: "Say hello" }];

async function openaiChat(usage) {
  const client = new OpenAI({ baseURL, apiKey, maxRetries: 0 });
  const start = performance.now();
  const stream = await client.chat.completions.create({
    model, messages, stream: true, ...(usage ? { stream_options: { include_usage: true } } : {}),
  });
  const out = { text: "", deltas: 0, usage: null, stop: null, model: null, first_ms: null, last_ms: null };
  for await (const chunk of stream) {
    out.model = chunk.model;
    if (chunk.usage) out.usage = chunk.usage;
    for (const choice of chunk.choices) {
      if (choice.delta?.content) {
        out.text += choice.delta.content;
        out.deltas++;
        out.last_ms = performance.now() - start;
        out.first_ms ??= out.last_ms;
      }
      if (choice.finish_reason) out.stop = choice.finish_reason;
    }
  }
  return out;
}

async function openaiResponses() {
  const client = new OpenAI({ baseURL, apiKey, maxRetries: 0 });
  const stream = client.responses.stream({ model, input: "Say hello" });
  let deltas = 0, streamed = "";
  stream.on("response.output_text.delta", (e) => { deltas++; streamed += e.delta; });
  const final = await stream.finalResponse();
  return { text: final.output_text, streamed, deltas, usage: final.usage, stop: final.status, model: final.model };
}

async function anthropic() {
  const client = new Anthropic({ baseURL, apiKey, maxRetries: 0 });
  const stream = client.messages.stream({ model, max_tokens: 100, messages });
  let deltas = 0, streamed = "";
  stream.on("text", (t) => { deltas++; streamed += t; });
  const final = await stream.finalMessage();
  const text = final.content.filter((b) => b.type === "text").map((b) => b.text).join("");
  const tools = final.content.filter((b) => b.type === "tool_use").map((b) => ({ name: b.name, input: b.input }));
  return { text, streamed, deltas, usage: final.usage, stop: final.stop_reason, model: final.model, tools };
}

async function aiSdk() {
  const provider = createOpenAI({ baseURL, apiKey });
  const result = streamText({ model: provider.chat(model), prompt: "Say hello", maxRetries: 0 });
  let deltas = 0, text = "";
  for await (const part of result.textStream) { deltas++; text += part; }
  return { text, deltas, usage: await result.usage, stop: await result.finishReason, model: (await result.response).modelId };
}

const modes = {
  "openai-chat": () => openaiChat(false),
  "openai-chat-usage": () => openaiChat(true),
  "openai-responses": openaiResponses,
  anthropic,
  "ai-sdk": aiSdk,
};
if (!modes[mode]) { console.error(`sdk_client: unknown mode ${mode}`); process.exit(2); }
try {
  console.log(JSON.stringify(await modes[mode]()));
} catch (e) {
  console.error(`sdk_client ${mode}: ${e?.stack ?? e}`);
  process.exit(1);
}
