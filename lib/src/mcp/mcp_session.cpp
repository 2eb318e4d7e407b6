// One MCP session: its child and its streams (see mcp/mcp_session.hpp).
#include "ssetool/mcp/mcp_session.hpp"

#include <charconv>
#include <csignal>
#include <fmt/core.h>
#include <sys/epoll.h>

#include "ssetool/base/errors.hpp"

namespace ssetool {
namespace {

// JSON-RPC error codes of the answers the bridge itself gives.
constexpr int kServerError = -32000;
constexpr int kInvalidRequest = -32600;

std::string event_id(std::uint64_t stream, std::uint64_t seq) { return fmt::format("{}-{}", stream, seq); }

void send_event(Session& connection, std::string id, const std::string& data) {
  Event e;
  e.id = std::move(id);
  e.data = data;
  connection.send(e);
}

bool is_open(const std::weak_ptr<Session>& connection) {
  auto c = connection.lock();
  return c && c->is_open() && !c->is_ending();
}

}  // namespace

std::optional<std::pair<std::uint64_t, std::uint64_t>> parse_event_id(const std::string& id) {
  std::size_t dash = id.find('-');
  if (dash == std::string::npos) return std::nullopt;
  std::uint64_t stream = 0, seq = 0;
  const char* end = id.data() + id.size();
  auto a = std::from_chars(id.data(), id.data() + dash, stream);
  auto b = std::from_chars(id.data() + dash + 1, end, seq);
  if (a.ec != std::errc() || a.ptr != id.data() + dash || b.ec != std::errc() || b.ptr != end || dash == 0)
    return std::nullopt;
  return std::make_pair(stream, seq);
}

McpSession::McpSession(Loop& loop, Process process, ProcessSlots::Slot slot, std::size_t number,
                       std::string credential, McpSessionOptions options, Hooks hooks)
    : loop_(loop),
      process_(std::move(process)),
      slot_(std::move(slot)),
      number_(number),
      credential_(std::move(credential)),
      options_(std::move(options)),
      hooks_(std::move(hooks)),
      opened_at_(Loop::Clock::now()),
      last_activity_(opened_at_) {
  streams_[0];  // the GET stream
}

McpSession::~McpSession() {
  loop_.cancel_timer(kill_timer_);
  if (watching_exit_) loop_.unwatch(process_.pidfd());
  // process_'s destructor kills and reaps a child still there (only when the loop is being torn down).
}

void McpSession::start() {
  stdout_ = std::make_unique<FdReader>(
      loop_, process_.take_stdout(), options_.max_line, [this](std::string_view line) { on_child_line(line); },
      [this](const std::optional<std::string>& error) {
        if (error) {
          log("stdout: " + *error + "; ending the session");
          end("the MCP server's output was unreadable");
        }
      });
  stderr_ = std::make_unique<FdReader>(
      loop_, process_.take_stderr(), options_.max_line, [this](std::string_view line) { log(std::string(line)); },
      [](const std::optional<std::string>&) {});
  stdin_ = std::make_unique<FdWriter>(loop_, process_.take_stdin(), options_.stdin_limit, nullptr, nullptr);
  std::weak_ptr<McpSession> weak = weak_from_this();
  loop_.watch(process_.pidfd(), EPOLLIN, [weak](std::uint32_t) {
    if (auto self = weak.lock()) self->on_child_exit();
  });
  watching_exit_ = true;
}

// ---- from the client ----

std::uint64_t McpSession::new_stream() {
  std::uint64_t number = next_stream_++;
  streams_[number];
  return number;
}

// A client holds the stream now; when it lets go, the session's idle time starts again from then.
void McpSession::attach(Stream& stream, Session& connection) {
  stream.connection = connection.weak_from_this();
  std::weak_ptr<McpSession> weak = weak_from_this();
  connection.on_close([weak](SessionEnd) {
    auto self = weak.lock();
    if (!self) return;
    self->touch();
    if (self->legacy_) self->end("the SSE stream closed");
  });
}

void McpSession::open_legacy(Session& connection, const std::string& post_url) {
  touch();
  legacy_ = true;
  Stream& stream = streams_[0];
  attach(stream, connection);
  Event endpoint;
  endpoint.type = "endpoint";
  endpoint.data = post_url;
  connection.send(endpoint);
  replay(0, stream, stream.delivered, connection);
}

void McpSession::request_on_stream(Session& connection, const JsonRpcMessage& request, bool priming,
                                   Rewrite rewrite) {
  touch();
  std::uint64_t number = new_stream();
  Stream& stream = streams_[number];
  stream.rewrite = std::move(rewrite);
  attach(stream, connection);
  if (priming) send_event(connection, event_id(number, 0), "");
  send_request(number, request);
}

void McpSession::request_held(const JsonRpcMessage& request, bool priming, Ready ready) {
  touch();
  std::uint64_t number = new_stream();
  Stream& stream = streams_[number];
  stream.held = std::move(ready);
  stream.priming = priming;
  stream.hold_timer = loop_.add_timer(options_.hold_head, [weak = weak_from_this(), number] {
    if (auto self = weak.lock()) self->release_held(number);
  });
  send_request(number, request);
}

void McpSession::open_held(Session& connection, std::uint64_t number) {
  auto it = streams_.find(number);
  if (it == streams_.end()) return connection.end();
  Stream& stream = it->second;
  attach(stream, connection);
  if (stream.priming) send_event(connection, event_id(number, 0), "");
  replay(number, stream, 0, connection);
  if (stream.in_flight == 0) {  // answered meanwhile
    connection.end();
    streams_.erase(it);
  }
}

// A held stream got a message that did not end it (checked at the end of the loop iteration, after the response
// that came with it, if any), or waited hold_head: its head is due now, as a stream.
void McpSession::release_held(std::uint64_t number) {
  auto it = streams_.find(number);
  if (it == streams_.end() || !it->second.held) return;
  loop_.cancel_timer(it->second.hold_timer);  // a no-op once it ran
  auto ready = std::move(it->second.held);
  it->second.held = nullptr;
  ready(std::nullopt, number);
}

// The events of a held stream that ended before its head was written: one body.
std::string McpSession::whole_stream(std::uint64_t number, Stream& stream) {
  std::string body;
  Event event;
  if (stream.priming) {
    event.id = event_id(number, 0);
    body += encode(event);
  }
  for (const auto& [seq, line] : stream.history) {
    event.id = event_id(number, seq);
    event.data = line;
    try {
      body += encode(event);
    } catch (const InvalidEvent& e) {
      log(std::string("a message could not be sent: ") + e.what());
    }
    stream.delivered = seq;
  }
  return body;
}

void McpSession::request_for_json(const JsonRpcMessage& request, std::function<void(std::string)> reply,
                                  Rewrite rewrite) {
  touch();
  std::uint64_t number = new_stream();
  streams_[number].json_reply = std::move(reply);
  streams_[number].rewrite = std::move(rewrite);
  send_request(number, request);
}

void McpSession::send_request(std::uint64_t stream, const JsonRpcMessage& request) {
  const std::string& id = *request.id;
  streams_[stream].in_flight++;
  if (ending_ || waiting_.count(id)) {
    std::string why = ending_ ? "the session has ended (" + end_reason_ + ")" : "a request with this id is in flight";
    deliver(stream, error_response(id, ending_ ? kServerError : kInvalidRequest, why));
    answered(stream);
    return;
  }
  waiting_[id] = Waiting{stream, request.progress_token};
  if (!stdin_->write(request.line + "\n")) {
    waiting_.erase(id);
    deliver(stream, error_response(id, kServerError, "the MCP server is not reading its input"));
    answered(stream);
  }
}

bool McpSession::to_child(const JsonRpcMessage& message) {
  touch();
  return !ending_ && stdin_->write(message.line + "\n");
}

void McpSession::cancel_request(const std::string& id) {
  auto it = waiting_.find(id);
  if (it == waiting_.end()) return;
  auto stream = streams_.find(it->second.stream);
  if (stream == streams_.end() || stream->first == 0) return;
  loop_.cancel_timer(stream->second.hold_timer);
  streams_.erase(stream);  // waiting_ keeps the id until the child answers it (or the session ends)
  if (!ending_)
    stdin_->write(R"({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":)" + id +
                  R"(,"reason":"the client disconnected"}})" "\n");
}

