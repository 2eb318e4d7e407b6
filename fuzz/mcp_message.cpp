// fuzz-links: mcp
// The JSON-RPC classification of MCP messages (mcp/message: classify_message), which every POST body of
// `serve --mcp` goes through, on any bytes: it either classifies or throws the documented InvalidArgument. A message
// it classifies must be routable (a request and a response have an id, a request and a notification a method) and
// its `line` must be one line of JSON that means the same message, since the child reads one message per line: a
// raw line break in it would let a client split one message into two on the child's stdin. error_response() must
// give one line of JSON for any id it is handed and any message text.
#include <nlohmann/json.hpp>

#include <string>

#include "fuzz_support.hpp"
#include "ssetool/base/errors.hpp"
#include "ssetool/mcp/message.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  ssetool::JsonRpcMessage message;
  try {
    message = ssetool::classify_message(text);
  } catch (const ssetool::InvalidArgument&) {
    return 0;
  }
  using Kind = ssetool::JsonRpcMessage::Kind;
  fuzzsupport::check(message.line.find_first_of("\r\n") == std::string::npos, "a line break in the message's line");
  auto reparsed = nlohmann::ordered_json::parse(message.line, nullptr, false);
  fuzzsupport::check(!reparsed.is_discarded() && reparsed.is_object(), "the message's line is not a JSON object");
  fuzzsupport::check(message.kind == Kind::notification || message.id.has_value(),
                     "a request or response without id");
  fuzzsupport::check(message.kind == Kind::response || !message.method.empty(),
                     "a request or notification without method");
  std::string error = ssetool::error_response(message.id.value_or("null"), -32603, std::string(text));
  fuzzsupport::check(error.find_first_of("\r\n") == std::string::npos, "a line break in an error response");
  fuzzsupport::check(!nlohmann::json::parse(error, nullptr, false).is_discarded(),
                     "an error response that is not JSON");
  return 0;
}
