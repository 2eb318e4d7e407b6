// Running `ssetool serve` (see serve_command.hpp).
#include "serve_command.hpp"

#include <csignal>
#include <cstdlib>
#include <fmt/core.h>

#include "command.hpp"
#include "ssetool/base/errors.hpp"
#include "ssetool/base/units.hpp"
#include "ssetool/serve/cgi_environment.hpp"
#include "viewer_page.hpp"

namespace ssetool::cli {
namespace {

// The largest request body the server reads at all (lib/src/server.cpp answers 413 beyond it).
constexpr std::uint64_t kServerBodyLimit = 8 << 20;
// After SIGINT/SIGTERM, how much longer than --kill-grace the children get before the server stops anyway.
constexpr std::chrono::seconds kShutdownSlack{1};

std::uint64_t size_flag(const char* flag, const std::string& value) {
  try {
    return parse_size(value);
  } catch (const InvalidArgument& e) {
    throw InvalidArgument(std::string(flag) + ": " + e.what());
  }
}

void check_event_name(const char* flag, const std::string& name) {
  if (name.find_first_of("\r\n") != std::string::npos)
    throw InvalidArgument(std::string(flag) + " '" + name + "': an event type cannot contain CR or LF");
}

Reply busy(const std::string& why) {
  Reply reply = Reply::text(503, why + "; retry later\n");
  reply.headers.emplace_back("Retry-After", "1");
  return reply;
}

}  // namespace

struct ServeCommand::Pending {
  Process process;
  ProcessSlots::Slot slot;
  std::string id;
};

// ---- start-up ----

void ServeCommand::validate() {
  if (flags_.command.empty())
    throw InvalidArgument("no command given: ssetool serve [OPTIONS] -- COMMAND [ARGS...]");
  const char* path = std::getenv("PATH");
  program_ = find_executable(flags_.command[0], path ? path : "/usr/local/bin:/usr/bin:/bin");
  if (flags_.max_procs == 0) throw InvalidArgument("--max-procs: must be at least 1");
  check_event_name("--event", flags_.event);
  check_event_name("--exit-event", flags_.exit_event);
  max_body_ = size_flag("--max-body", flags_.max_body);
  if (max_body_ > kServerBodyLimit) throw InvalidArgument("--max-body: at most 8MiB (the server's request limit)");
  std::uint64_t stdin_buffer = size_flag("--stdin-buffer", flags_.stdin_buffer);
  if (stdin_buffer < max_body_ + 1)
    throw InvalidArgument("--stdin-buffer: must be larger than --max-body (" + flags_.max_body + ")");
  if (flags_.stdin_endpoint && (options_.path + "/").rfind(kStdinPrefix, 0) == 0)
    throw InvalidArgument("--path '" + options_.path + "': " + kStdinPrefix + " is where the stdin endpoints are");

  endpoint_options_.format = parse_input_format(flags_.format);
  if (!flags_.event.empty()) endpoint_options_.event_type = flags_.event;
  endpoint_options_.stderr_events = flags_.stderr_events;
  if (!flags_.exit_event.empty()) endpoint_options_.exit_event = flags_.exit_event;
  try {
    endpoint_options_.kill_grace = parse_duration(flags_.kill_grace);
  } catch (const InvalidArgument& e) {
    throw InvalidArgument(std::string("--kill-grace: ") + e.what());
  }
  endpoint_options_.max_line = size_flag("--max-line", flags_.max_line);
  endpoint_options_.stdin_limit = stdin_buffer;
  endpoint_options_.pause_above = options_.client_buffer / 2;
  endpoint_options_.log = [this](const std::string& line) { log(line); };
  if (options_.verbosity == Verbosity::verbose) endpoint_options_.trace = [this](const std::string& line) { log(line); };
  slots_ = std::make_unique<ProcessSlots>(flags_.max_procs);
  registry_ = std::make_unique<StdinRegistry>(stdin_buffer);
}

int ServeCommand::run() {
  options_ = flags_.server.options("serve");
  validate();
  environment_ = current_environment();

  prepare_server_process();
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  ::sigaction(SIGPIPE, &ignore, nullptr);  // a child that closed its stdin shows as EPIPE (children get SIG_DFL)

  server_ = std::make_unique<Server>(loop_, options_, [this](const Request& r) { return handle(r); });
  server_->start();
  announce(*server_, options_, "serve");
  loop_.watch_signals({SIGINT, SIGTERM}, [this](int) { stop_serving(); });
  loop_.run();

  server_.reset();     // joins the workers; streams still open are cut, which stops their children
  endpoints_.clear();  // whatever is left is killed and reaped
  return kExitOk;
}

// ---- worker threads ----

Reply ServeCommand::handle(const Request& req) {
  if (flags_.stdin_endpoint && req.path.rfind(kStdinPrefix, 0) == 0) return post_stdin(req);
  if (is_stream_path(req.path)) {
    if (req.method != "GET") {
      Reply reply = Reply::text(405, "method not allowed: the event stream takes GET\n");
      reply.headers.emplace_back("Allow", "GET");
      return reply;
    }
    return start_stream(req);
  }
  if (req.path == "/" && req.method == "GET") {
    std::vector<std::string> types;
    for (const auto& t : {flags_.event, flags_.exit_event}) if (!t.empty()) types.push_back(t);
    if (flags_.stderr_events) types.emplace_back("stderr");
    if (flags_.stdin_endpoint) types.emplace_back("endpoint");
    return viewer_reply(options_.path, types);
  }
  return Reply::text(404, "not found: the event stream is at " + options_.path + "\n");
}

// The stream's path, and (as CGI's PATH_INFO) every path below it.
bool ServeCommand::is_stream_path(const std::string& path) const {
  const std::string& base = options_.path;
  if (base == "/") return true;
  return path == base || (path.size() > base.size() && path.compare(0, base.size(), base) == 0 &&
                          path[base.size()] == '/');
}

Reply ServeCommand::start_stream(const Request& req) {
  if (stopping_) return busy("shutting down");
  auto slot = slots_->try_acquire();
  if (!slot) return busy(fmt::format("too many processes (--max-procs {})", flags_.max_procs));
  std::string id = make_session_id();
  CgiOptions cgi{.script_name = options_.path,
                 .session_id = id,
                 .last_event_id = requested_last_event_id(req),
                 .pass_auth = flags_.pass_auth,
                 .clear = flags_.env_clear};
  ProcessOptions spawn{.argv = flags_.command,
                       .program = program_,
                       .env = cgi_environment(req, cgi, environment_),
                       .in = StreamMode::pipe,
                       .out = flags_.pty ? StreamMode::pty : StreamMode::pipe,
                       .err = StreamMode::pipe,
                       .grouping = Grouping::session,
                       .pidfd = true,
                       .nonblocking = true};
  try {
    auto pending = std::make_shared<Pending>(Pending{Process::spawn(spawn), std::move(*slot), id});
    trace(fmt::format("[{}] pid {} started for {}:{}", id, pending->process.pid(), req.remote_addr,
                      req.remote_port));
    return Reply::stream([this, pending](Session& session) { open_stream(session, *pending); });
  } catch (const SystemError& e) {
    log(fmt::format("{}:{}: {} (answered 503)", req.remote_addr, req.remote_port, e.what()));
    return busy("the command could not be started");
  }
}

Reply ServeCommand::post_stdin(const Request& req) {
  if (req.method != "POST") {
    Reply reply = Reply::text(405, "method not allowed: a stdin endpoint takes POST\n");
    reply.headers.emplace_back("Allow", "POST");
    return reply;
  }
  if (req.body.size() > max_body_)
    return Reply::text(413, fmt::format("request body over --max-body ({} bytes)\n", max_body_));
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

void ServeCommand::open_stream(Session& session, Pending& pending) {
  std::string id = pending.id;
  ProcessEndpoint::Hooks hooks{
      .stdin_released = [this, id](std::size_t bytes) { registry_->release(id, bytes); },
      .stdin_closed = [this, id] { registry_->remove(id); },
      .done = [this, id] { loop_.defer([this, id] { endpoint_done(id); }); },
  };
  auto endpoint = std::make_shared<ProcessEndpoint>(loop_, session, std::move(pending.process), id,
                                                    endpoint_options_, std::move(hooks));
  if (flags_.stdin_endpoint) {
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

void ServeCommand::write_stdin(const std::string& id, std::string data) {
  std::size_t size = data.size();
  auto it = endpoints_.find(id);
  if (it == endpoints_.end() || !it->second.endpoint->write_stdin(std::move(data))) registry_->release(id, size);
}

void ServeCommand::endpoint_done(const std::string& id) {
  registry_->remove(id);
  endpoints_.erase(id);
  if (stopping_ && endpoints_.empty()) shutdown_server();
}

// SIGINT/SIGTERM: no new streams; every child is asked to finish, its output and exit delivered; then the
// server ends the streams and stops. If children take longer than --kill-grace (+1s), the server stops anyway.
void ServeCommand::stop_serving() {
  if (stopping_) return;
  stopping_ = true;
  if (options_.verbosity != Verbosity::quiet) log(fmt::format("stopping: {} command(s) running", endpoints_.size()));
  for (auto& [id, running] : endpoints_) running.endpoint->stop();
  if (endpoints_.empty()) {
    shutdown_server();
    return;
  }
  auto deadline = std::chrono::duration_cast<std::chrono::microseconds>(endpoint_options_.kill_grace + kShutdownSlack);
  loop_.add_timer(deadline, [this] { shutdown_server(); });
}

void ServeCommand::shutdown_server() {
  if (server_stopping_) return;
  server_stopping_ = true;
  server_->shutdown([this] { loop_.stop(); });
}

void ServeCommand::log(const std::string& line) const {
  if (options_.log) options_.log(line);
}

void ServeCommand::trace(const std::string& line) const {
  if (options_.verbosity == Verbosity::verbose) log(line);
}

}  // namespace ssetool::cli
