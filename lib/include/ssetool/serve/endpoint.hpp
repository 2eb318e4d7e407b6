// One `serve` connection on its stream loop: a client's Session joined to the child process started for it.
// The child's stdout becomes the client's events (through an EventDecoder, per --format); its stderr becomes
// log lines or `stderr` events; its stdin takes what the session's stdin endpoint receives.
//
// Lifecycle:
//  - client gone (or dropped, or cut at shutdown): stop reading, close the child's stdin, SIGTERM its process
//    group, SIGKILL after kill_grace; reap it once it has exited.
//  - child exited: keep reading until its stdout and stderr end (for at most kill_grace more, after which what
//    it left behind in its group is killed), send the exit event if asked, end the stream cleanly, reap.
//  - stop() (server shutdown): as if the child had been asked to finish — stdin closed, SIGTERM, SIGKILL after
//    kill_grace — while its output, exit event and clean end are still delivered.
// A client that reads slowly slows its own child: above `pause_above` bytes queued for the client, stdout is
// not read (the child blocks on its full pipe) until the session reports its queue drained to half of that.
// Lives on its session's loop (Session::loop(), passed as `loop`): every call, callback and hook runs there; the
// owner keeps it alive until `done` is called and drops it on that loop.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ssetool/loop/fd_reader.hpp"
#include "ssetool/loop/fd_writer.hpp"
#include "ssetool/loop/loop.hpp"
#include "ssetool/loop/session.hpp"
#include "ssetool/sources/event_decoder.hpp"
#include "ssetool/sources/process.hpp"

namespace ssetool {

struct EndpointOptions {
  InputFormat format = InputFormat::lines;
  std::optional<std::string> event_type;    // for events that carry none (lines and ndjson)
  bool stderr_events = false;               // stderr lines as `stderr` events rather than log lines
  std::optional<std::string> exit_event;    // an event of this type with the exit status, before the end
  std::chrono::microseconds kill_grace{2'000'000};
  std::size_t max_line = 16 << 20;          // a longer output line stops the child
  std::size_t stdin_limit = 1 << 20;        // bytes waiting for the child's stdin
  std::size_t pause_above = 2 << 20;        // bytes queued for the client above which stdout is not read
  std::function<void(const std::string&)> log;    // always shown: stderr lines, errors
  std::function<void(const std::string&)> trace;  // shown with --verbose: start, exit (may be empty)
};

class ProcessEndpoint : public std::enable_shared_from_this<ProcessEndpoint> {
 public:
  struct Hooks {
    std::function<void(std::size_t bytes)> stdin_released;  // bytes left the stdin buffer (written or dropped)
    std::function<void()> stdin_closed;                      // the child's stdin takes nothing more
    std::function<void()> done;                              // reaped and over: the owner may drop this endpoint
  };

  ProcessEndpoint(Loop& loop, Session& session, Process process, std::string id, EndpointOptions options,
                  Hooks hooks);
  ~ProcessEndpoint();
  ProcessEndpoint(const ProcessEndpoint&) = delete;
  ProcessEndpoint& operator=(const ProcessEndpoint&) = delete;

  // Starts reading and watching. Call once, right after construction (through a shared_ptr).
  void start();
  // Queues bytes for the child's stdin; false when they do not fit or stdin is closed.
  bool write_stdin(std::string data);
  // Server shutdown: ask the child to finish (see above).
  void stop();

  const std::string& id() const { return id_; }
  pid_t pid() const { return process_.pid(); }

 private:
  void on_stdout_line(std::string_view line);
  void on_stdout_end(const std::optional<std::string>& error);
  void on_stderr_line(std::string_view line);
  void on_child_exit();
  void on_drain_timeout();
  void on_session_closed(SessionEnd why);
  void send_all(std::vector<Event>& events);
  void apply_backpressure();
  void release_backpressure();
  void terminate_child();
  void maybe_finish();
  void finish();
  void teardown();
  void log(const std::string& line) const;
  void trace(const std::string& line) const;

  Loop& loop_;
  std::weak_ptr<Session> session_;
  Process process_;
  std::string id_;
  EndpointOptions options_;
  Hooks hooks_;
  std::unique_ptr<EventDecoder> decoder_;
  std::unique_ptr<EventDecoder> stderr_decoder_;
  std::unique_ptr<FdReader> stdout_;
  std::unique_ptr<FdReader> stderr_;
  std::unique_ptr<FdWriter> stdin_;
  std::size_t stdout_lines_ = 0;
  bool watching_exit_ = false;
  bool child_exited_ = false;
  bool stdout_ended_ = false;
  bool stderr_ended_ = false;
  bool client_gone_ = false;
  bool finished_ = false;
  bool torn_down_ = false;
  ExitStatus exit_status_{0};
  Loop::TimerId kill_timer_ = 0;
  Loop::TimerId drain_timer_ = 0;
};

}  // namespace ssetool
