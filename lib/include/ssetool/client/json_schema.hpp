// `listen --schema FILE`: a JSON Schema (draft 4 to 7, as valijson reads them) that each event's data must
// satisfy. A failing event is described by its problems, each with where in the data it is (a JSON pointer) and
// which constraint of the schema failed.
//
//   ssetool::JsonSchema schema = ssetool::JsonSchema::load("event.schema.json");  // InvalidArgument naming the file
//   std::vector<std::string> problems = schema.check(R"({"n": "x"})");
//   // {"/n: Value type not permitted by 'type' constraint."}; empty when the data is valid.
//
// Remote references ($ref to another document) are not fetched: such a schema is refused when loaded.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace ssetool {

class JsonSchema {
 public:
  static constexpr std::size_t kMaxProblems = 5;  // problems reported for one event
  static constexpr int kMaxDepth = 256;  // data nesting deeper than this is refused, not validated (as jq does)

  // From a file; InvalidArgument "FILE: why" when it cannot be read, is not JSON or is not a schema.
  static JsonSchema load(const std::string& path);
  // From the schema's text; InvalidArgument "NAME: why".
  static JsonSchema parse(std::string_view text, const std::string& name);

  JsonSchema(JsonSchema&&) noexcept;
  JsonSchema& operator=(JsonSchema&&) noexcept;
  ~JsonSchema();

  // What is wrong with `json_text` (at most kMaxProblems lines); empty when it is valid.
  std::vector<std::string> check(std::string_view json_text) const;

 private:
  struct Impl;
  explicit JsonSchema(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ssetool
