// The engine of `ssetool serve` (see serve/command_server.hpp).
#include "ssetool/serve/command_server.hpp"

#include <fmt/core.h>

#include <future>

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

Reply no_session() { return Reply::text(404, "no such session, or its command no longer reads input\n"); }

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
  // Every stream has ended (the server's shutdown waits for them on every loop); children may remain.
  drop_endpoints();
  server_.reset();  // joins the workers and the other stream loops
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
  std::size_t size = data.size();
  switch (registry_->reserve(id, size)) {
    case StdinRegistry::Admission::unknown: return no_session();
    case StdinRegistry::Admission::full:
      return busy("the session's stdin buffer is full (its command is not reading)");
    case StdinRegistry::Admission::accepted: break;
  }
  EndpointTable::Ref ref;
  if (!endpoints_.find(id, ref)) {  // it ended since
    registry_->release(id, size);
    return no_session();
  }
  // The write runs on the endpoint's loop, where the endpoint may be locked (and may have ended meanwhile).
  ref.loop->post([this, id, size, weak = std::move(ref.endpoint), data = std::move(data)]() mutable {
    auto endpoint = weak.lock();
    if (!endpoint || !endpoint->write_stdin(std::move(data))) registry_->release(id, size);
  });
  return Reply::text(202, "accepted\n");
}

// ---- the stream's loop ----

void CommandServer::open_stream(Session& session, Pending& pending) {
  std::string id = pending.id;
  Loop& loop = session.loop();
  ProcessEndpoint::Hooks hooks{
      .stdin_released = [this, id](std::size_t bytes) { registry_->release(id, bytes); },
      .stdin_closed = [this, id] { registry_->remove(id); },
      .done = [this, &loop, id] { loop.defer([this, id] { endpoint_done(id); }); },
  };
  auto endpoint = std::make_shared<ProcessEndpoint>(loop, session, std::move(pending.process), id,
                                                    options_.endpoint, std::move(hooks));
  // In the table before stopping_ is read: stop_serving() either sees the entry or was not yet under way.
  endpoints_.add(id, EndpointTable::Entry{endpoint, &loop, std::move(pending.slot)});
  if (options_.stdin_endpoint) {
    registry_->add(id);
    Event e;
    e.type = "endpoint";
    e.data = kStdinPrefix + id;
    session.send(e);
  }
  endpoint->start();
  if (stopping_) endpoint->stop();
}

void CommandServer::endpoint_done(const std::string& id) {
  registry_->remove(id);
  bool none_left = false;
  endpoints_.take(id, none_left);  // dropped here, on its loop
  if (!stopping_ || !none_left) return;
  loop_.post([this] { shutdown_server(); });
}

// ---- the server's loop ----

// stop() or a stop signal: no new streams; every child is asked to finish, its output and exit delivered; then the
// server ends the streams and stops. If children take longer than the kill grace (+1s), the server stops anyway.
void CommandServer::stop_serving() {
  if (stopping_) return;
  stopping_ = true;
  auto running = endpoints_.refs();
  if (options_.server.verbosity != Verbosity::quiet)
    log(fmt::format("stopping: {} command(s) running", running.size()));
  for (auto& ref : running) {
    auto stop_it = [weak = ref.endpoint] {
      if (auto endpoint = weak.lock()) endpoint->stop();
    };
    if (ref.loop == &loop_) stop_it();
    else ref.loop->post(std::move(stop_it));
  }
  if (running.empty()) {
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

// ---- after the loop ----

void CommandServer::drop_endpoints() {
  for (Loop* loop : endpoints_.loops()) {
    if (loop == &loop_) {
      endpoints_.take_on(loop_);
      continue;
    }
    std::promise<void> dropped;
    loop->post([this, loop, &dropped] {
      endpoints_.take_on(*loop);
      dropped.set_value();
    });
    dropped.get_future().wait();
  }
}

void CommandServer::log(const std::string& line) const {
  if (options_.server.log) options_.server.log(line);
}

void CommandServer::trace(const std::string& line) const {
  if (options_.server.verbosity == Verbosity::verbose) log(line);
}

}  // namespace ssetool
