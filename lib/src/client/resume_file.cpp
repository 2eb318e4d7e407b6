// The last event id kept in a file, replaced atomically (see client/resume_file.hpp).
#include "ssetool/client/resume_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "ssetool/base/errors.hpp"

namespace ssetool {
namespace {

constexpr std::size_t kMaxIdBytes = 64 * 1024;  // a longer file is not an id file

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw SystemError(path + ": cannot " + what + ": " + std::strerror(errno));
}

void write_all(int fd, const std::string& text, const std::string& path) {
  std::size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail(path, "write");
    done += static_cast<std::size_t>(n);
  }
}

}  // namespace

ResumeFile::ResumeFile(std::string path, std::chrono::milliseconds interval)
    : path_(std::move(path)), interval_(interval) {
  std::ifstream in(path_, std::ios::binary);
  if (!in) {
    if (errno == ENOENT) return;  // the first run
    fail(path_, "read");
  }
  std::ostringstream text;
  text << in.rdbuf();
  last_id_ = text.str();
  if (last_id_.size() > kMaxIdBytes) throw InvalidArgument(path_ + ": not an id file (over 64 KiB)");
  if (!last_id_.empty() && last_id_.back() == '\n') last_id_.pop_back();
  if (last_id_.find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos)
    throw InvalidArgument(path_ + ": not an id file (an id has no CR, LF or NUL)");
  written_id_ = last_id_;
}

void ResumeFile::store(const std::string& id) {
  last_id_ = id;
  if (id == written_id_) return;
  if (std::chrono::steady_clock::now() - last_write_ >= interval_) write(id);
}

void ResumeFile::flush() {
  if (last_id_ != written_id_) write(last_id_);
}

void ResumeFile::write(const std::string& id) {
  std::string tmp = path_ + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) fail(tmp, "create");
  try {
    write_all(fd, id + "\n", tmp);
  } catch (...) {
    ::close(fd);
    throw;
  }
  if (::close(fd) != 0) fail(tmp, "write");
  if (std::rename(tmp.c_str(), path_.c_str()) != 0) fail(path_, "replace");
  written_id_ = id;
  last_write_ = std::chrono::steady_clock::now();
}

}  // namespace ssetool