McpSession::GetCheck McpSession::check_get(const std::optional<std::string>& last_event_id) const {
  std::uint64_t number = 0;
  if (last_event_id) {
    auto parsed = parse_event_id(*last_event_id);
    if (!parsed || !streams_.count(parsed->first)) return GetCheck::unknown;
    number = parsed->first;
  }
  // A resume takes over a stream the server still thinks open: the client has lost it (a connection whose end the
  // server has not seen yet, or never will, as behind a NAT that dropped it). A second plain GET is refused.
  if (last_event_id) return GetCheck::ok;
  return is_open(streams_.at(number).connection) ? GetCheck::busy : GetCheck::ok;
}

// The GET stream, or the rest of the stream Last-Event-ID names: what the client has not seen, then what comes.
void McpSession::open_get(Session& connection, const std::optional<std::string>& last_event_id, bool priming) {
  touch();
  std::uint64_t number = 0;
  std::optional<std::uint64_t> after;
  if (last_event_id) {
    auto parsed = parse_event_id(*last_event_id);
    if (parsed && streams_.count(parsed->first)) std::tie(number, after) = *parsed;
  }
  auto it = streams_.find(number);
  if (it != streams_.end() && last_event_id && is_open(it->second.connection))
    it->second.connection.lock()->end();  // taken over by the resume (check_get)
  if (it == streams_.end() || is_open(it->second.connection) || ending_) {
    connection.end();  // lost a race with another GET, or the session ended meanwhile
    return;
  }
  Stream& stream = it->second;
  attach(stream, connection);
  std::uint64_t from = after.value_or(stream.delivered);
  if (priming) send_event(connection, event_id(number, from), "");
  replay(number, stream, from, connection);
  if (number != 0 && stream.in_flight == 0) {
    connection.end();
    streams_.erase(it);
  }
}

