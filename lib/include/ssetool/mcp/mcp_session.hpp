// One MCP session of `serve --mcp`: the stdio MCP server started for it (a child leading its own process group)
// and the HTTP streams its messages travel on. Lives on the loop thread.
//
// Streams. Stream 0 is the session's GET stream (unsolicited server messages); every POSTed request opens stream
// 1, 2, ... which ends once the response to that request is sent. Every SSE event's id is "STREAM-SEQ", so a
// GET with Last-Event-ID resumes THAT stream from a bounded history (`history` messages and
// `history_bytes` per stream).
// Routing of what the child prints (one JSON-RPC message per line):
//  - a response goes to the stream of the request with its id;
//  - a request or notification goes to the stream of the request whose progress token it carries; else, while
//    exactly one request is in flight (answered as SSE), to that request's stream; else to the GET stream;
//  - a message for a stream no client holds right now is kept in that stream's history for resumption.
// The old HTTP+SSE transport (open_legacy): stream 0 is the only stream and takes every message of the child.
// End. end() (DELETE, idle timeout, shutdown, a legacy stream closed) or the child's exit: requests in flight get a JSON-RPC error, open
// streams end, the child's stdin is closed and its process group gets SIGTERM, then SIGKILL after kill_grace;
// once the child has exited, what is left of its group is killed and the child reaped, then `done` runs.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "ssetool/loop/fd_reader.hpp"
#include "ssetool/loop/fd_writer.hpp"
#include "ssetool/loop/loop.hpp"
#include "ssetool/loop/session.hpp"
#include "ssetool/mcp/message.hpp"
#include "ssetool/serve/process_slots.hpp"
#include "ssetool/sources/process.hpp"

namespace ssetool {

struct McpSessionOptions {
  std::chrono::microseconds kill_grace{2'000'000};
  std::size_t max_line = 16 << 20;    // a longer line from the child ends the session
  std::size_t stdin_limit = 4 << 20;  // bytes that may wait for the child's stdin
  std::size_t history = 256;          // messages kept per stream for Last-Event-ID
  std::size_t history_bytes = 4 << 20;  // and at most these bytes of them (the last message is always kept)
  std::size_t kept_streams = 32;      // finished streams whose end no client saw, kept for resumption
  // request_held: how long a request's SSE head may wait for the child's first message for it; then the stream
  // opens (its priming event lets a client resume it), as it does at once for anything but the response.
  std::chrono::microseconds hold_head{5000};
  std::function<void(const std::string&)> log;    // always shown: the child's stderr, errors
  std::function<void(const std::string&)> trace;  // -v: opened, closed (may be empty)
};

class McpSession : public std::enable_shared_from_this<McpSession> {
 public:
  struct Hooks {
    std::function<void(const std::string& why)> ended;  // takes no more requests
    std::function<void()> done;                          // child reaped: the owner may drop the session
  };

  // `number` names the session in log lines (never its id); `credential` is what created it (see credential.hpp).
  McpSession(Loop& loop, Process process, ProcessSlots::Slot slot, std::size_t number, std::string credential,
             McpSessionOptions options, Hooks hooks);
  ~McpSession();
  McpSession(const McpSession&) = delete;
  McpSession& operator=(const McpSession&) = delete;

  // Starts reading the child. Call once, right after construction (through a shared_ptr).
  void start();

  // What a line for a request becomes before its client gets it (the stateless revision's id remapping); empty:
  // the line as it is. It lives as long as the request's stream.
  using Rewrite = std::function<std::string(const std::string&)>;
  // A POSTed request answered on `connection`, an SSE stream; `priming`: open it with an id and empty data.
  void request_on_stream(Session& connection, const JsonRpcMessage& request, bool priming, Rewrite rewrite = {});
  // A POSTed request answered as SSE whose response head waits, up to `hold_head`, for the child's first message
  // for it (the server writes it later: Reply::later). `ready` runs once, on the loop: with the whole stream's
  // events (priming first) when the response came alone in time, to be sent as one body on a kept-alive
  // connection; or with nothing when something else came first (progress...) or the time is up: then the stream
  // opens as request_on_stream's, with open_held(connection, `number`), and gets what came meanwhile.
  using Ready = std::function<void(std::optional<std::string> events, std::uint64_t number)>;
  void request_held(const JsonRpcMessage& request, bool priming, Ready ready);
  void open_held(Session& connection, std::uint64_t number);
  // A POSTed request answered with one JSON body: `reply` gets the response line (or an error response), once.
  void request_for_json(const JsonRpcMessage& request, std::function<void(std::string)> reply,
                        Rewrite rewrite = {});
  // A POSTed notification or response: false when the child's stdin cannot take it now.
  bool to_child(const JsonRpcMessage& message);
  // The client of request `id` (JSON text) left before its answer: the child is told (notifications/cancelled)
  // and its answer, if it still comes, goes nowhere.
  void cancel_request(const std::string& id);

