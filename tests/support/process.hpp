// testsupport::Process — runs a program for an integration test: no shell, its stdin a pipe the test writes to,
// its stdout and stderr collected by a background thread (so the child never blocks on a full pipe), every wait
// bounded by a timeout and woken by a condition variable rather than by polling.
//
//   testsupport::Process cat({"cat"});
//   cat.write_stdin("hello\n");
//   REQUIRE(cat.wait_for_stdout("hello", 5s));
//   cat.close_stdin();
//   REQUIRE(cat.wait(5s) == 0);
//
// The destructor SIGKILLs and reaps a child that is still running.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace testsupport {

using namespace std::chrono_literals;

// How long a wait may take when a test does not say: long enough for a loaded CI machine under sanitizers.
inline constexpr std::chrono::milliseconds kDefaultTimeout = 10s;

struct ProcessOptions {
  std::vector<std::pair<std::string, std::string>> env = {};  // added to (or replacing in) the test's environment
  std::string working_directory = {};                         // empty: the test's own
};

class Process {
 public:
  using Options = ProcessOptions;

  // Starts argv[0] (looked up in PATH when it has no slash) with these arguments. Throws std::runtime_error
  // when it cannot be started.
  explicit Process(std::vector<std::string> argv, Options options = {});
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }

  // Writes all of `text` to the child's stdin; false when the child closed it or did not read it in time.
  bool write_stdin(std::string_view text, std::chrono::milliseconds timeout = kDefaultTimeout);
  void close_stdin();

  // Closes the test's end of the child's stdout, as `| head` does once it has read enough: the child's next
  // write to stdout then fails with EPIPE (or kills it with SIGPIPE). What was read before stays in stdout_text().
  void close_stdout();

  // Wait until the output collected so far contains `text` (or satisfies `predicate`); false when the timeout
  // passes first or the stream ends without it.
  bool wait_for_stdout(std::string_view text, std::chrono::milliseconds timeout = kDefaultTimeout);
  bool wait_for_stdout(const std::function<bool(const std::string&)>& predicate,
                       std::chrono::milliseconds timeout = kDefaultTimeout);
  bool wait_for_stderr(std::string_view text, std::chrono::milliseconds timeout = kDefaultTimeout);
  bool wait_for_stderr(const std::function<bool(const std::string&)>& predicate,
                       std::chrono::milliseconds timeout = kDefaultTimeout);

  // Everything collected so far.
  std::string stdout_text() const;
  std::string stderr_text() const;

  // Sends a signal to the child (nothing when it has been reaped already).
  void signal(int signal_number);

  // Waits for the child to exit: its exit status, or 128 + the signal that killed it; nullopt on timeout. Once it
  // has exited, also waits (within the timeout) until its stdout and stderr are read to the end, so that
  // stdout_text() is complete — unless a grandchild keeps them open.
  std::optional<int> wait(std::chrono::milliseconds timeout = kDefaultTimeout);

  // The exit status if the child has exited, without waiting.
  std::optional<int> exit_status() const;

 private:
  struct Stream {
    int fd = -1;
    std::string text;
    bool at_end = false;
  };

  void spawn(const std::vector<std::string>& argv, const Options& options);
  void read_output();    // the reader thread
  void reap();           // the reaper thread
  bool read_into(Stream& stream);
  bool wait_for(const Stream& stream, const std::function<bool(const std::string&)>& predicate,
                std::chrono::milliseconds timeout);

  pid_t pid_ = -1;
  int stdin_fd_ = -1;
  int wake_read_fd_ = -1;   // the reader thread polls this too: a byte here means "look at the flags"
  int wake_write_fd_ = -1;

  mutable std::mutex mutex_;
  std::condition_variable changed_;
  Stream out_;
  Stream err_;
  bool close_stdout_requested_ = false;
  bool quit_reader_ = false;
  std::optional<int> exit_status_;

  std::thread reader_;
  std::thread reaper_;
};

}  // namespace testsupport
