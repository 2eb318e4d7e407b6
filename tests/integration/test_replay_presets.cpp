// Integration tests of `ssetool replay --preset` (issue 18, item 4): each provider preset read by the provider's
// official SDK (openai: chat.completions.create with stream and responses.stream; @anthropic-ai/sdk:
// messages.stream, text and tool_use; the Vercel AI SDK over @ai-sdk/openai), from the command line and from a
// routes file, the request's model echoed, usage, time to first token and tokens per second as the client sees
// them, and the usage errors. The SDKs come from tests/data/replay/sdk (npm ci there; scripts/test does it) and run
// on the Node 22 of its `node` package.
#include <catch2/catch.hpp>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "testsupport.hpp"

using namespace testsupport;
using namespace std::chrono_literals;
using Json = nlohmann::json;

namespace {

std::string sdk_dir() { return std::string(SSETOOL_TEST_DATA) + "/replay/sdk"; }

bool file_exists(const std::string& path) { return ::access(path.c_str(), R_OK) == 0; }

// What the SDK made of the stream at BASE (sdk_client.mjs MODE BASE): its JSON line. Fails the test, with the
// SDK's error, when the SDK refused the stream.
Json sdk_read(const std::string& mode, const std::string& base, const std::string& model = "gpt-test-1") {
  std::string node = sdk_dir() + "/node_modules/node/bin/node";
  INFO("the SDKs are not installed: run `npm ci --prefix " << sdk_dir() << "` (scripts/test does)");
  REQUIRE(file_exists(node));
  Process client({node, sdk_dir() + "/sdk_client.mjs", mode, base, model});
  auto status = client.wait(30s);
  INFO(mode << " " << base << ": " << client.stderr_text());
  REQUIRE(status == 0);
  return Json::parse(client.stdout_text());
}

std::string base_url(const SsetoolProcess& server, const std::string& prefix = "") {
  return "http://127.0.0.1:" + std::to_string(server.port) + prefix;
}

const std::string kAnswer = "Hello from the mock, streamed token by token.";
constexpr int kAnswerTokens = 8;

}  // namespace

TEST_CASE("replay --preset openai-chat: the openai SDK streams it, with usage when asked, and the AI SDK reads it",
          "[replay][preset][sdk]") {
  auto server = start_replay({"--preset", "openai-chat", "--text", kAnswer});
  Json plain = sdk_read("openai-chat", base_url(server, "/v1"));
  CHECK(plain["text"] == kAnswer);
  CHECK(plain["deltas"] == kAnswerTokens);
  CHECK(plain["model"] == "gpt-test-1");  // the request's model, echoed
  CHECK(plain["stop"] == "stop");
  CHECK(plain["usage"].is_null());

  Json usage = sdk_read("openai-chat-usage", base_url(server, "/v1"), "gpt-4o");
  CHECK(usage["text"] == kAnswer);
  CHECK(usage["model"] == "gpt-4o");
  CHECK(usage["usage"]["completion_tokens"] == kAnswerTokens);
  CHECK(usage["usage"]["prompt_tokens"].get<int>() > 0);
  CHECK(usage["usage"]["total_tokens"] ==
        usage["usage"]["prompt_tokens"].get<int>() + usage["usage"]["completion_tokens"].get<int>());

  Json ai = sdk_read("ai-sdk", base_url(server, "/v1"));
  CHECK(ai["text"] == kAnswer);
  CHECK(ai["model"] == "gpt-test-1");
  CHECK(ai["stop"] == "stop");
}

TEST_CASE("replay --preset openai-responses: the openai SDK's responses.stream reads it to the final response",
          "[replay][preset][sdk]") {
  auto server = start_replay({"--preset", "openai-responses", "--text", kAnswer});
  Json r = sdk_read("openai-responses", base_url(server, "/v1"), "gpt-5");
  CHECK(r["text"] == kAnswer);
  CHECK(r["streamed"] == kAnswer);
  CHECK(r["deltas"] == kAnswerTokens);
  CHECK(r["model"] == "gpt-5");
  CHECK(r["stop"] == "completed");
  CHECK(r["usage"]["output_tokens"] == kAnswerTokens);
}

TEST_CASE("replay --preset anthropic-messages: the Anthropic SDK's messages.stream reads text and a tool_use",
          "[replay][preset][sdk]") {
  auto server = start_replay({"--preset", "anthropic-messages", "--text", kAnswer});
  Json text = sdk_read("anthropic", base_url(server), "claude-test-1");
  CHECK(text["text"] == kAnswer);
  CHECK(text["streamed"] == kAnswer);
  CHECK(text["model"] == "claude-test-1");
  CHECK(text["stop"] == "end_turn");
  CHECK(text["tools"] == Json::array());
  CHECK(text["usage"]["output_tokens"] == kAnswerTokens);

  // From a routes file, at a path of its own: a text block, then a tool call whose input arrives in pieces.
  TempDir dir;
  Json routes = Json::array(
      {{{"match", {{"path", "/tools/v1/messages"}}},
        {"preset",
         {{"name", "anthropic-messages"},
          {"text", "Let me look that up."},
          {"tool_use", {{"name", "get_weather"}, {"input", {{"city", "Paris"}, {"unit", "celsius"}}}}}}}}});
  auto routed = start_replay({"--routes", dir.write("routes.json", routes.dump())});
  Json tool = sdk_read("anthropic", base_url(routed, "/tools"), "claude-test-2");
  CHECK(tool["text"] == "Let me look that up.");
  CHECK(tool["model"] == "claude-test-2");
  CHECK(tool["stop"] == "tool_use");
  CHECK(tool["tools"] == Json::array({{{"name", "get_weather"}, {"input", {{"city", "Paris"}, {"unit", "celsius"}}}}}));
}

