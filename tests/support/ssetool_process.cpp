// testsupport::start_ssetool (see ssetool_process.hpp). The port file has no event to wait on, so the wait polls
// it every few milliseconds (bounded), and gives up early when the server exits.
#include "ssetool_process.hpp"

#include <algorithm>

#include <charconv>
#include <csignal>
#include <stdexcept>
#include <thread>

namespace testsupport {
namespace {

std::optional<int> parse_port(const std::string& text) {
  std::size_t end = text.find_first_of("\r\n");
  std::string digits = text.substr(0, end);
  int port = 0;
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
  if (ec != std::errc() || ptr != digits.data() + digits.size() || port <= 0 || port > 65535) return std::nullopt;
  return port;
}

// Waits for a complete port number in the file (a writer may not be done when the file first appears).
int wait_for_port(SsetoolProcess& started, const std::string& port_file, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string previous;
  for (;;) {
    std::string text = started.dir->read(port_file);
    // Complete: it ends with a newline, or it did not change since the last look.
    if (!text.empty() && (text.back() == '\n' || text == previous)) {
      if (auto port = parse_port(text)) return *port;
    }
    previous = text;
    if (auto status = started.process->exit_status()) {
      started.process->wait(std::chrono::seconds(2));
      throw std::runtime_error("ssetool exited with status " + std::to_string(*status) +
                               " before writing its port; stderr:\n" + started.process->stderr_text());
    }
    if (std::chrono::steady_clock::now() > deadline) {
      throw std::runtime_error("ssetool did not write its port file in time; stderr:\n" +
                               started.process->stderr_text());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

}  // namespace

std::string ssetool_binary() { return SSETOOL_BINARY; }

SsetoolProcess start_ssetool(const std::vector<std::string>& args, const SsetoolOptions& options) {
  SsetoolProcess started;
  started.dir = std::make_unique<TempDir>();
  std::vector<std::string> argv = {ssetool_binary()};
  argv.insert(argv.end(), args.begin(), args.end());
  if (options.listen) {  // before a `--` that starts a command's own arguments
    auto end = std::find(argv.begin(), argv.end(), std::string("--"));
    argv.insert(end, {"--listen", "127.0.0.1:0", "--port-file", started.dir->file("port")});
  }
  started.process = std::make_unique<Process>(argv, Process::Options{options.env, {}});
  if (options.stdin_text) started.process->write_stdin(*options.stdin_text);
  if (options.close_stdin) started.process->close_stdin();
  if (options.listen) started.port = wait_for_port(started, "port", options.startup_timeout);
  return started;
}

TerminatedSsetool::~TerminatedSsetool() {
  if (!process) return;
  process->signal(SIGTERM);
  process->wait(std::chrono::seconds(15));
}

SsetoolProcess start_pipe(std::vector<std::string> extra) {
  std::vector<std::string> args{"pipe"};
  args.insert(args.end(), extra.begin(), extra.end());
  return start_ssetool(args);
}

}  // namespace testsupport
