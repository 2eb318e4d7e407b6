// The engine of `ssetool pipe`: one input — a descriptor such as stdin, or the stdout of a command it starts — read
// and decoded on a thread of its own (FdSource), handed to the stream loop (Publisher), numbered, encoded once and
// fanned out (Hub) to every client of one event stream, with the viewer page at GET /. It runs until a stop signal,
// stop(), or the end of the input (unless told to stay), then shuts down gracefully.
//
// Nothing read is lost on a stop: reading stops at once (even with input waiting), every event decoded from what
// was read is published, and only then do the streams end, each flushing its queue within the grace period
// (ServerOptions::grace). What is cut at the end of the grace period is counted and logged in one line; so is
// anything the input thread had not handed over when it failed to finish within the grace period.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ssetool/backplane/backplane.hpp"
#include "ssetool/hub/hub.hpp"
#include "ssetool/loop/hub_fanout.hpp"
#include "ssetool/loop/loop.hpp"
#include "ssetool/loop/publisher.hpp"
#include "ssetool/server/server.hpp"
#include "ssetool/sources/event_decoder.hpp"
#include "ssetool/sources/exit_status.hpp"
#include "ssetool/sources/fd_source.hpp"
#include "ssetool/sources/process.hpp"

namespace ssetool {

// What pipe does when its input ends (--on-eof).
enum class AtEndOfInput {
  close,      // deliver everything read to the clients connected, end their streams, stop
  stay,       // keep serving: clients that connect from then on get the events kept (the history) from the start
  automatic,  // stay when the input is a regular file or no client has connected yet (and say so); else close
};

// HTTP publish (--publish): `POST <path>` adds the events of its body (broadcast/publish_body.hpp), answered
// 202 with {"ids": [...]} once they are published. Authorized by `token` as a Bearer token, compared in constant
// time, instead of the readers' ServerOptions::token; a body over `max_body` gets 413 before it is read.
struct PublishOptions {
  bool enabled = false;
  std::string token;
  std::size_t max_body = 1 << 20;
};

struct BroadcastOptions {
  ServerOptions server;
  HubOptions hub;
  std::size_t replay_last = 0;              // a new client first gets the last N events (unless it asks:
                                            // replay_request.hpp)
  bool stamp = false;                       // data prefixed with "@<epoch microseconds> " when published
  AtEndOfInput at_end = AtEndOfInput::close;
  InputFormat format = InputFormat::lines;
  std::optional<std::string> event_type;    // for events that carry none (lines and ndjson)
  FdSourceOptions input;
  int input_fd = 0;                         // read when `command` is empty; stays the caller's
  std::vector<std::string> command;         // started (argv[0] looked up in PATH); its stdout is the input
  std::function<void(const InputError&)> on_input_error;  // source thread: a skipped or fatal input line
  PublishOptions publish;
  std::optional<BackplaneOptions> backplane;  // share the stream with other nodes through Redis
  bool read_input = true;                     // false (--input none): serve only (the backplane, HTTP publish)
  std::vector<int> stop_signals;            // stop on these (blocked in every thread: block_signals); the
                                            // command gets SIGTERM
};

class BroadcastServer {
 public:
  // How the run ended, for the exit code.
  struct Outcome {
    bool input_failed = false;            // a fatal input error ended it
    std::optional<ExitStatus> command;    // the command's status, when one was started
    bool stopped_by_signal = false;       // one of stop_signals arrived (the command got SIGTERM if running)
  };

  // Starts the command, if any, and builds the server. Throws InvalidArgument (a command that cannot run, a bad
  // option) or what Server's constructor throws. Call block_signals first when stop_signals are given.
  explicit BroadcastServer(BroadcastOptions options);
  ~BroadcastServer();

  // Binds and starts accepting; writes the port file. Throws SystemError (busy port...) or InvalidArgument.
  void start();
  std::string url() const { return server_->url(); }
  int port() const { return server_->port(); }

  // Starts reading the input, runs the loop until the server has stopped, then joins every thread and waits for
  // the command. Once.
  Outcome run();
  // Thread-safe: a graceful stop, as a stop signal does.
  void stop();

 private:
  Reply handle(const Request& req);
  void use_backplane(BackplaneOptions options);
  void start_input();
  bool append_input(std::vector<Event>& events);
  void local_input_ended();
  std::optional<Backplane::Backlog> backplane_backlog(const Request& req);
  void resume_from_backplane(Session& session, Backplane::Backlog backlog);
  void resume_on_hub_loop(Loop& loop, const std::weak_ptr<Session>& session, std::string cursor,
                          const Backplane::Backlog& backlog);
  static Event gap_event(const Backplane::Gap& gap);
  void admit_waiting();
  void forget_waiting(const std::weak_ptr<Session>& session);
  std::vector<std::string> append_published(std::vector<Event>& events);
  Reply publish_reply(const Request& req);
  std::vector<std::string> publish_on_loop(std::vector<Event> events);
  std::optional<bool> publish_auth(const Request& req) const;
  std::string metrics_text() const;
  void open_stream(Session& session, std::uint64_t published_before, std::optional<std::size_t> asked);
  void publish_batch(std::vector<Event>& batch, std::vector<std::string>* ids = nullptr);
  void input_closed();
  bool stays_at_end() const;
  void shut_down(bool by_signal);
  void end_streams();
  void log_losses() const;
  void report_id_replaced(const IdReplaced& replaced);

  BroadcastOptions options_;
  Loop loop_;
  Hub hub_;
  HubFanout fanout_{hub_, loop_};  // the hub to streams on every loop (--threads); outlives the server's loops
  std::optional<Process> command_;
  std::unique_ptr<Server> server_;
  std::unique_ptr<Publisher> publisher_;
  std::unique_ptr<FdSource> source_;
  std::unique_ptr<Backplane> backplane_;
  std::string read_after_;  // the entry the backplane's reader starts after
  // A resuming client ahead of this node (hub's loop): its stream, on `loop`, joins once the hub reaches `cursor`.
  struct Waiting {
    std::weak_ptr<Session> session;  // locked on its own loop only
    Loop* loop;
    std::string cursor;
  };
  std::vector<Waiting> waiting_;  // hub's loop
  bool stopping_ = false;        // stopping: reading stopped, waiting for the input's last events
  std::atomic<bool> input_closed_ = false;    // the input ended and its last event was published
  std::atomic<bool> streams_ending_ = false;  // the server is shutting down
  bool stopped_by_signal_ = false;
  bool input_is_file_ = false;   // the input is a regular file (not a pipe, terminal or command)
  std::atomic<std::size_t> clients_seen_ = 0;  // streams opened so far (on any loop)
  std::atomic<bool> input_cancelled_{false};  // reading was stopped (not an end of the input)
  std::atomic<bool> input_fatal_{false};      // a fatal input error (or the backplane refused an append)
  Loop::TimerId input_deadline_ = 0;
  // Events queued for clients whose streams were cut at the end of the grace period (on any loop).
  std::atomic<std::size_t> events_cut_ = 0;
  std::atomic<std::size_t> clients_cut_ = 0;
  bool id_replaced_reported_ = false;  // the first replaced input id is logged, the others counted in silence
  std::atomic<std::uint64_t> publish_requests_{0};  // accepted (202)
  std::atomic<std::uint64_t> publish_refused_{0};   // refused by the application (400, 415, 503)
};

}  // namespace ssetool