TEST_CASE("replay --preset --ttft --tps: the SDK sees the first token after ttft and the rest at tps",
          "[replay][preset][sdk]") {
  // 10 tokens at 20 per second: the first at 250 ms, the last 9 gaps of 50 ms (±20%) later.
  auto server = start_replay({"--preset", "openai-chat", "--text", "a b c d e f g h i j", "--ttft", "250ms", "--tps",
                              "20", "--jitter", "20%", "--seed", "7"});
  Json r = sdk_read("openai-chat", base_url(server, "/v1"));
  CHECK(r["deltas"] == 10);
  double first = r["first_ms"], last = r["last_ms"];
  CHECK(first >= 250);
  CHECK(first < 2000);
  CHECK(last - first >= 9 * 50 * 0.8 - 5);
  CHECK(last - first < 9 * 50 * 1.2 + 1500);
}

TEST_CASE("replay --preset usage errors exit 2 with the flag named", "[replay][preset]") {
  auto check = [](std::vector<std::string> args, const std::string& message) {
    args.insert(args.begin(), {ssetool_binary(), "replay", "--listen", "127.0.0.1:0"});
    Process process(args);
    auto status = process.wait();
    INFO(process.stderr_text());
    CHECK(status == 2);
    CHECK(process.stderr_text().find(message) != std::string::npos);
  };
  check({"--preset", "gpt"}, "ssetool: replay: --preset 'gpt': unknown preset (expected openai-chat, openai-responses or anthropic-messages)");
  check({"--preset", "openai-chat"}, "--preset: give the answer with --text TEXT or --text @FILE");
  check({"--preset", "openai-chat", "--text", "@/nonexistent/answer.txt"}, "--text /nonexistent/answer.txt: cannot read: ");
  check({"--preset", "openai-chat", "--text", "x", "--tps", "-3"}, "--tps -3: must be a number of tokens per second >= 0");
  check({"--preset", "openai-chat", "--text", "x", "--jitter", "150%"}, "--jitter '150%': expected a percentage from 0% to 100%");
  check({replay_sample("ticks.tape"), "--text", "x"}, "--text: applies to --preset, which is not given");
  check({replay_sample("ticks.tape"), "--jitter", "20%"}, "--jitter 20%: a percentage varies --preset's token timing");
}

TEST_CASE("replay templates: the SDKs read a templated recording and a templated preset filled from their request",
          "[replay][preset][template][sdk]") {
  TempDir dir;
  dir.write("chat.sse",
            "data: {\"id\":\"chatcmpl-{{seq}}\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"{{body.model}}\","
            "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"You said: "
            "{{body.messages.0.content}} \"},\"finish_reason\":null}]}\n\n"
            "data: {\"id\":\"chatcmpl-{{seq}}\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"{{body.model}}\","
            "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"(call {{seq}})\"},\"finish_reason\":\"stop\"}]}\n\n"
            "data: [DONE]\n\n");
  Json routes = Json::array(
      {{{"match", {{"method", "POST"}, {"path", "/v1/chat/completions"}}}, {"recording", "chat.sse"}, {"template", true}},
       {{"template", true},
        {"preset", {{"name", "anthropic-messages"}, {"text", "You asked {{body.model}} (call {{seq}})"}}}}});
  auto server = start_replay({"--routes", dir.write("routes.json", routes.dump())});
  Json chat = sdk_read("openai-chat", base_url(server, "/v1"), "gpt-\"quoted\"");
  CHECK(chat["text"] == "You said: Say hello (call 1)");
  CHECK(chat["model"] == "gpt-\"quoted\"");  // JSON-escaped into the data, read back as sent
  CHECK(sdk_read("openai-chat", base_url(server, "/v1"))["text"] == "You said: Say hello (call 2)");
  Json messages = sdk_read("anthropic", base_url(server), "claude-t");
  CHECK(messages["text"] == "You asked claude-t (call 1)");

  // --template on the command line, values from the query and a header.
  dir.write("hello.sse", "data: {\"hi\":\"{{query.name}}\",\"id\":\"{{header.X-Test-Id}}\"}\n\n");
  auto cli = start_replay({dir.path() + "/hello.sse", "--template"});
  auto r = http_request(cli.port, "GET", "/events?name=Ada%22%0A", {{"X-Test-Id", "t-1"}});
  CHECK(r.body == "data: {\"hi\":\"Ada\\\"\\n\",\"id\":\"t-1\"}\n\n");
  auto [status, err] = [&] {
    Process bad({ssetool_binary(), "replay", "--listen", "127.0.0.1:0", dir.write("bad.sse", "data: {{nope}}\n\n"),
                 "--template"});
    auto s = bad.wait();
    return std::pair{s, bad.stderr_text()};
  }();
  CHECK(status == 2);
  CHECK(err.find("--template: " + dir.path() + "/bad.sse: '{{nope}}': unknown value") != std::string::npos);
}