void McpSession::replay(std::uint64_t number, Stream& stream, std::uint64_t after, Session& connection) {
  for (const auto& [seq, line] : stream.history) {
    if (seq <= after) continue;
    send_event(connection, event_id(number, seq), line);
    stream.delivered = seq;
  }
}

// ---- from the child ----

void McpSession::on_child_line(std::string_view line) {
  if (line.find_first_not_of(" \t\r") == std::string_view::npos) return;
  JsonRpcMessage message;
  try {
    message = classify_message(line);
  } catch (const InvalidArgument& e) {
    log(std::string("stdout: ") + e.what() + " (skipped)");
    return;
  }
  if (pooled_ && message.kind == JsonRpcMessage::Kind::request) {
    refuse_child_request(message);
    return;
  }
  if (legacy_ || message.kind != JsonRpcMessage::Kind::response) {
    std::uint64_t stream = legacy_ ? 0 : route(message);
    if (!(pooled_ && stream == 0)) deliver(stream, message.line);
    return;
  }
  auto it = message.id ? waiting_.find(*message.id) : waiting_.end();
  if (it == waiting_.end()) {
    log("stdout: a response to no request in flight (skipped)");
    return;
  }
  std::uint64_t stream = it->second.stream;
  waiting_.erase(it);
  deliver(stream, message.line);
  answered(stream);
}

// A pool child asked a client something (sampling, elicitation, roots): no client can answer on the stateless
// revision, so the bridge answers for it (the child's capabilities were declared empty at its initialize).
void McpSession::refuse_child_request(const JsonRpcMessage& request) {
  log("stdout: the MCP server sent a '" + request.method +
      "' request, which the stateless revision cannot carry to a client (answered with an error)");
  stdin_->write(error_response(*request.id, -32601,
                               "ssetool serve --mcp: '" + request.method +
                                   "' cannot reach a client of the stateless revision (2026-07-28)") +
                "\n");
}

std::uint64_t McpSession::route(const JsonRpcMessage& message) const {
  auto sse = [this](std::uint64_t stream) {  // a cancelled request's stream is gone: what is routed there is dropped
    auto it = streams_.find(stream);
    return it == streams_.end() || !it->second.json_reply;
  };
  if (message.progress_token)
    for (const auto& [id, waiting] : waiting_)
      if (waiting.progress_token == message.progress_token && sse(waiting.stream)) return waiting.stream;
  if (waiting_.size() == 1 && sse(waiting_.begin()->second.stream)) return waiting_.begin()->second.stream;
  return 0;
}

void McpSession::deliver(std::uint64_t number, const std::string& child_line) {
  auto it = streams_.find(number);
  if (it == streams_.end()) return;
  Stream& stream = it->second;
  std::string line = stream.rewrite ? stream.rewrite(child_line) : child_line;
  if (stream.json_reply) {
    auto reply = std::move(stream.json_reply);
    stream.json_reply = nullptr;
    reply(line);
    return;
  }
  std::uint64_t seq = stream.next_seq++;
  stream.history.emplace_back(seq, line);
  stream.history_bytes += line.size();
  while (stream.history.size() > 1 &&
         (stream.history.size() > options_.history || stream.history_bytes > options_.history_bytes)) {
    stream.history_bytes -= stream.history.front().second.size();
    stream.history.pop_front();
  }
  if (stream.held) {
    loop_.defer([weak = weak_from_this(), number] {
      if (auto self = weak.lock()) self->release_held(number);
    });
  } else if (auto c = stream.connection.lock(); c && is_open(stream.connection)) {
    try {
      send_event(*c, event_id(number, seq), line);
      stream.delivered = seq;
    } catch (const InvalidEvent& e) {
      log(std::string("a message could not be sent: ") + e.what());
    }
  }
}

