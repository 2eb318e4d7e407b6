// `ssetool pipe`: broadcast stdin, or a command's stdout, to every client connected to the event stream.
// An FdSource reads and decodes the input on its own thread and hands events to the loop (Publisher); the loop
// numbers, encodes and fans them out (Hub) to every client's session.
#include <chrono>
#include <csignal>
#include <fmt/core.h>
#include <memory>
#include <optional>
#include <unistd.h>

#include "command.hpp"
#include "server_flags.hpp"
#include "ssetool/base/errors.hpp"
#include "ssetool/base/units.hpp"
#include "ssetool/hub/hub.hpp"
#include "ssetool/loop/publisher.hpp"
#include "ssetool/server/viewer_page.hpp"
#include "ssetool/sources/event_decoder.hpp"
#include "ssetool/sources/fd_source.hpp"
#include "ssetool/sources/process.hpp"

namespace ssetool::cli {
namespace {

struct PipeFlags {
  ServerFlags server;
  std::string format = "lines";
  std::string event;
  std::string ids = "auto";
  std::size_t history = 1000;
  std::size_t replay_last = 0;
  bool stamp = false;
  bool strict = false;
  std::string on_eof = "close";
  std::string max_line = "16MiB";
  std::vector<std::string> command;
};

// Microseconds since the Unix epoch: the send timestamp of --stamp ("@<microseconds> " before the data).
std::uint64_t epoch_micros() {
  using namespace std::chrono;
  return static_cast<std::uint64_t>(duration_cast<microseconds>(system_clock::now().time_since_epoch()).count());
}

class PipeCommand {
 public:
  explicit PipeCommand(const PipeFlags& flags) : flags_(flags) {}
  int run();

 private:
  Reply handle(const Request& req);
  void open_stream(Session& session, std::uint64_t published_before);
  void publish_batch(std::vector<Event>& batch);
  void input_error(const InputError& error) const;
  void stop(bool by_signal);

