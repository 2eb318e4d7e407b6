// The registry of `serve` sessions that accept input (see serve/stdin_registry.hpp).
#include "ssetool/serve/stdin_registry.hpp"

#include <cerrno>
#include <cstring>
#include <sys/random.h>

#include "ssetool/base/errors.hpp"

namespace ssetool {

void StdinRegistry::add(const std::string& id) {
  std::lock_guard lock(mutex_);
  pending_.emplace(id, 0);
}

void StdinRegistry::remove(const std::string& id) {
  std::lock_guard lock(mutex_);
  pending_.erase(id);
}

StdinRegistry::Admission StdinRegistry::reserve(const std::string& id, std::size_t bytes) {
  std::lock_guard lock(mutex_);
  auto it = pending_.find(id);
  if (it == pending_.end()) return Admission::unknown;
  if (bytes > limit_ - it->second) return Admission::full;
  it->second += bytes;
  return Admission::accepted;
}

void StdinRegistry::release(const std::string& id, std::size_t bytes) {
  std::lock_guard lock(mutex_);
  auto it = pending_.find(id);
  if (it != pending_.end()) it->second -= std::min(bytes, it->second);
}

std::size_t StdinRegistry::size() const {
  std::lock_guard lock(mutex_);
  return pending_.size();
}

std::string make_session_id() {
  unsigned char bytes[16];
  std::size_t got = 0;
  while (got < sizeof bytes) {
    ssize_t n = getrandom(bytes + got, sizeof bytes - got, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw SystemError(std::string("getrandom: ") + std::strerror(errno));
    got += static_cast<std::size_t>(n);
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id;
  for (unsigned char b : bytes) {
    id += kHex[b >> 4];
    id += kHex[b & 15];
  }
  return id;
}

}  // namespace ssetool
