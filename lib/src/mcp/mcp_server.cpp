// The engine of `ssetool serve --mcp` (see mcp/mcp_server.hpp).
#include "ssetool/mcp/mcp_server.hpp"

#include <algorithm>
#include <fmt/core.h>
#include <future>
#include <nlohmann/json.hpp>

#include "ssetool/base/errors.hpp"
#include "ssetool/mcp/credential.hpp"
#include "ssetool/mcp/stateless_call.hpp"
#include "ssetool/serve/cgi_environment.hpp"
#include "ssetool/serve/stdin_registry.hpp"
#include "ssetool/server/policy.hpp"

namespace ssetool {
namespace {

constexpr const char* kSessionHeader = "Mcp-Session-Id";
constexpr const char* kVersionHeader = "MCP-Protocol-Version";
constexpr const char* kAssumedVersion = "2025-03-26";  // the spec's rule when a client sends no version
constexpr const char* kFirstPrimingVersion = "2025-11-25";  // clients from here on expect priming events
constexpr auto kLoopAnswer = std::chrono::seconds(10);
constexpr auto kWaitSlice = std::chrono::milliseconds(100);
constexpr std::chrono::seconds kShutdownSlack{1};

// A refusal with a JSON-RPC error body without id, as the transport allows.
Reply refusal(int status, const std::string& why) {
  Reply reply = Reply::text(status, error_response("null", -32000, why) + "\n");
  reply.content_type = "application/json";
  return reply;
}

Reply busy(const std::string& why) {
  Reply reply = refusal(503, why + "; retry later");
  reply.headers.emplace_back("Retry-After", "1");
  return reply;
}

// Which media types an Accept header admits ("type/sub", "type/*", "*/*"); all of them when it is absent.
bool accepts(const Request& req, const std::string& type) {
  auto accept = req.header("Accept");
  if (!accept) return true;
  std::string major = type.substr(0, type.find('/')) + "/*";
  std::string_view rest = *accept;
  while (!rest.empty()) {
    std::string_view item = rest.substr(0, rest.find(','));
    rest.remove_prefix(std::min(rest.size(), item.size() + 1));
    item = item.substr(0, item.find(';'));
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item == type || item == major || item == "*/*") return true;
  }
  return false;
}

// Whether a stream of this session opens with a priming event (an id and empty data): clients of revision
// 2025-11-25 and later expect one, older ones may choke on the empty data. The client's own word counts: the
// MCP-Protocol-Version of this request, or else the revision it asked for when it initialized the session (a
// 2025-11-25 client that sends an older header, as the conformance suite does, still parses priming events).
bool primes(const Request& req, const McpSession& session) {
  return req.header(kVersionHeader).value_or(kAssumedVersion) >= kFirstPrimingVersion ||
         session.client_version() >= kFirstPrimingVersion;
}

// `base` with `added` ("NAME=value") put in, each replacing an entry of the same NAME.
std::vector<std::string> merged_environment(std::vector<std::string> base, const std::vector<std::string>& added) {
  for (const auto& entry : added) {
    std::string prefix = entry.substr(0, entry.find('=') + 1);
    base.erase(std::remove_if(base.begin(), base.end(), [&](const std::string& e) { return e.rfind(prefix, 0) == 0; }),
               base.end());
    base.push_back(entry);
  }
  return base;
}

// The folder of an endpoint's path ("/mcp" → "/", "/NAME/mcp" → "/NAME/"): where the old transport's paths are.
std::string folder_of(const std::string& path) { return path.substr(0, path.rfind('/') + 1); }

std::string html_escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

bool supported(const std::string& version) {
  const auto& all = supported_protocol_versions();
  return std::find(all.begin(), all.end(), version) != all.end();
}

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

const std::vector<std::string>& supported_protocol_versions() {
  static const std::vector<std::string> versions{"2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25"};
  return versions;
}

McpServer::McpServer(McpServerOptions options) : options_(std::move(options)) {
  if (!options_.server.retry) options_.server.retry = std::chrono::milliseconds(1000);
  // CORS (--cors): the methods and headers of the Streamable HTTP transport.
  options_.server.cors_methods = "GET, POST, DELETE, OPTIONS";
  options_.server.cors_headers =
      "Authorization, Content-Type, Accept, Mcp-Session-Id, MCP-Protocol-Version, Last-Event-ID";
  options_.server.cors_expose_headers = "Mcp-Session-Id, MCP-Protocol-Version";
  environment_ = options_.env_clear ? std::vector<std::string>{} : current_environment();
  if (options_.env_clear)
    for (const auto& v : current_environment())
      if (v.rfind("PATH=", 0) == 0) environment_.push_back(v);
  endpoints_ = options_.endpoints;
  if (endpoints_.empty())
    endpoints_.push_back(McpEndpoint{.path = options_.server.path, .program = options_.program, .argv = options_.argv});
  for (auto& endpoint : endpoints_) endpoint.env = merged_environment(environment_, endpoint.env);
  options_.server.body_path = [this](const std::string& p) {
    return std::any_of(endpoints_.begin(), endpoints_.end(), [&](const McpEndpoint& e) {
      return e.path == p || folder_of(e.path) + "message" == p;
    });
  };
  options_.server.application_metrics = [this] {
    ApplicationMetrics m;
    m.more = metrics_.text();
    return m;
  };
  options_.session.log = [this](const std::string& line) { log(line); };
  if (options_.server.verbosity == Verbosity::verbose)
    options_.session.trace = [this](const std::string& line) { log(line); };
  access_ = access_rules(options_.server.listen.host, options_.allow_hosts, options_.server.cors_origins);
  slots_ = std::make_unique<ProcessSlots>(options_.max_sessions);
  table_ = std::make_unique<SessionTable>(loop_, options_.session_timeout);
  for (std::size_t i = 0; i < endpoints_.size(); ++i) {
    pool_slots_.push_back(std::make_unique<ProcessSlots>(options_.pool.children));
    pools_.push_back(std::make_unique<StatelessPool>(
        options_.pool, [this, i](McpSession::Hooks hooks) { return pool_child(i, std::move(hooks)); },
        [this] {
          metrics_.children_alive--;
          if (stopping_ && children_alive() == 0) shutdown_server();
        }));
  }
  server_ = std::make_unique<Server>(loop_, options_.server, [this](const Request& r) { return handle(r); });
}

McpServer::~McpServer() = default;

void McpServer::start() { server_->start(); }

std::vector<std::string> McpServer::endpoint_names() const {
  std::vector<std::string> names;
  for (const auto& e : endpoints_) names.push_back(e.name);
  return names;
}

void McpServer::run() {
  if (!options_.stop_signals.empty())
    loop_.watch_signals(options_.stop_signals, [this](int) { stop_serving(); });
  table_->start_sweeping();
  loop_.run();
  loop_done_ = true;
  server_.reset();  // joins the workers
  pools_.clear();   // whatever is left is killed and reaped
  table_.reset();
}

void McpServer::stop() {
  loop_.post([this] { stop_serving(); });
}

// ---- worker threads ----

Reply McpServer::handle(const Request& req) {
  if (auto why = access_refusal(req, access_)) {
    metrics_.errors++;
    return Reply::text(403, "forbidden: " + *why + "\n");
  }
  auto found = std::find_if(endpoints_.begin(), endpoints_.end(), [&](const McpEndpoint& e) { return e.path == req.path; });
  if (found == endpoints_.end()) {
    for (std::size_t i = 0; i < endpoints_.size(); ++i) {
      std::string folder = folder_of(endpoints_[i].path);
      if (req.path == folder + "sse" && req.method == "GET") return legacy_stream(req, i);
      if (req.path == folder + "message" && req.method == "POST") return legacy_post(req, i);
    }
    if (req.path == "/" && req.method == "GET") return listing(req);
    std::string paths;
    for (const auto& e : endpoints_) paths += (paths.empty() ? "" : ", ") + e.path;
    return Reply::text(404, "not found: the MCP endpoints are " + paths + "\n");
  }
  std::size_t endpoint = static_cast<std::size_t>(found - endpoints_.begin());
  if (options_.stateless && req.method != "POST") {
    Reply reply = refusal(405, "this server is stateless (--stateless): it takes POST only");
    reply.headers.emplace_back("Allow", "POST");
    return reply;
  }
  bool sessionless_post = req.method == "POST" && !req.header(kSessionHeader);
  if (auto version = req.header(kVersionHeader);
      version && !supported(*version) && *version != kStatelessVersion && !sessionless_post) {
    metrics_.errors++;
    return refusal(400, "unsupported MCP-Protocol-Version '" + *version + "'");
  }
  if (req.method == "POST") return post(req, endpoint);
  if (req.method == "GET") return get(req, endpoint);
  if (req.method == "DELETE") return remove(req, endpoint);
  Reply reply = Reply::text(405, "method not allowed: the MCP endpoint takes POST, GET and DELETE\n");
  reply.headers.emplace_back("Allow", "GET, POST, DELETE");
  return reply;
}

// GET /: the MCP endpoints, as JSON ({"servers": [{"name", "mcp"}]}) for a client that asks for it, else as a
// small HTML page. Names and paths only: commands, arguments and environments may hold secrets.
Reply McpServer::listing(const Request& req) const {
  auto accept = req.header("Accept");
  if (accept && accept->find("application/json") != std::string::npos) {
    nlohmann::json servers = nlohmann::json::array();
    for (const auto& e : endpoints_) servers.push_back({{"name", e.name}, {"mcp", e.path}});
    Reply reply = Reply::text(200, nlohmann::json{{"servers", servers}}.dump() + "\n");
    reply.content_type = "application/json";
    return reply;
  }
  std::string items;
  for (const auto& e : endpoints_) {
    std::string path = html_escape(e.path);
    items += "<li>" + (e.name.empty() ? std::string() : html_escape(e.name) + ": ") + "<code>" + path + "</code></li>\n";
  }
  Reply reply = Reply::text(200, "<!doctype html>\n<title>ssetool serve --mcp</title>\n"
                                 "<h1>MCP servers (Streamable HTTP)</h1>\n<ul>\n" + items + "</ul>\n");
  reply.content_type = "text/html; charset=utf-8";
  return reply;
}

std::optional<Reply> McpServer::read_message(const Request& req, JsonRpcMessage& message) {
  auto type = req.header("Content-Type");
  if (!type || type->substr(0, type->find(';')) != "application/json")
    return refusal(415, "Content-Type must be application/json");
  try {
    message = classify_message(req.body);
  } catch (const InvalidArgument& e) {
    metrics_.errors++;
    return refusal(400, e.what());
  }
  metrics_.count_request(message.kind == JsonRpcMessage::Kind::response ? "response" : message.method);
  return std::nullopt;
}

Reply McpServer::post(const Request& req, std::size_t endpoint) {
  bool sse = accepts(req, "text/event-stream");
  if (!sse && !accepts(req, "application/json"))
    return refusal(406, "Accept must include text/event-stream or application/json");
  JsonRpcMessage message;
  if (auto refused = read_message(req, message)) return std::move(*refused);
  auto id = req.header(kSessionHeader);
  auto version = req.header(kVersionHeader);
  bool modern = message.meta_versioned || version == kStatelessVersion;
  if (!id && (options_.stateless || modern)) return stateless(req, endpoint, message, sse);
  if (version && !supported(*version)) {
    metrics_.errors++;
    return refusal(400, "unsupported MCP-Protocol-Version '" + *version + "'");
  }
  if (!id) {
    if (message.is_initialize()) return initialize(req, endpoint, message, sse);
    metrics_.errors++;
    return refusal(400, "missing Mcp-Session-Id: only an initialize request starts a session");
  }
  if (message.is_initialize()) return refusal(400, "this session is already initialized");
  if (message.kind != JsonRpcMessage::Kind::request)
    return on_loop([this, req, endpoint, message] {
      Reply refused;
      auto session = session_for(req, endpoint, refused);
      if (!session) return refused;
      if (!session->to_child(message)) return busy("the MCP server is not reading its input");
      return Reply::text(202, "");
    });
  if (!sse)
    return json_answer([this, req, endpoint, message](std::function<void(std::string)> reply) {
      Reply refused;
      auto session = session_for(req, endpoint, refused);
      if (!session) return refused;
      session->request_for_json(message, std::move(reply));
      return Reply::text(200, "");
    });
  return on_loop([this, req, endpoint, message] {
    Reply refused;
    auto session = session_for(req, endpoint, refused);
    if (!session) return refused;
    bool priming = primes(req, *session);
    std::weak_ptr<McpSession> weak = session;
    return Reply::stream([weak, message, priming](Session& connection) {
      if (auto s = weak.lock()) s->request_on_stream(connection, message, priming);
      else connection.end();
    });
  });
}

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

// One child of `endpoint`, started (no shell, a process group of its own); throws SystemError.
Process McpServer::spawn_child(std::size_t endpoint) {
  const McpEndpoint& server = endpoints_[endpoint];
  ProcessOptions spawn{.argv = server.argv,
                       .program = server.program,
                       .env = server.env,
                       .cwd = server.cwd,
                       .in = StreamMode::pipe,
                       .out = StreamMode::pipe,
                       .err = StreamMode::pipe,
                       .grouping = Grouping::session,
                       .pidfd = true,
                       .nonblocking = true};
  return Process::spawn(spawn);
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

std::size_t McpServer::children_alive() const {
  std::size_t alive = table_->alive();
  for (const auto& pool : pools_) alive += pool->alive();
  return alive;
}

// A new session at `endpoint`: a place under --max-sessions, its child started here (a failure is answered 503
// in `refused`); `open`, run on the loop, adds the session to the table and starts reading the child.
std::optional<McpServer::NewSession> McpServer::new_session(const Request& req, std::size_t endpoint,
                                                            const std::string& version, Reply& refused) {
  auto slot = slots_->try_acquire();
  if (!slot) {
    metrics_.errors++;
    refused = busy(fmt::format("too many sessions (--max-sessions {})", options_.max_sessions));
    return std::nullopt;
  }
  std::shared_ptr<Process> process;
  try {
    process = std::make_shared<Process>(spawn_child(endpoint));
  } catch (const SystemError& e) {
    log(fmt::format("{}:{}: {} (answered 503)", req.remote_addr, req.remote_port, e.what()));
    metrics_.errors++;
    refused = busy("the MCP server could not be started");
    return std::nullopt;
  }
  auto place = std::make_shared<ProcessSlots::Slot>(std::move(*slot));
  std::string id = make_session_id();
  std::size_t number = next_number_++;
  std::string who = fmt::format("{}:{}", req.remote_addr, req.remote_port);
  auto open = [this, process, place, id, number, who, endpoint, version, credential = credential_of(req)] {
    McpSession::Hooks hooks{.ended = [this, id](const std::string&) { session_ended(id); },
                            .done = [this, number] { session_done(number); }};
    auto session = std::make_shared<McpSession>(loop_, std::move(*process), std::move(*place), number, credential,
                                                options_.session, std::move(hooks));
    session->set_client_version(version);
    session->set_endpoint(endpoint);
    table_->add(id, session);
    metrics_.sessions_open++;
    metrics_.children_alive++;
    session->start();
    if (options_.server.verbosity == Verbosity::verbose)
      log(fmt::format("[session {}] opened{} for {}: pid {}", number,
                      endpoints_[endpoint].name.empty() ? "" : " (" + endpoints_[endpoint].name + ")", who,
                      session->pid()));
    if (stopping_) session->end("shutdown");
    return session;
  };
  return NewSession{id, open};
}

Reply McpServer::initialize(const Request& req, std::size_t endpoint, const JsonRpcMessage& message, bool sse) {
  Reply refused;
  auto created = new_session(req, endpoint, message.protocol_version.value_or(kAssumedVersion), refused);
  if (!created) return refused;
  auto open = created->open;
  std::string id = created->id;
  bool priming = message.protocol_version.value_or(kAssumedVersion) >= kFirstPrimingVersion;
  Reply reply;
  if (sse) {
    reply = on_loop([open, message, priming] {
      std::weak_ptr<McpSession> weak = open();
      return Reply::stream([weak, message, priming](Session& connection) {
        if (auto s = weak.lock()) s->request_on_stream(connection, message, priming);
        else connection.end();
      });
    });
  } else {
    reply = json_answer([open, message](std::function<void(std::string)> answer) {
      open()->request_for_json(message, std::move(answer));
      return Reply::text(200, "");
    });
  }
  if (reply.status != 200) return reply;
  reply.headers.emplace_back(kSessionHeader, id);
  return reply;
}

// GET of the old transport's SSE path: a new session whose one stream this is; its first event, `endpoint`, names
// the URL to POST messages to (the message path with ?sessionId=).
Reply McpServer::legacy_stream(const Request& req, std::size_t endpoint) {
  if (!accepts(req, "text/event-stream")) return refusal(406, "Accept must include text/event-stream");
  Reply refused;
  auto created = new_session(req, endpoint, "2024-11-05", refused);
  if (!created) return refused;
  std::string url = folder_of(endpoints_[endpoint].path) + "message?sessionId=" + created->id;
  return on_loop([open = created->open, url] {
    std::weak_ptr<McpSession> weak = open();
    return Reply::stream([weak, url](Session& connection) {
      if (auto s = weak.lock()) s->open_legacy(connection, url);
      else connection.end();
    });
  });
}

// POST of the old transport's message path: the message goes to the session's child; whatever answers it comes
// on the session's stream.
Reply McpServer::legacy_post(const Request& req, std::size_t endpoint) {
  JsonRpcMessage message;
  if (auto refused = read_message(req, message)) return std::move(*refused);
  auto id = req.param("sessionId");
  if (!id) return refusal(400, "missing sessionId: use the URL of the SSE stream's endpoint event");
  return on_loop([this, req, endpoint, message, id = *id] {
    Reply refused;
    auto session = session_by_id(id, true, req, endpoint, refused);
    if (!session) return refused;
    if (!session->to_child(message)) return busy("the MCP server is not reading its input");
    return Reply::text(202, "Accepted\n");
  });
}

Reply McpServer::get(const Request& req, std::size_t endpoint) {
  if (!accepts(req, "text/event-stream")) return refusal(406, "Accept must include text/event-stream");
  if (!req.header(kSessionHeader)) return refusal(400, "missing Mcp-Session-Id");
  auto last = req.header("Last-Event-ID");
  return on_loop([this, req, endpoint, last] {
    Reply refused;
    auto session = session_for(req, endpoint, refused);
    if (!session) return refused;
    bool priming = primes(req, *session);
    switch (session->check_get(last)) {
      case McpSession::GetCheck::busy: return refusal(409, "this stream is already open for this session");
      case McpSession::GetCheck::unknown: return refusal(400, "Last-Event-ID names no stream of this session");
      case McpSession::GetCheck::ok: break;
    }
    session->touch();
    std::weak_ptr<McpSession> weak = session;
    return Reply::stream([weak, last, priming](Session& connection) {
      if (auto s = weak.lock()) s->open_get(connection, last, priming);
      else connection.end();
    });
  });
}

Reply McpServer::remove(const Request& req, std::size_t endpoint) {
  if (!req.header(kSessionHeader)) return refusal(400, "missing Mcp-Session-Id");
  return on_loop([this, req, endpoint] {
    Reply refused;
    auto session = session_for(req, endpoint, refused);
    if (!session) return refused;
    session->end("DELETE");
    return Reply::text(204, "");
  });
}

// Runs fn on the loop and waits for its reply (the loop never waits for a worker).
Reply McpServer::on_loop(std::function<Reply()> fn) {
  auto promise = std::make_shared<std::promise<Reply>>();
  auto future = promise->get_future();
  loop_.post([promise, fn = std::move(fn)] {
    try {
      promise->set_value(fn());
    } catch (...) {
      promise->set_exception(std::current_exception());
    }
  });
  auto deadline = std::chrono::steady_clock::now() + kLoopAnswer;
  while (future.wait_for(kWaitSlice) != std::future_status::ready)
    if (loop_done_ || std::chrono::steady_clock::now() > deadline) return busy("the server is stopping");
  try {
    return future.get();
  } catch (const std::exception& e) {
    log(std::string("mcp: ") + e.what());
    return busy("the request could not be handled");
  }
}

// A request answered as application/json: `send` runs on the loop and hands the request to a session with a
// callback for its response (or returns a refusal); this worker waits for that response.
Reply McpServer::json_answer(JsonSend send) {
  auto result = std::make_shared<std::promise<std::string>>();
  auto future = result->get_future();
  auto answer = [result](std::string line) {
    try {
      result->set_value(std::move(line));
    } catch (const std::future_error&) {  // answered already
    }
  };
  Reply accepted = on_loop([send = std::move(send), answer] { return send(answer); });
  if (accepted.status != 200) return accepted;
  while (future.wait_for(kWaitSlice) != std::future_status::ready)
    if (loop_done_) return busy("the server is stopping");
  Reply reply = Reply::text(200, future.get() + "\n");
  reply.content_type = "application/json";
  return reply;
}

// ---- loop thread ----

std::shared_ptr<McpSession> McpServer::session_for(const Request& req, std::size_t endpoint, Reply& refused) {
  return session_by_id(req.header(kSessionHeader).value_or(""), false, req, endpoint, refused);
}

// The session `id` if it is one of `endpoint` and of this transport (old or Streamable), else a refusal: 404, or
// 401 when the request's credential is not the one that created it.
std::shared_ptr<McpSession> McpServer::session_by_id(const std::string& id, bool legacy, const Request& req,
                                                     std::size_t endpoint, Reply& refused) {
  auto session = table_->find(id);
  if (!session || session->endpoint() != endpoint || session->legacy() != legacy) {
    metrics_.errors++;
    refused = refusal(404, "no such session (it ended, or never existed): initialize a new one");
    return nullptr;
  }
  if (!same_secret(credential_of(req), session->credential())) {
    metrics_.errors++;
    refused = refusal(401, "this session belongs to another credential");
    refused.headers.emplace_back("WWW-Authenticate", "Bearer");
    return nullptr;
  }
  return session;
}

void McpServer::session_ended(const std::string& id) {
  table_->forget(id);
  metrics_.sessions_open--;
}

void McpServer::session_done(std::size_t number) {
  table_->release(number);
  metrics_.children_alive--;
  if (stopping_ && children_alive() == 0) shutdown_server();
}

// stop() or a stop signal: every session ends (children asked to finish, then killed); the server stops once
// every child is reaped, or after the kill grace (+1s) anyway.
void McpServer::stop_serving() {
  if (stopping_) return;
  stopping_ = true;
  if (options_.server.verbosity != Verbosity::quiet && table_->alive() > 0)
    log(fmt::format("stopping: {} MCP session(s) open", table_->alive()));
  table_->end_all("shutdown");
  for (auto& pool : pools_) pool->end_all("shutdown");
  if (children_alive() == 0) {
    shutdown_server();
    return;
  }
  auto deadline =
      std::chrono::duration_cast<std::chrono::microseconds>(options_.session.kill_grace + kShutdownSlack);
  loop_.add_timer(deadline, [this] { shutdown_server(); });
}

void McpServer::shutdown_server() {
  if (server_stopping_) return;
  server_stopping_ = true;
  server_->shutdown([this] { loop_.stop(); });
}

void McpServer::log(const std::string& line) const {
  if (options_.server.log) options_.server.log(line);
}

}  // namespace ssetool