  enum class GetCheck { ok, busy, unknown };
  // Whether a GET may open the GET stream (no Last-Event-ID) or resume the stream its Last-Event-ID names.
  GetCheck check_get(const std::optional<std::string>& last_event_id) const;
  void open_get(Session& connection, const std::optional<std::string>& last_event_id, bool priming);

  // The old HTTP+SSE transport (2024-11-05): `connection` is the session's only stream (stream 0); its first
  // event, `endpoint`, gives the URL the client POSTs to (whatever it posts goes to the child: to_child); every
  // line of the child goes on it; the session ends when it closes.
  void open_legacy(Session& connection, const std::string& post_url);
  bool legacy() const { return legacy_; }

  // A child of the stateless pool (stateless_pool.hpp), shared by many clients: a request of the child (sampling,
  // elicitation, roots) is answered at once with a JSON-RPC error, since no client can be asked; a message that
  // belongs to no request in flight is dropped; a request stream whose client went away is not kept.
  void set_pooled() { pooled_ = true; }

  // Ends the session (see above). `why` is for the log: "DELETE", "idle", "shutdown".
  void end(const std::string& why);

  bool ending() const { return ending_; }
  bool idle() const;  // no stream held by a client, no request in flight
  Loop::Clock::time_point last_activity() const { return last_activity_; }
  void touch() { last_activity_ = Loop::Clock::now(); }
  const std::string& credential() const { return credential_; }
  // The protocol revision the client asked for in its initialize request (what it can parse).
  void set_client_version(std::string version) { client_version_ = std::move(version); }
  const std::string& client_version() const { return client_version_; }
  // Which of the server's endpoints (paths) the session belongs to: it answers there only.
  void set_endpoint(std::size_t endpoint) { endpoint_ = endpoint; }
  std::size_t endpoint() const { return endpoint_; }
  std::size_t number() const { return number_; }
  pid_t pid() const { return process_.pid(); }

 private:
  struct Stream {
    std::weak_ptr<Session> connection;
    std::function<void(std::string)> json_reply;  // a request answered as application/json
    Ready held;                                    // request_held: its head not written yet
    bool priming = false;                          // request_held: open with a priming event
    Loop::TimerId hold_timer = 0;                  // request_held: hold_head
    Rewrite rewrite;                               // see Rewrite
    std::size_t in_flight = 0;                     // requests whose response goes here
    std::deque<std::pair<std::uint64_t, std::string>> history;
    std::size_t history_bytes = 0;
    std::uint64_t next_seq = 1;
    std::uint64_t delivered = 0;                   // the last seq written to a client
  };
  struct Waiting {
    std::uint64_t stream;
    std::optional<std::string> progress_token;
  };

  std::uint64_t new_stream();
  void attach(Stream& stream, Session& connection);
  void send_request(std::uint64_t stream, const JsonRpcMessage& request);
  void on_child_line(std::string_view line);
  void refuse_child_request(const JsonRpcMessage& request);
  std::uint64_t route(const JsonRpcMessage& message) const;
  void deliver(std::uint64_t stream, const std::string& line);
  void answered(std::uint64_t stream);
  void release_held(std::uint64_t number);
  std::string whole_stream(std::uint64_t number, Stream& stream);
  void replay(std::uint64_t number, Stream& stream, std::uint64_t after, Session& connection);
  void trim_kept_streams();
  void fail_requests(const std::string& why);
  void on_child_exit();
  void finish();
  void log(const std::string& line) const;
  void trace(const std::string& line) const;

  Loop& loop_;
  Process process_;
  ProcessSlots::Slot slot_;
  std::size_t number_;
  std::string credential_;
  std::string client_version_;
  std::size_t endpoint_ = 0;
  bool legacy_ = false;
  bool pooled_ = false;
  McpSessionOptions options_;
  Hooks hooks_;
  std::unique_ptr<FdReader> stdout_;
  std::unique_ptr<FdReader> stderr_;
  std::unique_ptr<FdWriter> stdin_;
  std::map<std::uint64_t, Stream> streams_;
  std::map<std::string, Waiting> waiting_;  // request id → where its response goes
  std::uint64_t next_stream_ = 1;
  bool watching_exit_ = false;
  bool child_exited_ = false;
  bool ending_ = false;
  bool finished_ = false;
  std::string end_reason_;
  Loop::TimerId kill_timer_ = 0;
  Loop::Clock::time_point opened_at_;
  Loop::Clock::time_point last_activity_;
};

// "STREAM-SEQ" → (STREAM, SEQ); nothing when malformed.
std::optional<std::pair<std::uint64_t, std::uint64_t>> parse_event_id(const std::string& id);

}  // namespace ssetool
