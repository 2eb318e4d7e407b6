// Tests of JsonSchema (lib/include/ssetool/client/json_schema.hpp): valijson through nlohmann::json, the problem
// lines of a failing document (where, which constraint), and the refusal of bad schema files.
#include <catch2/catch.hpp>

#include <fstream>

#include "ssetool/base/errors.hpp"
#include "ssetool/client/json_schema.hpp"
#include "temp_dir.hpp"

using ssetool::JsonSchema;
using Problems = std::vector<std::string>;

namespace {

constexpr const char* kSchema = R"({
  "type": "object", "required": ["n"],
  "properties": {"n": {"type": "integer", "minimum": 3},
                 "tags": {"type": "array", "items": {"type": "string"}}}})";

std::string invalid_argument(const std::function<void()>& f) {
  try {
    f();
  } catch (const ssetool::InvalidArgument& e) {
    return e.what();
  }
  return "(no InvalidArgument)";
}

}  // namespace

TEST_CASE("JsonSchema: valid data has no problems", "[client][schema]") {
  JsonSchema schema = JsonSchema::parse(kSchema, "s.json");
  CHECK(schema.check(R"({"n": 3, "tags": ["a"]})").empty());
}

TEST_CASE("JsonSchema: a failure names where in the data and the constraint", "[client][schema]") {
  JsonSchema schema = JsonSchema::parse(kSchema, "s.json");
  CHECK(schema.check(R"({"n": 1})") == Problems{"/n: Expected number greater than or equal to 3.000000"});
  CHECK(schema.check(R"({"n": "x"})") == Problems{"/n: Value type not permitted by 'type' constraint."});
  CHECK(schema.check(R"({"n": 5, "tags": ["a", 2]})") ==
        Problems{"/tags/1: Value type not permitted by 'type' constraint."});
  CHECK(schema.check(R"({})") == Problems{"/: Missing required property 'n'."});
}

TEST_CASE("JsonSchema: data that is not JSON, or nests too deep, is a problem, not a crash", "[client][schema]") {
  JsonSchema schema = JsonSchema::parse(kSchema, "s.json");
  CHECK(schema.check("[DONE]") == Problems{"data is not JSON"});
  CHECK(schema.check("") == Problems{"data is not JSON"});
  std::string deep = std::string(100000, '[') + std::string(100000, ']');
  CHECK(schema.check(deep) == Problems{"data nests deeper than 256 levels"});
  CHECK(schema.check("[\"[[[[\"]").size() == 1);  // brackets in strings do not count: a type problem only
}

TEST_CASE("JsonSchema: at most kMaxProblems problems per document", "[client][schema]") {
  JsonSchema schema = JsonSchema::parse(R"({"type": "array", "items": {"type": "string"}})", "s.json");
  CHECK(schema.check("[1,2,3,4,5,6,7,8]").size() == JsonSchema::kMaxProblems);
}

TEST_CASE("JsonSchema: a bad schema file is refused with its name", "[client][schema]") {
  testsupport::TempDir dir;
  std::string path = dir.path() + "/bad.json";
  std::ofstream(path) << R"({"type": "integr"})";
  CHECK_THAT(invalid_argument([&] { JsonSchema::load(path); }),
             Catch::Matchers::StartsWith(path + ": not a valid JSON Schema") && Catch::Matchers::Contains("integr"));
  std::ofstream(path) << "{ not json";
  CHECK_THAT(invalid_argument([&] { JsonSchema::load(path); }), Catch::Matchers::StartsWith(path + ": not JSON"));
  CHECK_THAT(invalid_argument([&] { JsonSchema::load(dir.path() + "/missing.json"); }),
             Catch::Matchers::StartsWith(dir.path() + "/missing.json: cannot read: No such file"));
  CHECK_THAT(invalid_argument([] { JsonSchema::parse(R"({"$ref": "http://example.com/s"})", "r.json"); }),
             Catch::Matchers::StartsWith("r.json: not a valid JSON Schema"));
  CHECK_THAT(invalid_argument([] { JsonSchema::parse("[1]", "a.json"); }),
             Catch::Matchers::StartsWith("a.json: not a JSON Schema"));
}