  const PipeFlags& flags_;
  ServerOptions options_;
  std::string input_name_ = "stdin";
  Loop loop_;
  std::unique_ptr<Hub> hub_;
  std::unique_ptr<Server> server_;
  std::unique_ptr<Publisher> publisher_;
  std::optional<Process> child_;
  std::unique_ptr<FdSource> source_;
  bool stopping_ = false;
};

int PipeCommand::run() {
  options_ = flags_.server.options("pipe");
  if (flags_.ids != "auto" && flags_.ids != "none")
    throw InvalidArgument("--id '" + flags_.ids + "': expected auto or none");
  if (flags_.on_eof != "close" && flags_.on_eof != "stay")
    throw InvalidArgument("--on-eof '" + flags_.on_eof + "': expected close or stay");
  std::uint64_t max_line = parse_size(flags_.max_line);
  auto decoder = EventDecoder::create(parse_input_format(flags_.format),
                                      flags_.event.empty() ? std::nullopt : std::optional(flags_.event));
  hub_ = std::make_unique<Hub>(HubOptions{flags_.history, flags_.ids == "auto" ? IdMode::automatic : IdMode::none});
  options_.application_metrics = [this] { return ApplicationMetrics{hub_->published(), hub_->history_length()}; };

  prepare_server_process();
  int input_fd = STDIN_FILENO;
  if (!flags_.command.empty()) {
    try {
      child_ = Process::spawn({.argv = flags_.command});
    } catch (const SystemError& e) {
      throw InvalidArgument(e.what());
    }
    input_fd = child_->stdout_fd();
    input_name_ = flags_.command[0];
  }
  server_ = std::make_unique<Server>(loop_, options_, [this](const Request& r) { return handle(r); });
  server_->start();
  announce(server_->url(), options_);

  publisher_ = std::make_unique<Publisher>(
      loop_, [this](std::vector<Event>& batch) { publish_batch(batch); },
      [this] {
        if (flags_.on_eof == "close" || source_->failed()) stop(false);
      });
  source_ = std::make_unique<FdSource>(
      input_fd, std::move(decoder), FdSourceOptions{.max_line = max_line, .strict = flags_.strict},
      FdSource::Handlers{.events = [this](std::vector<Event>& events) { return publisher_->publish_all(events); },
                         .error = [this](const InputError& error) { input_error(error); },
                         .end = [this] { publisher_->close(); }});
  loop_.watch_signals({SIGINT, SIGTERM}, [this](int) { stop(true); });
  loop_.run();

  source_->cancel();
  publisher_->cancel();
  source_->join();
  server_.reset();
  if (source_->failed()) return kExitFailure;
  if (child_) return child_->reap().code();
  return kExitOk;
}

Reply PipeCommand::handle(const Request& req) {
  if (req.path == options_.path) {
    std::uint64_t published = hub_->published();  // the cut-off: nothing published from now on is missed
    return Reply::stream([this, published](Session& s) { open_stream(s, published); });
  }
  if (req.path == "/" && req.method == "GET")
    return viewer_reply(options_.path, flags_.event.empty() ? std::vector<std::string>{} : std::vector{flags_.event});
  return Reply::text(404, "not found: the event stream is at " + options_.path + "\n");
}

void PipeCommand::open_stream(Session& session, std::uint64_t published_before) {
  hub_->subscribe(&session, session.request().last_event_id(), flags_.replay_last, published_before);
  session.on_close([this, s = &session](SessionEnd) { hub_->unsubscribe(s); });
}

void PipeCommand::publish_batch(std::vector<Event>& batch) {
  for (Event& e : batch) {
    if (flags_.stamp) e.data = fmt::format("@{} {}", epoch_micros(), e.data);
    hub_->publish(std::move(e));  // validated by the source thread: cannot throw here
  }
}

void PipeCommand::stop(bool by_signal) {
  if (stopping_) return;
  stopping_ = true;
  if (by_signal && child_) child_->signal(SIGTERM);
  server_->shutdown([this] { loop_.stop(); });
}

void PipeCommand::input_error(const InputError& error) const {
  fmt::print(stderr, "ssetool: pipe: {}:{}: {}{}\n", input_name_, error.line, error.message,
             error.fatal ? "" : " (skipped)");
}

}  // namespace

Runner add_pipe_command(CLI::App& app) {
  auto flags = std::make_shared<PipeFlags>();
  CLI::App* sub = app.add_subcommand("pipe", "Broadcast stdin or a command's output to every connected client");
  sub->footer(
      "Examples:\n"
      "  vmstat 1 | ssetool pipe                 # then open http://127.0.0.1:8080/\n"
      "  ssetool pipe -- tail -f /var/log/syslog\n"
      "  ssetool pipe -f ndjson --listen :9000 < events.ndjson\n"
      "See ssetool-pipe(1); server options: ssetool(1).");
  flags->server.add_to(*sub);
  sub->add_option("-f,--format", flags->format, "Input format: lines, ndjson or sse")->capture_default_str();
  sub->add_option("-e,--event", flags->event, "Event type for every event (lines and ndjson input)");
  sub->add_option("--id", flags->ids, "Event ids: auto (1, 2, 3...) or none; an input event's own id wins")
      ->capture_default_str();
  sub->add_option("--history", flags->history, "Events kept for Last-Event-ID resume")->capture_default_str();
  sub->add_option("--replay-last", flags->replay_last, "A new client first gets the last N events")
      ->capture_default_str();
  sub->add_flag("--stamp", flags->stamp, "Prefix each event's data with '@<send time in epoch microseconds> '");
  sub->add_flag("--strict", flags->strict, "An invalid ndjson/sse input line is fatal (exit 1) instead of skipped");
  sub->add_option("--on-eof", flags->on_eof, "At end of input: close (deliver, end streams, exit) or stay")
      ->capture_default_str();
  sub->add_option("--max-line", flags->max_line, "Longest input line accepted; a longer one is fatal (exit 1)")
      ->capture_default_str();
  sub->add_option("command", flags->command, "Command whose stdout is read instead of stdin (after --)");
  return [flags] { return PipeCommand(*flags).run(); };
}

}  // namespace ssetool::cli
