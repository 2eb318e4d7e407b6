// JSON Schema validation with valijson over nlohmann::json (see client/json_schema.hpp). valijson reports each
// failure with the path of the data it was checking ("<root>", "[items]", "[0]") and a description; failures
// that only wrap a deeper one ("Failed to validate ...") are left out when a deeper one is reported.
#define VALIJSON_USE_EXCEPTIONS 1  // a bad schema throws instead of aborting

#include "ssetool/client/json_schema.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validator.hpp>

#include "ssetool/base/errors.hpp"

namespace ssetool {
namespace {

// valijson's context ["<root>", "[tags]", "[0]"] as a JSON pointer: /tags/0 ("/" alone for the root).
std::string pointer(const std::vector<std::string>& context) {
  std::string out;
  for (const std::string& step : context) {
    if (step.size() < 2 || step.front() != '[' || step.back() != ']') continue;
    out += '/';
    for (char c : step.substr(1, step.size() - 2)) {
      if (c == '~') out += "~0";
      else if (c == '/') out += "~1";
      else out += c;
    }
  }
  return out.empty() ? "/" : out;
}

// True when arrays and objects nest deeper than `limit` (valijson validates recursively: bounded here).
bool nests_deeper_than(std::string_view json, int limit) {
  int depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < json.size(); ++i) {
    char c = json[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > limit) return true;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return false;
}

bool is_wrapper(const std::string& description) { return description.rfind("Failed to validate", 0) == 0; }

}  // namespace

struct JsonSchema::Impl {
  nlohmann::json document;
  valijson::Schema schema;
};

JsonSchema::JsonSchema(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
JsonSchema::JsonSchema(JsonSchema&&) noexcept = default;
JsonSchema& JsonSchema::operator=(JsonSchema&&) noexcept = default;
JsonSchema::~JsonSchema() = default;

JsonSchema JsonSchema::load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InvalidArgument(path + ": cannot read: " + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  return parse(text.str(), path);
}

JsonSchema JsonSchema::parse(std::string_view text, const std::string& name) {
  auto impl = std::make_unique<Impl>();
  try {
    impl->document = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw InvalidArgument(name + ": not JSON: " + e.what());
  }
  if (!impl->document.is_object() && !impl->document.is_boolean())
    throw InvalidArgument(name + ": not a JSON Schema (expected an object)");
  try {
    valijson::SchemaParser parser;
    valijson::adapters::NlohmannJsonAdapter adapter(impl->document);
    parser.populateSchema(adapter, impl->schema);
  } catch (const std::exception& e) {
    throw InvalidArgument(name + ": not a valid JSON Schema: " + e.what());
  }
  return JsonSchema(std::move(impl));
}

std::vector<std::string> JsonSchema::check(std::string_view json_text) const {
  if (nests_deeper_than(json_text, kMaxDepth)) return {"data nests deeper than " + std::to_string(kMaxDepth) + " levels"};
  nlohmann::json data = nlohmann::json::parse(json_text, nullptr, false);
  if (data.is_discarded()) return {"data is not JSON"};
  valijson::Validator validator;
  valijson::ValidationResults results;
  valijson::adapters::NlohmannJsonAdapter adapter(data);
  if (validator.validate(impl_->schema, adapter, &results)) return {};
  std::vector<std::string> problems;
  for (const auto& error : results) {
    if (is_wrapper(error.description)) continue;
    if (problems.size() == kMaxProblems) break;
    problems.push_back(pointer(error.context) + ": " + error.description);
  }
  if (problems.empty())  // only wrappers: report the first
    problems.push_back(pointer(results.begin()->context) + ": " + results.begin()->description);
  return problems;
}

}  // namespace ssetool
