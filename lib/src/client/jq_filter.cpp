// A jq program through libjq (see client/jq_filter.hpp). libjq reports compile errors through a callback and
// run-time errors as invalid values with a message; every jv handed to libjq is consumed by it.
#include "ssetool/client/jq_filter.hpp"

#include <climits>

#include "ssetool/base/errors.hpp"

extern "C" {
#include <jq.h>
#include <jv.h>
}

namespace ssetool {
namespace {

// The text of a jv message (consumed): a string as is, anything else as JSON.
std::string message_text(jv message) {
  if (jv_get_kind(message) == JV_KIND_STRING) {
    std::string text(jv_string_value(message), static_cast<std::size_t>(jv_string_length_bytes(jv_copy(message))));
    jv_free(message);
    return text;
  }
  jv dumped = jv_dump_string(message, 0);
  std::string text = jv_string_value(dumped);
  jv_free(dumped);
  return text;
}

// One output value as a line: strings raw, other values as compact JSON.
std::string output_text(jv value) {
  if (jv_get_kind(value) == JV_KIND_STRING) return message_text(value);
  jv dumped = jv_dump_string(value, 0);
  std::string text(jv_string_value(dumped), static_cast<std::size_t>(jv_string_length_bytes(jv_copy(dumped))));
  jv_free(dumped);
  return text;
}

void collect_message(void* data, jv message) {
  static_cast<std::vector<std::string>*>(data)->push_back(message_text(message));
}

}  // namespace

JqFilter::JqFilter(const std::string& program) : jq_(jq_init()) {
  if (!jq_) throw SystemError("jq: cannot initialise libjq");
  jq_set_error_cb(jq_, collect_message, &messages_);
  if (!jq_compile(jq_, program.c_str())) {
    std::string why = messages_.empty() ? "does not compile" : messages_.front();
    if (why.rfind("jq: error: ", 0) == 0) why.erase(0, 11);
    for (char& c : why)
      if (c == '\n' || c == '\r') c = ' ';  // jq quotes the program on a line of its own
    while (!why.empty() && why.back() == ' ') why.pop_back();
    jq_teardown(&jq_);
    throw InvalidArgument(why);
  }
}

JqFilter::~JqFilter() {
  if (jq_) jq_teardown(&jq_);
}

JqResult JqFilter::run(std::string_view json_text) {
  JqResult result;
  if (json_text.size() > static_cast<std::size_t>(INT_MAX)) {
    result.error = "data too large for jq";
    return result;
  }
  jv input = jv_parse_sized(json_text.data(), static_cast<int>(json_text.size()));
  if (!jv_is_valid(input)) {
    result.error = "data is not JSON (" + message_text(jv_invalid_get_msg(input)) + ")";
    return result;
  }
  jq_start(jq_, input, 0);
  for (jv value = jq_next(jq_); ; value = jq_next(jq_)) {
    if (!jv_is_valid(value)) {
      if (jv_invalid_has_msg(jv_copy(value))) result.error = "jq: " + message_text(jv_invalid_get_msg(value));
      else jv_free(value);
      break;
    }
    if (result.outputs.size() == kMaxOutputs) {
      jv_free(value);
      result.error = "jq: more than " + std::to_string(kMaxOutputs) + " outputs for one event";
      break;
    }
    result.outputs.push_back(output_text(value));
    if (jq_halted(jq_)) break;
  }
  if (!result.error.empty()) result.outputs.clear();
  return result;
}

}  // namespace ssetool
