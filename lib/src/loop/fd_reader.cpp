// Reading a child's output on the loop (see loop/fd_reader.hpp).
#include "ssetool/loop/fd_reader.hpp"

#include <cerrno>
#include <cstring>
#include <sys/epoll.h>
#include <unistd.h>

#include "ssetool/base/errors.hpp"

namespace ssetool {
namespace {

constexpr std::size_t kReadSize = 64 * 1024;

}  // namespace

FdReader::FdReader(Loop& loop, int fd, std::size_t max_line, LineHandler on_line, EndHandler on_end)
    : loop_(loop), fd_(fd), splitter_(max_line), on_line_(std::move(on_line)), on_end_(std::move(on_end)) {
  watch();
}

FdReader::~FdReader() { close(); }

void FdReader::watch() {
  if (watching_ || fd_ < 0) return;
  loop_.watch(fd_, EPOLLIN, [this](std::uint32_t) { on_readable(); });
  watching_ = true;
}

// Unwatching (not just masking EPOLLIN) matters: epoll reports a hung-up pipe even with no events asked for.
void FdReader::pause() {
  paused_ = true;
  if (watching_) loop_.unwatch(fd_);
  watching_ = false;
}

void FdReader::resume() {
  paused_ = false;
  watch();
}

void FdReader::close() {
  if (fd_ < 0) return;
  if (watching_) loop_.unwatch(fd_);
  watching_ = false;
  ::close(fd_);
  fd_ = -1;
}

void FdReader::on_readable() {
  if (fd_ >= 0 && !paused_) read_once();
}

void FdReader::drain_and_end() {
  ReadResult r = ReadResult::more;
  while (fd_ >= 0 && r == ReadResult::more) r = read_once();
  if (r == ReadResult::empty) {
    splitter_.finish([this](std::string_view line) { deliver(line); });
    end(std::nullopt);
  }
}

void FdReader::deliver(std::string_view line) {
  if (fd_ >= 0) on_line_(line);
}

FdReader::ReadResult FdReader::read_once() {
  char buf[kReadSize];
  ssize_t n = ::read(fd_, buf, sizeof buf);
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return ReadResult::empty;
  if (n <= 0) {
    // 0: every writer closed. EIO: a pty master whose slave side is closed everywhere — the same thing.
    std::optional<std::string> error;
    if (n < 0 && errno != EIO) error = std::string("read: ") + std::strerror(errno);
    splitter_.finish([this](std::string_view line) { deliver(line); });
    end(error);
    return ReadResult::ended;
  }
  try {
    splitter_.feed(std::string_view(buf, static_cast<std::size_t>(n)),
                   [this](std::string_view line) { deliver(line); });
  } catch (const LimitExceeded& e) {
    end(std::string(e.what()));
    return ReadResult::ended;
  }
  return fd_ >= 0 ? ReadResult::more : ReadResult::ended;
}

// Closes, then tells the owner — last, since the owner may destroy this reader in its handler.
void FdReader::end(const std::optional<std::string>& error) {
  if (fd_ < 0) return;
  close();
  auto handler = std::move(on_end_);
  on_end_ = nullptr;
  if (handler) handler(error);
}

}  // namespace ssetool
