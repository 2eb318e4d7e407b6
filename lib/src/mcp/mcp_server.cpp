// The engine of `ssetool serve --mcp` (see mcp/mcp_server.hpp).
#include "ssetool/mcp/mcp_server.hpp"

#include <algorithm>
#include <future>
#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "ssetool/base/errors.hpp"
#include "ssetool/mcp/credential.hpp"
#include "ssetool/mcp/stateless_call.hpp"
#include "ssetool/serve/cgi_environment.hpp"
#include "ssetool/serve/stdin_registry.hpp"
#include "ssetool/server/policy.hpp"
#include "mcp_replies.hpp"

namespace ssetool {

using namespace mcp_replies;

namespace {

constexpr const char* kAssumedVersion = "2025-03-26";  // the spec's rule when a client sends no version
constexpr const char* kFirstPrimingVersion = "2025-11-25";  // clients from here on expect priming events
constexpr std::chrono::seconds kShutdownSlack{1};

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

// An application/json answer: the response line the session gives, as the reply's body.
std::function<void(std::string)> json_reply(Answer answer) {
  return [answer = std::move(answer)](std::string line) {
    Reply reply = Reply::text(200, line + "\n");
    reply.content_type = "application/json";
    answer(std::move(reply));
  };
}

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
  // A POST of a session (a tool call...) only parses its body before its reply is deferred: the loop answers it,
  // sparing two thread hand-offs per call; initialize (which starts a child) and the rest go to the workers.
  options_.server.answer_on_loop = [](const std::string& method, const Headers& headers) {
    return method == "POST" && find_header(headers, kSessionHeader).has_value();
  };
  server_ = std::make_unique<Server>(loop_, options_.server, [this](const Request& r) { return handle(r); });
}

McpServer::~McpServer() = default;

void McpServer::start() {
  server_->start();
  for (std::size_t i = 0; i < server_->loop_count(); ++i) loops_.push_back(&server_->stream_loop(i));
}

std::vector<std::string> McpServer::endpoint_names() const {
  std::vector<std::string> names;
  for (const auto& e : endpoints_) names.push_back(e.name);
  return names;
}

void McpServer::run() {
  if (!options_.stop_signals.empty())
    loop_.watch_signals(options_.stop_signals, [this](int) { stop_serving(); });
  for (Loop* loop : loops_) run_on(*loop, [this, loop] { table_->start_sweeping(*loop); });
  loop_.run();
  drop_sessions();
  server_.reset();  // joins the workers and the other stream loops
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
    return at_session(req, *id, false, endpoint, [message](const std::shared_ptr<McpSession>& session, Answer answer) {
      if (!session->to_child(message)) return answer(busy("the MCP server is not reading its input"));
      answer(Reply::text(202, ""));
    });
  Reply reply = !sse ? at_session(req, *id, false, endpoint,
                                  [message](const std::shared_ptr<McpSession>& session, Answer answer) {
                                    session->request_for_json(message, json_reply(std::move(answer)));
                                  })
                     : at_session(req, *id, false, endpoint,
                                  [this, req, message](const std::shared_ptr<McpSession>& session, Answer answer) {
                                    answer_held(session, message, primes(req, *session), std::move(answer));
                                  });
  // A client that leaves before the answer: the child is told the request is cancelled (on the session's loop,
  // after the request itself: posts run in order).
  reply.abandoned = [this, session_id = *id, request_id = *message.id] {
    SessionTable::Ref ref;
    if (!table_->find(session_id, ref)) return;
    run_on(*ref.loop, [weak = ref.session, request_id] {
      if (auto session = weak.lock()) session->cancel_request(request_id);
    });
  };
  return reply;
}

// A request answered as SSE, its head written once the child has said something for it: a response alone goes
// as one text/event-stream body (its length known, the connection kept for the client's next request); anything
// else first (progress, a request of the child) opens the stream at once, as a stream, whose connection takes the
// client's next request once the stream has ended.
void McpServer::answer_held(const std::shared_ptr<McpSession>& session, const JsonRpcMessage& message, bool priming,
                            Answer answer) {
  std::weak_ptr<McpSession> weak = session;
  std::string retry = options_.server.retry ? fmt::format("retry: {}\n\n", options_.server.retry->count()) : "";
  session->request_held(message, priming, [weak, answer, retry](std::optional<std::string> events,
                                                               std::uint64_t number) {
    if (events) {
      Reply reply = Reply::text(200, retry + *events);
      reply.content_type = "text/event-stream";
      reply.headers.emplace_back("Cache-Control", "no-cache");
      return answer(std::move(reply));
    }
    Reply stream = Reply::stream([weak, number](Session& connection) {
      if (auto s = weak.lock()) s->open_held(connection, number);
      else connection.end();
    });
    stream.keep_connection = true;  // the client's next request comes on this connection once the stream ends
    answer(std::move(stream));
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
  Loop& loop = *loops_[next_loop_++ % loops_.size()];
  auto open = [this, &loop, process, place, id, number, who, endpoint, version, credential = credential_of(req)] {
    McpSession::Hooks hooks{.ended = [this, id](const std::string&) { session_ended(id); },
                            .done = [this, number] { session_done(number); }};
    auto session = std::make_shared<McpSession>(loop, std::move(*process), std::move(*place), number, credential,
                                                options_.session, std::move(hooks));
    session->set_client_version(version);
    session->set_endpoint(endpoint);
    // In the table before stopping_ is read: stop_serving() either sees the session or was not yet under way.
    if (!table_->add(id, session, loop)) throw SystemError("the server has stopped");
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
  return NewSession{id, &loop, open};
}

// A POST initialize without a session: the session and its child start on the loop chosen for them; the answer
// carries the new Mcp-Session-Id, as JSON or as any other request's SSE answer (answer_held: one body on a kept
// connection when the child's response comes alone and soon).
Reply McpServer::initialize(const Request& req, std::size_t endpoint, const JsonRpcMessage& message, bool sse) {
  Reply refused;
  auto created = new_session(req, endpoint, message.protocol_version.value_or(kAssumedVersion), refused);
  if (!created) return refused;
  bool priming = message.protocol_version.value_or(kAssumedVersion) >= kFirstPrimingVersion;
  return Reply::deferred([this, created = std::move(*created), message, sse, priming](Answer answer) {
    // The session's id goes with its successful answer.
    Answer with_id = answer_from(*created.loop, [answer = std::move(answer), id = created.id](Reply given) {
      if (given.status == 200) given.headers.emplace_back(kSessionHeader, id);
      answer(std::move(given));
    });
    run_on(*created.loop, [this, open = created.open, with_id, message, sse, priming] {
      std::shared_ptr<McpSession> session;
      Reply refused = guarded([&] {
        session = open();
        return Reply::text(200, "");
      });
      if (!session) return with_id(std::move(refused));
      if (!sse) return session->request_for_json(message, json_reply(with_id));
      answer_held(session, message, priming, with_id);
    });
  });
}

Reply McpServer::get(const Request& req, std::size_t endpoint) {
  if (!accepts(req, "text/event-stream")) return refusal(406, "Accept must include text/event-stream");
  if (!req.header(kSessionHeader)) return refusal(400, "missing Mcp-Session-Id");
  auto last = req.header("Last-Event-ID");
  return at_session(req, *req.header(kSessionHeader), false, endpoint,
                    [req, last](const std::shared_ptr<McpSession>& session, Answer answer) {
                      bool priming = primes(req, *session);
                      switch (session->check_get(last)) {
                        case McpSession::GetCheck::busy:
                          return answer(refusal(409, "this stream is already open for this session"));
                        case McpSession::GetCheck::unknown:
                          return answer(refusal(400, "Last-Event-ID names no stream of this session"));
                        case McpSession::GetCheck::ok: break;
                      }
                      session->touch();
                      std::weak_ptr<McpSession> weak = session;
                      answer(Reply::stream([weak, last, priming](Session& connection) {
                        if (auto s = weak.lock()) s->open_get(connection, last, priming);
                        else connection.end();
                      }));
                    });
}

Reply McpServer::remove(const Request& req, std::size_t endpoint) {
  if (!req.header(kSessionHeader)) return refusal(400, "missing Mcp-Session-Id");
  return at_session(req, *req.header(kSessionHeader), false, endpoint,
                    [](const std::shared_ptr<McpSession>& session, Answer answer) {
                      session->end("DELETE");
                      answer(Reply::text(204, ""));
                    });
}

// A reply given on the server's loop by fn (the worker that ran the request is not held: Reply::later); a stream
// lives there too (the stateless pools' streams).
Reply McpServer::on_loop(std::function<Reply()> fn) {
  return Reply::deferred([this, fn = std::move(fn)](Answer answer) {
    Reply reply = guarded(fn);
    if (reply.open_stream) reply.loop = &loop_;
    answer(std::move(reply));
  });
}

// The session's lookup (any thread: the table's mutex) on the server's loop, its work on the session's loop.
Reply McpServer::at_session(const Request& req, const std::string& id, bool legacy, std::size_t endpoint,
                            SessionWork work) {
  return Reply::deferred([this, req, id, legacy, endpoint, work = std::move(work)](Answer answer) {
    SessionTable::Ref ref;
    if (!table_->find(id, ref)) {
      metrics_.errors++;
      return answer(refusal(404, "no such session (it ended, or never existed): initialize a new one"));
    }
    run_on(*ref.loop, [this, ref, req, legacy, endpoint, work, back = answer_from(*ref.loop, std::move(answer))] {
      auto session = ref.session.lock();
      Reply refused;
      if (!admits(session.get(), legacy, req, endpoint, refused)) return back(std::move(refused));
      try {
        work(session, back);
      } catch (const std::exception& e) {
        log(std::string("mcp: ") + e.what());
        back(busy("the request could not be handled"));
      }
    });
  });
}

void McpServer::run_on(Loop& loop, std::function<void()> fn) {
  if (&loop == &loop_) return fn();
  loop.post(std::move(fn));
}

Answer McpServer::answer_from(Loop& stream_loop, Answer answer) {
  return [this, &stream_loop, answer = std::move(answer)](Reply reply) {
    if (reply.open_stream) reply.loop = &stream_loop;
    if (loop_.in_loop_thread()) return answer(std::move(reply));
    loop_.post([answer, reply = std::move(reply)] { answer(reply); });
  };
}

// A request answered as application/json: `send` runs on the loop and hands the request to a session with a
// callback for its response (or returns a refusal); the loop writes the response once it comes.
Reply McpServer::json_answer(JsonSend send) {
  return Reply::deferred([this, send = std::move(send)](Answer answer) {
    auto respond = [answer](std::string line) {
      Reply reply = Reply::text(200, line + "\n");
      reply.content_type = "application/json";
      answer(std::move(reply));
    };
    Reply accepted = guarded([&] { return send(respond); });
    if (accepted.status != 200) answer(std::move(accepted));
  });
}

// fn's reply, or 503 when it threw (logged).
Reply McpServer::guarded(const std::function<Reply()>& fn) {
  try {
    return fn();
  } catch (const std::exception& e) {
    log(std::string("mcp: ") + e.what());
    return busy("the request could not be handled");
  }
}

// ---- a session's loop ----

// Whether the request may use `session` (null: it went): one of `endpoint` and of this transport (old or
// Streamable), or else a refusal: 404, or 401 when the request's credential is not the one that created it.
bool McpServer::admits(const McpSession* session, bool legacy, const Request& req, std::size_t endpoint,
                       Reply& refused) {
  if (!session || session->ending() || session->endpoint() != endpoint || session->legacy() != legacy) {
    metrics_.errors++;
    refused = refusal(404, "no such session (it ended, or never existed): initialize a new one");
    return false;
  }
  if (!same_secret(credential_of(req), session->credential())) {
    metrics_.errors++;
    refused = refusal(401, "this session belongs to another credential");
    refused.headers.emplace_back("WWW-Authenticate", "Bearer");
    return false;
  }
  return true;
}

void McpServer::session_ended(const std::string& id) {
  table_->forget(id);
  metrics_.sessions_open--;
}

void McpServer::session_done(std::size_t number) {
  auto session = table_->release(number);  // dropped when this returns: on its loop, outside the table's lock
  metrics_.children_alive--;
  if (!stopping_) return;
  loop_.post([this] {
    if (children_alive() == 0) shutdown_server();
  });
}

// After the server's loop has stopped (the other loops still run): each loop drops its own sessions.
void McpServer::drop_sessions() {
  table_->close();
  for (Loop* loop : table_->loops()) {
    if (loop == &loop_) {
      table_->take_on(loop_);
      continue;
    }
    std::promise<void> dropped;
    loop->post([this, loop, &dropped] {
      table_->take_on(*loop);
      dropped.set_value();
    });
    dropped.get_future().wait();
  }
}

// ---- the server's loop ----

// stop() or a stop signal: every session ends (children asked to finish, then killed); the server stops once
// every child is reaped, or after the kill grace (+1s) anyway.
void McpServer::stop_serving() {
  if (stopping_) return;
  stopping_ = true;
  auto sessions = table_->all();
  if (options_.server.verbosity != Verbosity::quiet && !sessions.empty())
    log(fmt::format("stopping: {} MCP session(s) open", sessions.size()));
  for (auto& ref : sessions)
    run_on(*ref.loop, [weak = ref.session] {
      if (auto session = weak.lock()) session->end("shutdown");
    });
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
