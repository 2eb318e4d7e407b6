// App: an embedded SSE server with Ktor's SSE API. Register routes, then run():
//
//   ssetool::App app({.listen = "127.0.0.1:8080"});
//   app.sse("/events", [](ssetool::SseSession& s) -> ssetool::Task { co_await s.send("hello"); });
//   auto& feed = app.broadcast("/feed", {.history = 1000});
//   return app.run();  // until SIGINT/SIGTERM (or stop()), then a graceful shutdown
//
// Threads: one stream loop runs every handler's coroutine, every stream's writes and timers; a few workers read
// requests (auth, CORS, routing). Handlers must not block: co_await s.sleep() instead of sleeping, and hand
// blocking work to threads of your own (Feed::publish, SseSession::poster). Built in, as for the CLI's servers:
// /healthz, /metrics, bearer token, CORS, a client limit (503), slow clients dropped, keep-alive comments.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "ssetool/app/feed.hpp"
#include "ssetool/app/sse_session.hpp"
#include "ssetool/app/task.hpp"

namespace ssetool {

struct AppOptions {
  std::string listen = "127.0.0.1:8080";  // HOST:PORT, [::1]:PORT, :PORT, unix:PATH; port 0: any free port
  std::string port_file;                  // the chosen port is written here once accepting
  std::string token;                      // when set: required as `Authorization: Bearer` or ?access_token=
  std::vector<std::string> cors_origins;  // origins allowed to read the streams ("*": any)
  std::size_t max_clients = 0;            // streams at once (503 beyond); 0: from the descriptor limit
  std::size_t client_buffer = 4 << 20;    // bytes queued for one client before it is dropped as slow
  std::size_t watermark = 64 << 10;       // send() suspends while more than this is queued for the client
  std::chrono::milliseconds keep_alive{15'000};  // a comment line when a stream was idle this long; 0: none
  std::chrono::milliseconds grace{2'000};        // shutdown: time for streams to flush before they are cut
  std::size_t workers = 4;                       // threads reading requests
  // SIGINT and SIGTERM stop run(). The constructor blocks them in the calling thread, so construct the App before
  // starting threads (they inherit the mask); false: the application stops the App itself (stop()).
  bool handle_signals = true;
  bool log_clients = true;  // one log line per client connected and gone (when `log` is set)
  // Where log lines go (one line each, no newline), from the loop and worker threads. Empty: nowhere.
  std::function<void(const std::string&)> log;
};

using SseHandler = std::function<Task(SseSession&)>;

class App {
 public:
  // Throws InvalidArgument for a malformed option (listen address, token, origin).
  explicit App(AppOptions options = {});
  ~App();
  App(const App&) = delete;
  App& operator=(const App&) = delete;

  // Routes, registered before start()/run() (else Error). GET path opens a stream running `handler`, one
  // coroutine per client. The handler (and what it captures) is kept by the App for its lifetime. Throws
  // InvalidArgument for a path that does not start with '/' or is already taken.
  void sse(const std::string& path, SseHandler handler);
  void sse(const std::string& path, SseOptions options, SseHandler handler);
  // A broadcast route: every client of path receives what the Feed publishes. The Feed lives as long as the App.
  Feed& broadcast(const std::string& path, FeedOptions options = {});

  // Binds and starts accepting (run() does it when not done yet). Throws SystemError (busy port...).
  void start();
  // The bound port (after start()), and "http://HOST:PORT/".
  int port() const;
  std::string url() const;

  // Serves until stop() or SIGINT/SIGTERM, then shuts down gracefully: no new clients, every stream flushes what
  // is queued and ends (within `grace`), Feeds refuse further events. Returns 0. An App runs once.
  int run();
  // Thread-safe: makes run() shut down and return.
  void stop();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ssetool
