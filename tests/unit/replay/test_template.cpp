// Unit tests for replay's templates: each placeholder, JSON-safe escaping, values the request lacks, the checks,
// rendering a recording's events, and "template" in a routes file.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>
#include <regex>

#include "ssetool/base/errors.hpp"
#include "ssetool/replay/recording_loader.hpp"
#include "ssetool/replay/routes_file.hpp"
#include "ssetool/replay/template.hpp"

using namespace ssetool;

namespace {

Request sample_request() {
  Request r;
  r.method = "POST";
  r.path = "/v1/chat";
  r.query = {{"x", "42"}};
  r.headers = {{"X-Id", "abc"}};
  r.body = R"({"model":"gpt-4o","messages":[{"content":"say \"hi\"\nplease"}],"n":3})";
  return r;
}

std::string render(const std::string& text, std::uint64_t seq = 1) {
  Request r = sample_request();
  std::mt19937_64 random(1);
  TemplateContext context{r, seq, random};
  return render_template(text, context);
}

}  // namespace

TEST_CASE("templates fill body, query, header and seq from the request", "[replay][template]") {
  CHECK(render("model={{body.model}} x={{query.x}} id={{header.x-id}} seq={{ seq }}", 7) ==
        "model=gpt-4o x=42 id=abc seq=7");
  CHECK(render("{{body.n}} {{body.messages.0}}") == R"(3 {\"content\":\"say \\\"hi\\\"\\nplease\"})");
  CHECK(render("[{{body.missing}}|{{query.y}}|{{header.nope}}]") == "[||]");
  CHECK(render("no placeholders, {single} braces") == "no placeholders, {single} braces");
}

TEST_CASE("template values are JSON-string-escaped: no quote, backslash or line break gets through", "[replay][template]") {
  std::string data = render(R"({"echo":"{{body.messages.0.content}}"})");
  CHECK(data == R"({"echo":"say \"hi\"\nplease"})");
  CHECK(nlohmann::json::parse(data)["echo"] == "say \"hi\"\nplease");
  CHECK(data.find('\n') == std::string::npos);
}

TEST_CASE("templates: uuid is a version 4 UUID from the seed, now an RFC 3339 UTC time", "[replay][template]") {
  std::string id = render("{{uuid}}");
  CHECK(std::regex_match(id, std::regex("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")));
  CHECK(render("{{uuid}}") == id);  // same seed, same id
  CHECK(std::regex_match(render("{{now}}"), std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")));
}

TEST_CASE("template checks name the bad placeholder", "[replay][template]") {
  CHECK_NOTHROW(check_template("{{body.a.b}} {{query.q}} {{header.h}} {{seq}} {{uuid}} {{now}}"));
  CHECK_THROWS_WITH(check_template("x {{bodi.model}}"),
                    "'{{bodi.model}}': unknown value (expected body.PATH, query.NAME, header.NAME, seq, uuid or now)");
  CHECK_THROWS_WITH(check_template("{{body.}}"), Catch::StartsWith("'{{body.}}': unknown value"));
  CHECK_THROWS_WITH(check_template("a {{seq"), "'{{seq': '{{' without '}}'");
  CHECK(render("a {{seq") == "a {{seq");
}

TEST_CASE("a templated recording is rendered per request, event by event", "[replay][template]") {
  auto recording = parse_recording("data: {\"model\":\"{{body.model}}\",\"n\":{{seq}}}\n\ndata: [DONE]\n\n", "t.sse");
  check_recording_template(*recording);
  Request r = sample_request();
  std::mt19937_64 random(1);
  TemplateContext context{r, 2, random};
  auto rendered = render_response(*recording, recording->responses[0], context);
  const auto& items = rendered->responses[0].items;
  REQUIRE(items.size() == 2);
  CHECK(items[0].event->data == R"({"model":"gpt-4o","n":2})");
  CHECK(*items[0].bytes == "data: {\"model\":\"gpt-4o\",\"n\":2}\n\n");
  CHECK(*items[1].bytes == "data: [DONE]\n\n");
  CHECK(recording->responses[0].items[0].event->data == R"({"model":"{{body.model}}","n":{{seq}}})");  // untouched
}

TEST_CASE("a routes file's template: a bad placeholder is named with its line", "[replay][template][routes-file]") {
  auto routes = parse_routes_file(
      R"([{"template": true, "preset": {"name": "openai-chat", "text": "You chose {{body.model}}"}}])", "routes.json",
      "", Route{});
  CHECK(routes[0].templated);
  try {
    parse_routes_file("[{\"preset\": {\"name\": \"openai-chat\", \"text\": \"{{oops}}\"},\n \"template\": true}]",
                      "routes.json", "", Route{});
    FAIL("no error");
  } catch (const InvalidArgument& e) {
    CHECK(std::string(e.what()) == "routes.json:2: route 1: 'template': '{{oops}}': unknown value (expected body.PATH, "
                                   "query.NAME, header.NAME, seq, uuid or now)");
  }
}
