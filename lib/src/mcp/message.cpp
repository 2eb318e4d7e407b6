// JSON-RPC message classification (see mcp/message.hpp).
#include "ssetool/mcp/message.hpp"

#include <nlohmann/json.hpp>

#include "ssetool/base/errors.hpp"

namespace ssetool {
namespace {

using Json = nlohmann::ordered_json;

Json parse_object(std::string_view text) {
  // nlohmann's parser stops at a NUL byte and ignores what follows: a NUL is never part of a JSON text.
  if (auto nul = text.find('\0'); nul != std::string_view::npos)
    throw InvalidArgument("not JSON: a NUL byte at offset " + std::to_string(nul));
  Json j;
  try {
    j = Json::parse(text);
  } catch (const Json::parse_error& e) {
    throw InvalidArgument(std::string("not JSON: ") + e.what());
  } catch (const Json::exception& e) {  // out_of_range: a number like 1e99999 (found by fuzz/mcp_message)
    throw InvalidArgument(std::string("not usable JSON: ") + e.what());
  }
  if (j.is_array())
    throw InvalidArgument("a JSON-RPC batch (an array): batches are not supported; send one message per request");
  if (!j.is_object()) throw InvalidArgument("not a JSON-RPC message: expected a JSON object");
  if (!j.contains("jsonrpc") || j["jsonrpc"] != "2.0")
    throw InvalidArgument("not JSON-RPC 2.0: \"jsonrpc\" must be \"2.0\"");
  return j;
}

std::optional<std::string> progress_token(const Json& j) {
  auto params = j.find("params");
  if (params == j.end() || !params->is_object()) return std::nullopt;
  auto direct = params->find("progressToken");
  if (direct != params->end()) return direct->dump();
  auto meta = params->find("_meta");
  if (meta == params->end() || !meta->is_object()) return std::nullopt;
  auto token = meta->find("progressToken");
  if (token == meta->end()) return std::nullopt;
  return token->dump();
}

std::optional<std::string> protocol_version(const Json& j) {
  auto params = j.find("params");
  if (params == j.end() || !params->is_object()) return std::nullopt;
  auto version = params->find("protocolVersion");
  if (version == params->end() || !version->is_string()) return std::nullopt;
  return version->get<std::string>();
}

// The 2026-07-28 envelope of a message: params._meta's protocol version and whether it has the client's
// capabilities.
void read_envelope(const Json& j, JsonRpcMessage& m) {
  auto params = j.find("params");
  if (params == j.end() || !params->is_object()) return;
  auto meta = params->find("_meta");
  if (meta == params->end() || !meta->is_object()) return;
  auto version = meta->find("io.modelcontextprotocol/protocolVersion");
  m.meta_versioned = version != meta->end();
  if (m.meta_versioned && version->is_string()) m.meta_version = version->get<std::string>();
  m.meta_capabilities = meta->contains("io.modelcontextprotocol/clientCapabilities");
}

}  // namespace

JsonRpcMessage classify_message(std::string_view text) {
  Json j = parse_object(text);
  JsonRpcMessage m;
  auto id = j.find("id");
  bool has_id = id != j.end() && !id->is_null();
  if (has_id && !id->is_string() && !id->is_number_integer())
    throw InvalidArgument("invalid JSON-RPC id: must be a string or an integer");
  if (auto method = j.find("method"); method != j.end()) {
    if (!method->is_string() || method->get_ref<const std::string&>().empty())
      throw InvalidArgument("invalid JSON-RPC message: \"method\" must be a non-empty string");
    m.method = method->get<std::string>();
    m.kind = has_id ? JsonRpcMessage::Kind::request : JsonRpcMessage::Kind::notification;
  } else if (j.contains("result") || j.contains("error")) {
    // A client answers the child's requests: without the id of the request it answers, it cannot be routed.
    if (!has_id) throw InvalidArgument("invalid JSON-RPC response: it needs the id of the request it answers");
    m.kind = JsonRpcMessage::Kind::response;
  } else {
    throw InvalidArgument("invalid JSON-RPC message: neither \"method\" nor \"result\"/\"error\"");
  }
  if (has_id) m.id = id->dump();
  m.progress_token = progress_token(j);
  if (m.is_initialize()) m.protocol_version = protocol_version(j);  // read with find(): the line stays as sent
  if (m.kind != JsonRpcMessage::Kind::response) read_envelope(j, m);
  m.line = j.dump();
  return m;
}

std::string error_response(const std::string& id, int code, const std::string& message) {
  Json j;
  j["jsonrpc"] = "2.0";
  j["id"] = Json::parse(id);
  j["error"] = Json{{"code", code}, {"message", message}};
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);  // invalid UTF-8 in `message` becomes U+FFFD
}

}  // namespace ssetool
