// `listen --jq FILTER`: a jq program (libjq) run on each event's data, parsed as JSON. Each value the program
// outputs becomes one line of text: a string as its text (like `jq -r`), anything else as compact JSON.
//
//   ssetool::JqFilter filter(".choices[0].delta.content");   // throws InvalidArgument when it does not compile
//   ssetool::JqResult r = filter.run(R"({"choices":[{"delta":{"content":"Hi"}}]})");
//   // r.outputs == {"Hi"}; r.error empty. For data that is not JSON: r.error says why, r.outputs is empty.
//
// A program may output nothing (`select(...)`: the event is dropped) or several values; at most kMaxOutputs per
// event are kept, then the run of that event is an error. Threads: one JqFilter is used by one thread at a time.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

struct jq_state;

namespace ssetool {

struct JqResult {
  std::vector<std::string> outputs;  // one per value the program output
  std::string error;                 // not empty: the data is not JSON, or the program failed on it
};

class JqFilter {
 public:
  static constexpr std::size_t kMaxOutputs = 10000;  // values kept from one event

  explicit JqFilter(const std::string& program);  // InvalidArgument with jq's message when it does not compile
  ~JqFilter();
  JqFilter(const JqFilter&) = delete;
  JqFilter& operator=(const JqFilter&) = delete;

  JqResult run(std::string_view json_text);

 private:
  jq_state* jq_ = nullptr;
  std::vector<std::string> messages_;  // what jq reported while compiling
};

}  // namespace ssetool
