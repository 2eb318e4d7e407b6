// The engine of `ssetool serve --mcp -- COMMAND`: a stdio MCP server put on MCP's Streamable HTTP transport
// (protocol revisions 2025-03-26, 2025-06-18 and 2025-11-25; stateful); or several, each at its own path
// (--mcp-config: /NAME/mcp), listed by GET / (JSON for Accept: application/json, else HTML). At each path:
//  - POST initialize without a session starts COMMAND (no shell, its own process group) for a new session and
//    answers with an unguessable Mcp-Session-Id; every later request carries it (missing: 400, unknown: 404,
//    another credential than the one that created it: 401);
//  - a POSTed request is answered as text/event-stream (or application/json when the client accepts only that):
//    what the child sends in its course, then the response; a POSTed notification or response: 202;
//  - GET opens the session's stream for unsolicited messages (one at a time: 409), or with Last-Event-ID resumes
//    the stream that id belongs to; DELETE ends the session (204);
//  - MCP-Protocol-Version, when present, must be a supported revision (400); JSON-RPC batches are refused (400);
//  - Host and Origin are checked before anything else (access_guard.hpp): 403.
// Beside each path P, the old HTTP+SSE transport (2024-11-05): GET of P's folder + "sse" starts a session whose
// one stream that is (its `endpoint` event names P's folder + "message?sessionId=ID", where the client POSTs;
// 202), ended when the stream closes.
// The stateless revision (2026-07-28; stateless_pool.hpp, stateless_call.hpp): a POSTed request without a
// session whose _meta names 2026-07-28 (with --stateless: every request, initialize included, and no session is
// ever made) is served by the endpoint's pool of children that ssetool initialised itself, its id remapped;
// server/discover is answered from the child's initialize result; a notification is accepted (202) and dropped.
// Sessions end on DELETE, after --session-timeout idle, when their child exits, and at shutdown (mcp_session.hpp);
// --max-sessions children at most (503 + Retry-After beyond), counted across loops.
// Threads (ServerOptions::stream_loops, --threads N): workers decide what needs no session and start children;
// a session (its child's pipes, pidfd and timers, its streams, held answers and history) lives on one stream loop
// for life, chosen in turn when initialize (or the old transport's GET) creates it: the server's loop reads every
// request, so "the loop the request came on" would put every session on it. Everything about a session runs on
// its loop: the session table (session_table.hpp) tells a request's loop from its Mcp-Session-Id; the deferred
// reply (Reply::later) is started on the server's loop, the work posted to the session's loop, the reply posted
// back, and a stream reply opens on the session's loop (Reply::loop). The stateless pools stay on the server's
// loop, their streams too. Each loop sweeps its own idle sessions; shutdown ends every loop's sessions and stops
// once every child is reaped (or after the kill grace + 1 s); what is left is dropped on its loop.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ssetool/loop/loop.hpp"
#include "ssetool/mcp/access_guard.hpp"
#include "ssetool/mcp/mcp_endpoint.hpp"
#include "ssetool/mcp/mcp_metrics.hpp"
#include "ssetool/mcp/mcp_session.hpp"
#include "ssetool/mcp/message.hpp"
#include "ssetool/mcp/session_table.hpp"
#include "ssetool/mcp/stateless_pool.hpp"
#include "ssetool/serve/process_slots.hpp"
#include "ssetool/server/server.hpp"

namespace ssetool {

struct McpServerOptions {
  ServerOptions server;                    // its path is the MCP endpoint
  std::string program;                     // the command, resolved (see find_executable)
  std::vector<std::string> argv;           // the command and its arguments, as given
  std::vector<McpEndpoint> endpoints;      // several servers (--mcp-config); empty: program and argv at server.path
  bool env_clear = false;                  // the command gets only PATH
  McpSessionOptions session;               // its log and trace are set from `server`
  std::size_t max_sessions = 64;           // children at once; more initialize requests get 503 + Retry-After
  std::chrono::microseconds session_timeout{600'000'000};  // idle time after which a session ends
  std::vector<std::string> allow_hosts;    // --allow-host
  bool stateless = false;                  // --stateless: every request goes to the stateless pool
  StatelessPoolOptions pool;               // the stateless pool of each endpoint
  std::vector<int> stop_signals;           // stop on these (blocked in every thread: block_signals)
};

// The protocol revisions served; a request whose MCP-Protocol-Version names another gets 400.
const std::vector<std::string>& supported_protocol_versions();

class McpServer {
 public:
  explicit McpServer(McpServerOptions options);
  ~McpServer();

