// A request of the stateless revision forwarded to a pool child (see mcp/stateless_call.hpp).
#include "ssetool/mcp/stateless_call.hpp"

#include <algorithm>
#include <array>
#include <string_view>
#include <nlohmann/json.hpp>

#include "ssetool/base/errors.hpp"

namespace ssetool {
namespace {

using Json = nlohmann::ordered_json;

constexpr std::array<std::string_view, 5> kCacheable{"tools/list", "prompts/list", "resources/list",
                                                     "resources/templates/list", "resources/read"};
constexpr int kResourceNotFound = -32002;  // before 2026-07-28
constexpr int kInvalidParams = -32602;

std::string dump(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

Json parse_or_null(const std::string& text) {
  Json j = Json::parse(text, nullptr, false);
  return j.is_discarded() ? Json() : j;
}

// The result object of a response line, or a refusal naming what is wrong.
Json result_of(const std::string& initialize_result) {
  Json j = parse_or_null(initialize_result);
  if (!j.is_object()) throw InvalidArgument("the MCP server's initialize result is not a JSON object");
  return j;
}

Json response(const std::string& id, Json result) {
  Json j;
  j["jsonrpc"] = "2.0";
  j["id"] = Json::parse(id);
  j["result"] = std::move(result);
  return j;
}

void complete(Json& result, const std::string& method) {
  if (!result.contains("resultType")) result["resultType"] = "complete";
  if (std::find(kCacheable.begin(), kCacheable.end(), method) != kCacheable.end()) {
    if (!result.contains("ttlMs")) result["ttlMs"] = 0;
    if (!result.contains("cacheScope")) result["cacheScope"] = "private";
  }
}

}  // namespace

StatelessCall::StatelessCall(const JsonRpcMessage& request, std::uint64_t bridge_id)
    : method_(request.method),
      client_id_(request.id.value_or("null")),
      client_token_(request.progress_token),
      bridge_token_(Json("ssetool-" + std::to_string(bridge_id)).dump()) {
  Json j = Json::parse(request.line);
  j["id"] = bridge_id;
  if (client_token_) {
    auto params = j.find("params");
    if (params != j.end() && params->is_object()) {
      auto meta = params->find("_meta");
      if (meta != params->end() && meta->is_object() && meta->contains("progressToken"))
        (*meta)["progressToken"] = Json::parse(bridge_token_);
      else if (params->contains("progressToken"))
        (*params)["progressToken"] = Json::parse(bridge_token_);
    }
  }
  forwarded_ = classify_message(dump(j));
}

std::string StatelessCall::restore(const std::string& child_line) const {
  Json j = parse_or_null(child_line);
  if (!j.is_object()) return child_line;
  if (j.contains("method")) {  // a notification (progress, logging) routed to this request
    auto params = j.find("params");
    if (client_token_ && params != j.end() && params->is_object()) {
      auto token = params->find("progressToken");
      if (token != params->end() && token->dump() == bridge_token_) *token = Json::parse(*client_token_);
    }
    return dump(j);
  }
  j["id"] = Json::parse(client_id_);
  if (auto result = j.find("result"); result != j.end() && result->is_object()) complete(*result, method_);
  if (auto error = j.find("error"); error != j.end() && error->is_object()) {
    auto code = error->find("code");
    if (code != error->end() && code->is_number_integer() && code->get<int>() == kResourceNotFound)
      *code = kInvalidParams;
  }
  return dump(j);
}

std::string discover_result(const std::string& id, const std::string& initialize_result) {
  Json init = result_of(initialize_result);
  Json capabilities = init.contains("capabilities") && init["capabilities"].is_object() ? init["capabilities"]
                                                                                        : Json::object();
  capabilities.erase("tasks");
  Json result;
  result["resultType"] = "complete";
  result["supportedVersions"] = Json::array({kStatelessVersion});
  result["capabilities"] = std::move(capabilities);
  if (init.contains("instructions") && init["instructions"].is_string()) result["instructions"] = init["instructions"];
  result["ttlMs"] = 0;
  result["cacheScope"] = "private";
  if (init.contains("serverInfo")) result["_meta"]["io.modelcontextprotocol/serverInfo"] = init["serverInfo"];
  return dump(response(id, std::move(result)));
}

std::string stateless_initialize_result(const std::string& id, const std::string& initialize_result,
                                        const std::optional<std::string>& client_version) {
  Json init = result_of(initialize_result);
  if (client_version) init["protocolVersion"] = *client_version;
  return dump(response(id, std::move(init)));
}

}  // namespace ssetool
