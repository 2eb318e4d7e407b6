// Unit tests for replay's provider presets: tokens, timing (ttft, tps, seeded jitter), each provider's events
// (model echoed, usage, [DONE], tool_use), the checks, and preset routes in a routes file.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "ssetool/base/errors.hpp"
#include "ssetool/replay/preset.hpp"
#include "ssetool/replay/routes_file.hpp"

using namespace ssetool;
using namespace std::chrono_literals;
using json = nlohmann::json;

namespace {

Request post(std::string body) {
  Request r;
  r.method = "POST";
  r.path = "/v1/x";
  r.body = std::move(body);
  return r;
}

// A copy: the recording is a temporary.
ReplayResponse only(const std::shared_ptr<const Recording>& recording) {
  REQUIRE(recording->responses.size() == 1);
  return recording->responses.front();
}

std::vector<std::string> types(const ReplayResponse& r) {
  std::vector<std::string> out;
  for (const ReplayItem& item : r.items) out.push_back(item.event->type.value_or(""));
  return out;
}

json data(const ReplayItem& item) { return json::parse(item.event->data); }

std::string routes_error(const std::string& text) {
  try {
    parse_routes_file(text, "routes.json", "", Route{});
  } catch (const InvalidArgument& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("a preset's text is cut before each run of whitespace", "[replay][preset]") {
  CHECK(preset_tokens("Hello world, how are you?") ==
        std::vector<std::string>{"Hello", " world,", " how", " are", " you?"});
  CHECK(preset_tokens("  lead\n\nnext ") == std::vector<std::string>{"  lead", "\n\nnext", " "});
  CHECK(preset_tokens("").empty());
  CHECK(preset_tokens("one") == std::vector<std::string>{"one"});
}

TEST_CASE("openai-chat: role, a delta per token, finish_reason, [DONE], the request's model", "[replay][preset]") {
  Preset p{PresetKind::openai_chat, "Hi there"};
  const ReplayResponse r = only(synthesize(p, post(R"({"model":"gpt-4o","stream":true})"), 1));
  REQUIRE(r.items.size() == 5);  // role, "Hi", " there", stop, [DONE]
  CHECK(data(r.items[0])["choices"][0]["delta"]["role"] == "assistant");
  CHECK(data(r.items[1])["choices"][0]["delta"]["content"] == "Hi");
  CHECK(data(r.items[2])["choices"][0]["delta"]["content"] == " there");
  CHECK(data(r.items[3])["choices"][0]["finish_reason"] == "stop");
  CHECK(r.items[4].event->data == "[DONE]");
  CHECK(*r.items[4].bytes == "data: [DONE]\n\n");
  for (int i = 0; i < 4; ++i) {
    json d = data(r.items[i]);
    CHECK(d["model"] == "gpt-4o");
    CHECK(d["object"] == "chat.completion.chunk");
    CHECK(d["id"] == data(r.items[0])["id"]);
    CHECK_FALSE(d.contains("usage"));
  }
  CHECK(data(only(synthesize(p, post("not json"), 1)).items[0])["model"] == std::string(kDefaultPresetModel));
}

TEST_CASE("openai-chat: the usage chunk only when the request asks for it", "[replay][preset]") {
  Preset p{PresetKind::openai_chat, "a b c"};
  std::string body = R"({"model":"m","stream":true,"stream_options":{"include_usage":true}})";
  const ReplayResponse r = only(synthesize(p, post(body), 1));
  REQUIRE(r.items.size() == 7);  // role, 3 tokens, stop, usage, [DONE]
  CHECK(data(r.items[1]).contains("usage"));
  CHECK(data(r.items[1])["usage"].is_null());
  json usage = data(r.items[5]);
  CHECK(usage["choices"] == json::array());
  CHECK(usage["usage"]["completion_tokens"] == 3);
  CHECK(usage["usage"]["prompt_tokens"] == (body.size() + 3) / 4);
  CHECK(usage["usage"]["total_tokens"] == 3 + (body.size() + 3) / 4);
}

TEST_CASE("openai-responses: the Responses API events in order, numbered", "[replay][preset]") {
  Preset p{PresetKind::openai_responses, "Hello you"};
  const ReplayResponse r = only(synthesize(p, post(R"({"model":"gpt-5"})"), 7));
  CHECK(types(r) == std::vector<std::string>{"response.created", "response.in_progress", "response.output_item.added",
                                             "response.content_part.added", "response.output_text.delta",
                                             "response.output_text.delta", "response.output_text.done",
                                             "response.content_part.done", "response.output_item.done",
                                             "response.completed"});
  for (std::size_t i = 0; i < r.items.size(); ++i) {
    CHECK(data(r.items[i])["type"] == *r.items[i].event->type);
    CHECK(data(r.items[i])["sequence_number"] == i);
  }
  CHECK(data(r.items[0])["response"]["model"] == "gpt-5");
  CHECK(data(r.items[5])["delta"] == " you");
  json done = data(r.items[9])["response"];
  CHECK(done["status"] == "completed");
  CHECK(done["output"][0]["content"][0]["text"] == "Hello you");
  CHECK(done["usage"]["output_tokens"] == 2);
}

TEST_CASE("anthropic-messages: text block, tool_use block in pieces, stop reason and usage", "[replay][preset]") {
  Preset p{PresetKind::anthropic_messages, "Let me check."};
  p.tool_use = PresetToolUse{"get_weather", R"({"city":"Paris","unit":"celsius"})"};
  const ReplayResponse r = only(synthesize(p, post(R"({"model":"claude-x"})"), 3));
  std::vector<std::string> t = types(r);
  REQUIRE(t.size() > 10);
  CHECK(t[0] == "message_start");
  CHECK(data(r.items[0])["message"]["model"] == "claude-x");
  CHECK(t[1] == "ping");
  std::string text, partial;
  int starts = 0;
  for (const ReplayItem& item : r.items) {
    json d = data(item);
    if (d["type"] == "content_block_start") ++starts;
    if (d["type"] != "content_block_delta") continue;
    if (d["delta"]["type"] == "text_delta") text += d["delta"]["text"].get<std::string>();
    else partial += d["delta"]["partial_json"].get<std::string>();
  }
  CHECK(starts == 2);
  CHECK(text == "Let me check.");
  CHECK(json::parse(partial) == json{{"city", "Paris"}, {"unit", "celsius"}});
  json delta = data(r.items[r.items.size() - 2]);
  CHECK(delta["type"] == "message_delta");
  CHECK(delta["delta"]["stop_reason"] == "tool_use");
  CHECK(delta["usage"]["output_tokens"] == 3 + (json::parse(p.tool_use->input).dump().size() + 11) / 12);
  CHECK(t.back() == "message_stop");

  p.tool_use.reset();
  CHECK(data(only(synthesize(p, post("{}"), 3)).items.back())["type"] == "message_stop");
}

TEST_CASE("preset timing: nothing before ttft, then a token every 1/tps, jitter from the seed", "[replay][preset]") {
  Preset p{PresetKind::openai_chat, "a b c d e f g h"};
  p.ttft = 300ms;
  p.tps = 10;
  const ReplayResponse steady = only(synthesize(p, post("{}"), 1));
  CHECK(*steady.items.front().at == 300ms);
  for (std::size_t i = 1; i <= 8; ++i) CHECK(*steady.items[i].at == 300ms + (i - 1) * 100ms);
  CHECK(*steady.items.back().at == 1000ms);

  p.jitter = 0.2;
  auto a = synthesize(p, post("{}"), 42);
  auto b = synthesize(p, post("{}"), 42);
  bool varied = false;
  for (std::size_t i = 2; i <= 8; ++i) {
    auto gap = *a->responses[0].items[i].at - *a->responses[0].items[i - 1].at;
    CHECK(gap >= 80ms);
    CHECK(gap <= 120ms);
    varied = varied || gap != 100ms;
    CHECK(*a->responses[0].items[i].at == *b->responses[0].items[i].at);  // same seed, same timing
  }
  CHECK(varied);

  p.tps = 0;
  const ReplayResponse burst = only(synthesize(p, post("{}"), 1));
  for (const ReplayItem& item : burst.items) CHECK(*item.at == 300ms);
}

TEST_CASE("preset checks: names, percentages, tps, tool_use only on anthropic-messages", "[replay][preset]") {
  CHECK(parse_preset_kind("openai-responses") == PresetKind::openai_responses);
  CHECK(default_path(PresetKind::anthropic_messages) == "/v1/messages");
  CHECK_THROWS_WITH(parse_preset_kind("openai"), Catch::Contains("unknown preset") && Catch::Contains("openai-chat"));
  CHECK(parse_percentage("20%") == Approx(0.2));
  CHECK(parse_percentage("0%") == 0);
  for (const char* bad : {"20", "%", "-1%", "101%", "x%", "nan%"})
    CHECK_THROWS_AS(parse_percentage(bad), InvalidArgument);
  Preset p{PresetKind::openai_chat, "x"};
  p.tool_use = PresetToolUse{"f", "{}"};
  CHECK_THROWS_WITH(check_preset(p), Catch::Contains("only the anthropic-messages preset"));
  p.kind = PresetKind::anthropic_messages;
  CHECK_NOTHROW(check_preset(p));
  p.tool_use->input = "[1]";
  CHECK_THROWS_WITH(check_preset(p), Catch::Contains("JSON object"));
  p.tool_use.reset();
  p.tps = -1;
  CHECK_THROWS_WITH(check_preset(p), Catch::Contains("tps"));
}

TEST_CASE("a routes file's preset route: POST at the preset's path unless matched otherwise", "[replay][preset][routes-file]") {
  auto routes = parse_routes_file(R"([
    {"preset": {"name": "anthropic-messages", "text": "Hi", "ttft": "10ms", "tps": 50, "jitter": "10%",
                "tool_use": {"name": "lookup", "input": {"q": 1}}}},
    {"match": {"path": "/chat"}, "preset": {"name": "openai-chat", "text": "Yo"}}
  ])", "routes.json", "", Route{});
  REQUIRE(routes.size() == 2);
  REQUIRE(routes[0].preset);
  CHECK(routes[0].match.path == "/v1/messages");
  CHECK(routes[0].match.methods == std::vector<std::string>{"POST"});
  CHECK(routes[0].preset->ttft == 10ms);
  CHECK(routes[0].preset->tps == 50);
  CHECK(routes[0].preset->jitter == Approx(0.1));
  CHECK(routes[0].preset->tool_use->input == R"({"q":1})");
  CHECK(routes[1].match.path == "/chat");
  CHECK(describe_route(routes[1]) == "POST /chat -> preset openai-chat");

  CHECK(routes_error("[\n{\"preset\": {\"name\": \"gpt\"}}]") ==
        "routes.json:2: route 1: 'preset': 'gpt': unknown preset (expected " + std::string(kPresetNames) + ")");
  CHECK(routes_error("[\n{\"preset\": {\"name\": \"openai-chat\",\n \"tokens\": 3}}]") ==
        "routes.json:2: route 1: unknown key 'tokens' in 'preset'");
  CHECK(routes_error("[{\"preset\": {\"name\": \"openai-chat\", \"tool_use\": {\"name\": \"f\"}}}]") ==
        "routes.json:1: route 1: 'preset': tool_use: only the anthropic-messages preset has a tool_use block");
  CHECK(routes_error("[{\"preset\": {\"name\": \"openai-chat\"}, \"body\": \"x\"}]") ==
        "routes.json:1: route 1: give one of 'recording', 'preset' or 'body'");
  CHECK(routes_error("[{\"preset\": {\"name\": \"openai-chat\", \"jitter\": \"5ms\"}}]").find("percentage") !=
        std::string::npos);
}
