// McpServer's stateless path: requests of MCP 2026-07-28 (or every request, --stateless) served by the pool of
// children ssetool initialised itself (see mcp/mcp_server.hpp, mcp/stateless_pool.hpp, mcp/stateless_call.hpp).
#include "ssetool/mcp/mcp_server.hpp"

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "ssetool/base/errors.hpp"
#include "ssetool/mcp/stateless_call.hpp"
#include "mcp_replies.hpp"

namespace ssetool {

using namespace mcp_replies;

namespace {

// What the bridge answers itself on the stateless path, from the pool child's initialize result: server/discover;
// with --stateless, an older client's initialize.
std::optional<std::string> bridge_answer(const JsonRpcMessage& m, const std::string& initialize_result,
                                         bool stateless_mode) {
  if (m.method == "server/discover") return discover_result(*m.id, initialize_result);
  if (stateless_mode && m.is_initialize()) {
    std::optional<std::string> version;
    if (m.protocol_version && supported(*m.protocol_version)) version = m.protocol_version;
    return stateless_initialize_result(*m.id, initialize_result, version);
  }
  return std::nullopt;
}

// A refusal of a stateless request, as the 2026-07-28 transport gives it: the request's id, a code, maybe data.
Reply stateless_refusal(int status, const JsonRpcMessage& m, int code, const std::string& why,
                        const nlohmann::json& data = nullptr) {
  nlohmann::json body = nlohmann::json::parse(error_response(m.id.value_or("null"), code, why));
  if (!data.is_null()) body["error"]["data"] = data;
  Reply reply = Reply::text(status, body.dump() + "\n");
  reply.content_type = "application/json";
  return reply;
}

// Codes of the 2026-07-28 revision.
constexpr int kHeaderMismatch = -32020;
constexpr int kUnsupportedVersion = -32022;
constexpr int kInvalidParams = -32602;
constexpr int kMethodNotFound = -32601;

// Methods the 2026-07-28 revision removed: a client of it that sends one gets 404, as for an unknown method.
bool removed_method(const std::string& method) {
  return method == "initialize" || method == "ping" || method == "logging/setLevel" ||
         method == "resources/subscribe" || method == "resources/unsubscribe";
}

// Whether a message of a client of 2026-07-28 or later is one the bridge serves, else its refusal: the
// MCP-Protocol-Version header and the _meta envelope (protocol version, client capabilities) must be there and
// agree, on a revision served; Mcp-Method must name the body's method; removed methods are unknown.
std::optional<Reply> modern_refusal(const Request& req, const JsonRpcMessage& m) {
  auto header = req.header(kVersionHeader);
  if (!header) return stateless_refusal(400, m, kHeaderMismatch, "missing MCP-Protocol-Version header");
  if (auto named = req.header("Mcp-Method"); named && *named != m.method)
    return stateless_refusal(400, m, kHeaderMismatch,
                             "the Mcp-Method header names '" + *named + "', the body '" + m.method + "'");
  if (m.kind != JsonRpcMessage::Kind::request) return std::nullopt;
  std::string missing;
  if (!m.meta_versioned) missing = "io.modelcontextprotocol/protocolVersion";
  if (!m.meta_capabilities)
    missing += (missing.empty() ? "" : ", ") + std::string("io.modelcontextprotocol/clientCapabilities");
  if (!missing.empty()) return stateless_refusal(400, m, kInvalidParams, "invalid params: missing _meta keys: " + missing);
  if (m.meta_version != *header)
    return stateless_refusal(400, m, kHeaderMismatch, "the MCP-Protocol-Version header does not match _meta's");
  if (*header != kStatelessVersion)
    return stateless_refusal(400, m, kUnsupportedVersion, "unsupported protocol version",
                             {{"supported", {kStatelessVersion}}, {"requested", *header}});
  if (removed_method(m.method))
    return stateless_refusal(404, m, kMethodNotFound, "method not found: " + m.method + " (removed in 2026-07-28)");
  return std::nullopt;
}

void send_line(Session& connection, const std::string& line) {
  Event e;
  e.data = line;
  connection.send(e);
}

}  // namespace

// A request of the stateless revision (or any, with --stateless): answered by the endpoint's pool (see
// stateless_on_loop); a notification is accepted and dropped (no request of a client is in flight on a child that
// it could concern: ids are the bridge's own); a response has no server request waiting for it.
Reply McpServer::stateless(const Request& req, std::size_t endpoint, const JsonRpcMessage& message, bool sse) {
  bool modern = message.meta_versioned || req.header(kVersionHeader) == kStatelessVersion;
  if (auto refused = modern && message.kind != JsonRpcMessage::Kind::response ? modern_refusal(req, message)
                                                                                : std::nullopt) {
    metrics_.errors++;
    return std::move(*refused);
  }
  if (message.kind == JsonRpcMessage::Kind::notification) return Reply::text(202, "");
  if (message.kind == JsonRpcMessage::Kind::response) {
    metrics_.errors++;
    return refusal(400, "a JSON-RPC response: no request of the server waits for one on the stateless revision");
  }
  if (!sse)
    return json_answer([this, endpoint, message](std::function<void(std::string)> answer) {
      return stateless_on_loop(endpoint, message, false, std::move(answer));
    });
  return on_loop([this, endpoint, message] { return stateless_on_loop(endpoint, message, true, nullptr); });
}

// A place on the pool, then, once its child is ready: the bridge's own answer (server/discover; initialize with
// --stateless) or the request forwarded under an id of the bridge's own, its answer restored (StatelessCall).
Reply McpServer::stateless_on_loop(std::size_t endpoint, const JsonRpcMessage& message, bool sse,
                                   std::function<void(std::string)> json_reply) {
  std::string why;
  auto place = pools_[endpoint]->reserve(why);
  if (!place) {
    metrics_.errors++;
    Reply reply = stateless_refusal(503, message, -32000, why + "; retry later");
    reply.headers.emplace_back("Retry-After", "1");
    return reply;
  }
  auto member = place->member;
  auto reservation = place->reservation;
  bool mode = options_.stateless;
  auto forward = [member, reservation, message](McpSession& session, auto&& send) {
    auto call = std::make_shared<StatelessCall>(message, member->next_id());
    send(session, call->forwarded(), [call, reservation](const std::string& line) { return call->restore(line); });
  };
  if (!sse) {
    member->when_ready([member, message, json_reply, mode, forward](McpSession* session, const std::string* error) {
      if (error) return json_reply(error_response(*message.id, -32000, *error));
      if (auto line = bridge_answer(message, member->initialize_result(), mode)) return json_reply(*line);
      forward(*session, [&](McpSession& s, const JsonRpcMessage& m, McpSession::Rewrite rewrite) {
        s.request_for_json(m, json_reply, std::move(rewrite));
      });
    });
    return Reply::text(200, "");
  }
  return Reply::stream([member, message, mode, forward](Session& connection) {
    std::weak_ptr<Session> weak = connection.weak_from_this();
    member->when_ready([weak, member, message, mode, forward](McpSession* session, const std::string* error) {
      auto c = weak.lock();
      if (!c || !c->is_open()) return;
      std::optional<std::string> line;
      if (error) line = error_response(*message.id, -32000, *error);
      else line = bridge_answer(message, member->initialize_result(), mode);
      if (line) {
        send_line(*c, *line);
        c->end();
        return;
      }
      forward(*session, [&](McpSession& s, const JsonRpcMessage& m, McpSession::Rewrite rewrite) {
        s.request_on_stream(*c, m, false, std::move(rewrite));
      });
    });
  });
}

// A child of the stateless pool of `endpoint` (loop thread); throws SystemError.
std::shared_ptr<McpSession> McpServer::pool_child(std::size_t endpoint, McpSession::Hooks hooks) {
  auto slot = pool_slots_[endpoint]->try_acquire();
  if (!slot) throw SystemError("the stateless pool has no room for another child");
  Process process = spawn_child(endpoint);
  std::size_t number = next_number_++;
  auto session = std::make_shared<McpSession>(loop_, std::move(process), std::move(*slot), number, std::string(),
                                              options_.session, std::move(hooks));
  metrics_.children_alive++;
  if (options_.server.verbosity == Verbosity::verbose)
    log(fmt::format("[session {}] opened{} for the stateless pool: pid {}", number,
                    endpoints_[endpoint].name.empty() ? "" : " (" + endpoints_[endpoint].name + ")", session->pid()));
  return session;
}

}  // namespace ssetool