  // Binds and starts accepting; writes the port file. Throws SystemError or InvalidArgument.
  void start();
  std::string url() const { return server_->url(); }
  int port() const { return server_->port(); }
  // The names of the servers of --mcp-config, in the file's order (empty names otherwise).
  std::vector<std::string> endpoint_names() const;
  // Runs the loop until the server has stopped; every child is then killed and reaped. Once.
  void run();
  // Thread-safe: a graceful stop, as a stop signal does.
  void stop();

 private:
  // Worker threads.
  Reply handle(const Request& req);
  Reply listing(const Request& req) const;
  // The JSON-RPC message of a POST (counted by method), or the refusal of a body that is not one.
  std::optional<Reply> read_message(const Request& req, JsonRpcMessage& message);
  Reply post(const Request& req, std::size_t endpoint);
  Reply get(const Request& req, std::size_t endpoint);
  Reply remove(const Request& req, std::size_t endpoint);
  Reply initialize(const Request& req, std::size_t endpoint, const JsonRpcMessage& message, bool sse);
  struct NewSession {
    std::string id;
    Loop* loop;                                          // the session's
    std::function<std::shared_ptr<McpSession>()> open;  // on `loop`
  };
  std::optional<NewSession> new_session(const Request& req, std::size_t endpoint, const std::string& version,
                                        Reply& refused);
  // The stateless revision: one request (or notification) served by the endpoint's pool.
  Reply stateless(const Request& req, std::size_t endpoint, const JsonRpcMessage& message, bool sse);
  // Loop thread: a place on the pool of `endpoint` and what the request's answer will be, or a refusal.
  Reply stateless_on_loop(std::size_t endpoint, const JsonRpcMessage& message, bool sse,
                          std::function<void(std::string)> json_reply);
  Process spawn_child(std::size_t endpoint);
  std::shared_ptr<McpSession> pool_child(std::size_t endpoint, McpSession::Hooks hooks);
  std::size_t children_alive() const;
  // The old HTTP+SSE transport (2024-11-05): GET of the SSE path, POST of the message path.
  Reply legacy_stream(const Request& req, std::size_t endpoint);
  Reply legacy_post(const Request& req, std::size_t endpoint);
  // Deferred replies (Reply::later), given on the loop: no worker waits for the loop or for a child.
  // JsonSend, on the loop, hands a request to a session with a callback for its response, or returns a refusal.
  using JsonSend = std::function<Reply(std::function<void(std::string)> answer)>;
  Reply json_answer(JsonSend send);
  Reply on_loop(std::function<Reply()> fn);
  Reply guarded(const std::function<Reply()>& fn);
  // A request for session `id` (of this transport, at `endpoint`): `work` runs on the session's loop with the
  // session and an Answer that may be called there (it reaches the server's loop); a refusal (404, 401) else.
  using SessionWork = std::function<void(const std::shared_ptr<McpSession>& session, Answer answer)>;
  Reply at_session(const Request& req, const std::string& id, bool legacy, std::size_t endpoint, SessionWork work);
  // Runs `fn` on `loop` (now when this is it). `answer`, callable on any loop: the reply given on the server's
  // loop, its stream opened on `stream_loop`.
  void run_on(Loop& loop, std::function<void()> fn);
  Answer answer_from(Loop& stream_loop, Answer answer);
  // The session's loop.
  void answer_held(const std::shared_ptr<McpSession>& session, const JsonRpcMessage& message, bool priming,
                   Answer answer);
  bool admits(const McpSession* session, bool legacy, const Request& req, std::size_t endpoint, Reply& refused);
  void session_ended(const std::string& id);
  void session_done(std::size_t number);
  // After the server's loop has stopped: every session left is dropped on its own loop (its child killed, reaped).
  void drop_sessions();
  void stop_serving();
  void shutdown_server();
  void log(const std::string& line) const;

  McpServerOptions options_;
  AccessRules access_;
  std::vector<std::string> environment_;
  std::vector<McpEndpoint> endpoints_;              // each with its whole child environment in `env`
  McpMetrics metrics_;
  std::unique_ptr<ProcessSlots> slots_;
  std::atomic<std::size_t> next_number_{1};
  std::atomic<std::size_t> next_loop_{0};
  Loop loop_;
  std::vector<Loop*> loops_;  // the server's stream loops, loop_ first (from start())
  std::unique_ptr<SessionTable> table_;
  std::vector<std::unique_ptr<ProcessSlots>> pool_slots_;  // one per endpoint
  std::vector<std::unique_ptr<StatelessPool>> pools_;      // one per endpoint, loop thread
  std::unique_ptr<Server> server_;
  std::atomic<bool> stopping_{false};  // written on the server's loop, read on every loop
  bool server_stopping_ = false;       // the server's loop
};

}  // namespace ssetool
