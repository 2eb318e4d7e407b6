// Tests of JqFilter (lib/include/ssetool/client/jq_filter.hpp): libjq run on event data, its output lines, and
// how data that is not JSON, a failing program and a program that does not compile are reported.
#include <catch2/catch.hpp>

#include "ssetool/base/errors.hpp"
#include "ssetool/client/jq_filter.hpp"

using ssetool::JqFilter;
using Outputs = std::vector<std::string>;

TEST_CASE("JqFilter: strings come out raw, other values as compact JSON", "[client][jq]") {
  JqFilter filter(".choices[0].delta");
  CHECK(filter.run(R"({"choices":[{"delta":{"content":"Hi", "n": [1, 2]}}]})").outputs ==
        Outputs{R"({"content":"Hi","n":[1,2]})"});
  JqFilter content(".content");
  CHECK(content.run(R"({"content":"a \"b\"\nc"})").outputs == Outputs{"a \"b\"\nc"});
  CHECK(content.run(R"({"other":1})").outputs == Outputs{"null"});
}

TEST_CASE("JqFilter: select drops an event, several outputs give several lines", "[client][jq]") {
  JqFilter select("select(.n > 1) | .n");
  CHECK(select.run(R"({"n":1})").outputs.empty());
  CHECK(select.run(R"({"n":2})").outputs == Outputs{"2"});
  JqFilter each(".[]");
  CHECK(each.run("[1,\"two\",{\"x\":3}]").outputs == Outputs{"1", "two", R"({"x":3})"});
}

TEST_CASE("JqFilter: data that is not JSON is an error, and the next event still works", "[client][jq]") {
  JqFilter filter(".n");
  ssetool::JqResult bad = filter.run("[DONE]");
  CHECK(bad.outputs.empty());
  CHECK_THAT(bad.error, Catch::Matchers::StartsWith("data is not JSON ("));
  CHECK(filter.run("").error.rfind("data is not JSON", 0) == 0);
  CHECK(filter.run("{\"n\":1} {\"n\":2}").error.rfind("data is not JSON", 0) == 0);
  CHECK(filter.run(R"({"n":5})").outputs == Outputs{"5"});
}

TEST_CASE("JqFilter: a run-time error of the program is reported, with no partial output", "[client][jq]") {
  JqFilter filter(".[] | .x");
  ssetool::JqResult r = filter.run(R"([{"x":1}, 2])");
  CHECK(r.outputs.empty());
  CHECK_THAT(r.error, Catch::Matchers::StartsWith("jq: ") && Catch::Matchers::Contains("Cannot index number"));
  JqFilter error("error(\"custom\")");
  CHECK(error.run("{}").error == "jq: custom");
}

TEST_CASE("JqFilter: endless output is cut at kMaxOutputs", "[client][jq]") {
  JqFilter filter("repeat(1)");
  ssetool::JqResult r = filter.run("0");
  CHECK(r.outputs.empty());
  CHECK_THAT(r.error, Catch::Matchers::Contains("more than 10000 outputs"));
  JqFilter ok(".");
  CHECK(ok.run("1").outputs == Outputs{"1"});
}

TEST_CASE("JqFilter: a program that does not compile throws InvalidArgument on one line", "[client][jq]") {
  try {
    JqFilter filter(".foo[");
    FAIL("compiled");
  } catch (const ssetool::InvalidArgument& e) {
    std::string what = e.what();
    CHECK_THAT(what, Catch::Matchers::Contains("syntax error"));
    CHECK(what.find('\n') == std::string::npos);
  }
  CHECK_THROWS_AS(JqFilter("nosuchfunction(1)"), ssetool::InvalidArgument);
}
