// The engine of `ssetool serve` (see serve/command_server.hpp).
#include "ssetool/serve/command_server.hpp"

#include <fmt/core.h>

#include "ssetool/base/errors.hpp"
#include "ssetool/serve/cgi_environment.hpp"
#include "ssetool/server/viewer_page.hpp"

namespace ssetool {
namespace {

// After a stop, how much longer than the kill grace the children get before the server stops anyway.
constexpr std::chrono::seconds kShutdownSlack{1};

Reply busy(const std::string& why) {
  Reply reply = Reply::text(503, why + "; retry later\n");
  reply.headers.emplace_back("Retry-After", "1");
  return reply;
}

// One of the server's --max-clients places, taken before a child is started: given back unless a stream takes it.
class StreamPlace {
 public:
  explicit StreamPlace(Server& server) : server_(&server) {}
  StreamPlace(const StreamPlace&) = delete;
  StreamPlace& operator=(const StreamPlace&) = delete;
  ~StreamPlace() {
    if (server_) server_->release_stream();
  }
  // The place now belongs to the stream reply (Reply::admitted): the server gives it back when the stream ends.
  void hand_over() { server_ = nullptr; }

 private:
  Server* server_;
};

}  // namespace

struct CommandServer::Pending {
  Process process;
  ProcessSlots::Slot slot;
  std::string id;
};

// ---- start-up ----

CommandServer::CommandServer(CommandServerOptions options) : options_(std::move(options)) {
  options_.endpoint.pause_above = options_.server.client_buffer / 2;
  options_.endpoint.log = [this](const std::string& line) { log(line); };
  if (options_.server.verbosity == Verbosity::verbose)
    options_.endpoint.trace = [this](const std::string& line) { log(line); };
  slots_ = std::make_unique<ProcessSlots>(options_.max_procs);
  registry_ = std::make_unique<StdinRegistry>(options_.stdin_buffer);
  environment_ = current_environment();
  // A body is read only where one is taken (the stdin endpoint) or answered (405 on the stream's paths): anywhere
  // else the 404 comes before the body is read (server/early_refusal.hpp).
  options_.server.body_path = [this](const std::string& p) {
    return (options_.stdin_endpoint && p.rfind(kStdinPrefix, 0) == 0) || is_stream_path(p);
  };
  server_ = std::make_unique<Server>(loop_, options_.server, [this](const Request& r) { return handle(r); });
}

void CommandServer::start() { server_->start(); }

void CommandServer::run() {
  if (!options_.stop_signals.empty())
    loop_.watch_signals(options_.stop_signals, [this](int) { stop_serving(); });
  loop_.run();

  server_.reset();     // joins the workers; streams still open are cut, which stops their children
  endpoints_.clear();  // whatever is left is killed and reaped
}

void CommandServer::stop() {
  loop_.post([this] { stop_serving(); });
}

// ---- worker threads ----

Reply CommandServer::handle(const Request& req) {
  if (options_.stdin_endpoint && req.path.rfind(kStdinPrefix, 0) == 0) return post_stdin(req);
  if (is_stream_path(req.path)) {
    if (req.method != "GET") {
      Reply reply = Reply::text(405, "method not allowed: the event stream takes GET\n");
      reply.headers.emplace_back("Allow", "GET");
      return reply;
    }
    return start_stream(req);
  }
  if (req.path == "/" && req.method == "GET") return viewer_reply(options_.server.path);
  return Reply::text(404, "not found: the event stream is at " + options_.server.path + "\n");
}

// The stream's path, and (as CGI's PATH_INFO) every path below it.
bool CommandServer::is_stream_path(const std::string& path) const {
  const std::string& base = options_.server.path;
  if (base == "/") return true;
  return path == base || (path.size() > base.size() && path.compare(0, base.size(), base) == 0 &&
                          path[base.size()] == '/');
}

// Admission comes first, --max-clients then --max-procs: a client turned away never starts a process.
Reply CommandServer::start_stream(const Request& req) {
  if (stopping_) return busy("shutting down");
  if (!server_->reserve_stream())
    return busy(fmt::format("too many clients (--max-clients {})", server_->options().max_clients));
  StreamPlace place(*server_);
  auto slot = slots_->try_acquire();
  if (!slot) return busy(fmt::format("too many processes (--max-procs {})", options_.max_procs));
  std::string id = make_session_id();
  CgiOptions cgi{.script_name = options_.server.path,
                 .session_id = id,
                 .last_event_id = req.last_event_id(),
                 .pass_auth = options_.pass_auth,
                 .clear = options_.env_clear};
  ProcessOptions spawn{.argv = options_.argv,
                       .program = options_.program,
                       .env = cgi_environment(req, cgi, environment_),
                       .in = StreamMode::pipe,
                       .out = options_.pty ? StreamMode::pty : StreamMode::pipe,
                       .err = StreamMode::pipe,
                       .grouping = Grouping::session,
                       .pidfd = true,
                       .nonblocking = true};
  try {
    auto pending = std::make_shared<Pending>(Pending{Process::spawn(spawn), std::move(*slot), id});
    trace(fmt::format("[{}] pid {} started for {}:{}", id, pending->process.pid(), req.remote_addr,
                      req.remote_port));
    Reply reply = Reply::stream([this, pending](Session& session) { open_stream(session, *pending); });
    reply.admitted = true;
    place.hand_over();
    return reply;
  } catch (const SystemError& e) {
    log(fmt::format("{}:{}: {} (answered 503)", req.remote_addr, req.remote_port, e.what()));
    return busy("the command could not be started");
  }
}

Reply CommandServer::post_stdin(const Request& req) {
  if (req.method != "POST") {
    Reply reply = Reply::text(405, "method not allowed: a stdin endpoint takes POST\n");
    reply.headers.emplace_back("Allow", "POST");
    return reply;
  }
  if (req.body.size() > options_.max_body)
    return Reply::text(413, fmt::format("request body over --max-body ({} bytes)\n", options_.max_body));
  std::string id = req.path.substr(std::string_view(kStdinPrefix).size());
  std::string data = req.body;
  if (data.empty() || data.back() != '\n') data += '\n';
  switch (registry_->reserve(id, data.size())) {
    case StdinRegistry::Admission::unknown:
      return Reply::text(404, "no such session, or its command no longer reads input\n");
    case StdinRegistry::Admission::full:
      return busy("the session's stdin buffer is full (its command is not reading)");
    case StdinRegistry::Admission::accepted: break;
  }
  loop_.post([this, id, data = std::move(data)]() mutable { write_stdin(id, std::move(data)); });
  return Reply::text(202, "accepted\n");
}

// ---- loop thread ----

void CommandServer::open_stream(Session& session, Pending& pending) {
  std::string id = pending.id;
  ProcessEndpoint::Hooks hooks{
      .stdin_released = [this, id](std::size_t bytes) { registry_->release(id, bytes); },
      .stdin_closed = [this, id] { registry_->remove(id); },
      .done = [this, id] { loop_.defer([this, id] { endpoint_done(id); }); },
  };
  auto endpoint = std::make_shared<ProcessEndpoint>(loop_, session, std::move(pending.process), id,
                                                    options_.endpoint, std::move(hooks));
  if (options_.stdin_endpoint) {
    registry_->add(id);
    Event e;
    e.type = "endpoint";
    e.data = kStdinPrefix + id;
    session.send(e);
  }
  endpoints_.emplace(id, Running{endpoint, std::move(pending.slot)});
  endpoint->start();
  if (stopping_) endpoint->stop();
}

void CommandServer::write_stdin(const std::string& id, std::string data) {
  std::size_t size = data.size();
  auto it = endpoints_.find(id);
  if (it == endpoints_.end() || !it->second.endpoint->write_stdin(std::move(data))) registry_->release(id, size);
}

void CommandServer::endpoint_done(const std::string& id) {
  registry_->remove(id);
  endpoints_.erase(id);
  if (stopping_ && endpoints_.empty()) shutdown_server();
}

// stop() or a stop signal: no new streams; every child is asked to finish, its output and exit delivered; then the
// server ends the streams and stops. If children take longer than the kill grace (+1s), the server stops anyway.
void CommandServer::stop_serving() {
  if (stopping_) return;
  stopping_ = true;
  if (options_.server.verbosity != Verbosity::quiet)
    log(fmt::format("stopping: {} command(s) running", endpoints_.size()));
  for (auto& [id, running] : endpoints_) running.endpoint->stop();
  if (endpoints_.empty()) {
    shutdown_server();
    return;
  }
  auto deadline = std::chrono::duration_cast<std::chrono::microseconds>(options_.endpoint.kill_grace +
                                                                         kShutdownSlack);
  loop_.add_timer(deadline, [this] { shutdown_server(); });
}

void CommandServer::shutdown_server() {
  if (server_stopping_) return;
  server_stopping_ = true;
  server_->shutdown([this] { loop_.stop(); });
}

void CommandServer::log(const std::string& line) const {
  if (options_.server.log) options_.server.log(line);
}

void CommandServer::trace(const std::string& line) const {
  if (options_.server.verbosity == Verbosity::verbose) log(line);
}

}  // namespace ssetool
