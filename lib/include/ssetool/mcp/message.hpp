// One JSON-RPC 2.0 message of MCP, classified for routing: what kind it is (request, notification, response), its
// id, its method, and the progress token a request asks progress notifications to carry (or a notification
// carries), with the message itself as one line of compact JSON (MCP's stdio transport is one message per line).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace ssetool {

struct JsonRpcMessage {
  enum class Kind { request, notification, response };
  Kind kind = Kind::notification;
  std::string method;                         // requests and notifications
  std::optional<std::string> id;              // requests and responses: the id as compact JSON ("1", "\"a\"")
  std::optional<std::string> progress_token;  // params._meta.progressToken (request) or params.progressToken
  std::optional<std::string> protocol_version;  // initialize: params.protocolVersion
  // The revision a request or notification of the stateless revision (2026-07-28) names: its
  // params._meta["io.modelcontextprotocol/protocolVersion"].
  std::optional<std::string> meta_version;
  bool meta_versioned = false;     // _meta has that key at all (whatever its value): a message of 2026-07-28 or later
  bool meta_capabilities = false;  // _meta["io.modelcontextprotocol/clientCapabilities"] is there
  std::string line;                           // the message as one line of JSON, keys in their order

  bool is_initialize() const { return kind == Kind::request && method == "initialize"; }
};

// Classifies one message. Throws InvalidArgument saying what is wrong: not JSON (with the byte offset; a NUL byte
// anywhere is not JSON), a batch
// (a JSON array), not an object, "jsonrpc" not "2.0", neither a method nor a result or error.
JsonRpcMessage classify_message(std::string_view text);

// A JSON-RPC error response as one line: {"jsonrpc":"2.0","id":ID,"error":{"code":CODE,"message":MESSAGE}}.
// `id` is compact JSON ("null" when there is none); invalid UTF-8 in `message` is replaced by U+FFFD.
std::string error_response(const std::string& id, int code, const std::string& message);

}  // namespace ssetool