// One response of `number` was delivered: a request stream ends with its last response.
void McpSession::answered(std::uint64_t number) {
  auto it = streams_.find(number);
  if (it == streams_.end() || --it->second.in_flight > 0) return;
  Stream& stream = it->second;
  if (stream.held) {
    loop_.cancel_timer(stream.hold_timer);
    auto ready = std::move(stream.held);
    std::string body = whole_stream(number, stream);
    streams_.erase(it);
    ready(std::move(body), number);
    return;
  }
  if (!pooled_ && stream.json_reply == nullptr && !is_open(stream.connection) &&
      stream.delivered < stream.next_seq - 1) {
    trim_kept_streams();  // no client saw the end: kept for a GET with Last-Event-ID
    return;
  }
  if (auto c = stream.connection.lock()) c->end();
  streams_.erase(it);
}

void McpSession::trim_kept_streams() {
  std::size_t kept = 0;
  for (const auto& [number, stream] : streams_)
    if (number != 0 && stream.in_flight == 0) ++kept;
  for (auto it = streams_.begin(); it != streams_.end() && kept > options_.kept_streams;) {
    if (it->first != 0 && it->second.in_flight == 0) {
      it = streams_.erase(it);
      --kept;
    } else {
      ++it;
    }
  }
}

// ---- the end ----

bool McpSession::idle() const {
  if (!waiting_.empty()) return false;
  for (const auto& [number, stream] : streams_)
    if (is_open(stream.connection)) return false;
  return true;
}

void McpSession::fail_requests(const std::string& why) {
  auto waiting = std::move(waiting_);
  waiting_.clear();
  for (const auto& [id, w] : waiting) {
    deliver(w.stream, error_response(id, kServerError, why));
    answered(w.stream);
  }
  for (auto& [number, stream] : streams_)
    if (auto c = stream.connection.lock()) c->end();
}

void McpSession::end(const std::string& why) {
  if (ending_) return;
  ending_ = true;
  end_reason_ = why;
  fail_requests("the session has ended (" + why + ")");
  if (hooks_.ended) hooks_.ended(why);
  if (stdin_) stdin_->close();
  if (child_exited_) return;
  process_.signal(SIGTERM);
  std::weak_ptr<McpSession> weak = weak_from_this();
  kill_timer_ = loop_.add_timer(options_.kill_grace, [weak] {
    auto self = weak.lock();
    if (!self || self->child_exited_) return;
    self->trace("still running after the kill grace: SIGKILL");
    self->process_.signal(SIGKILL);
  });
}

void McpSession::on_child_exit() {
  loop_.unwatch(process_.pidfd());
  watching_exit_ = false;
  child_exited_ = true;
  loop_.cancel_timer(kill_timer_);
  kill_timer_ = 0;
  if (stdout_) stdout_->drain_and_end();  // a last response written just before exiting still goes out
  if (!ending_) {
    auto status = process_.exit_status();
    end("the MCP server exited: " + (status ? status->description() : std::string("unknown status")));
  }
  finish();
}

// The child has exited: what is left of its group is killed, the child reaped, the owner told.
void McpSession::finish() {
  if (finished_) return;
  finished_ = true;
  if (stdout_) stdout_->close();
  if (stderr_) stderr_->drain_and_end();
  if (stderr_) stderr_->close();
  process_.signal(SIGKILL);
  ExitStatus status = process_.reap();
  auto seconds = std::chrono::duration<double>(Loop::Clock::now() - opened_at_).count();
  trace(fmt::format("closed ({}) after {:.1f}s; pid {}: {}", end_reason_, seconds, process_.pid(),
                    status.description()));
  slot_.release();
  if (hooks_.done) loop_.defer(hooks_.done);
}

void McpSession::log(const std::string& line) const {
  if (options_.log) options_.log(fmt::format("[session {}] {}", number_, line));
}

void McpSession::trace(const std::string& line) const {
  if (options_.trace) options_.trace(fmt::format("[session {}] {}", number_, line));
}

}  // namespace ssetool
