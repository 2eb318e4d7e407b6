// The sessions of `serve --stdin-endpoint` that accept input, by session id, shared by the worker threads that
// answer POSTs and the stream loop that owns the sessions. For each it counts the bytes accepted for that
// session's child but not yet written to its stdin, so that a worker can refuse a POST at once when the
// session's stdin buffer is full (the child is not reading) instead of queueing without bound. Thread-safe.
#pragma once

#include <cstddef>
#include <mutex>
#include <string>
#include <unordered_map>

namespace ssetool {

class StdinRegistry {
 public:
  // `stdin_limit`: bytes that may wait for one session's child at once.
  explicit StdinRegistry(std::size_t stdin_limit) : limit_(stdin_limit) {}

  void add(const std::string& id);
  // After this, reserve() answers `unknown` for the id.
  void remove(const std::string& id);

  enum class Admission { accepted, unknown, full };
  // Counts `bytes` as waiting for the session's child, if the session is known and they fit.
  Admission reserve(const std::string& id, std::size_t bytes);
  // `bytes` of that session left the buffer (written to the child, or dropped). Unknown ids are ignored.
  void release(const std::string& id, std::size_t bytes);

  std::size_t size() const;
  std::size_t limit() const { return limit_; }

 private:
  const std::size_t limit_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, std::size_t> pending_;
};

// A new session id: 128 random bits as 32 lowercase hex digits — unguessable, since it also names the
// session's stdin endpoint. Throws SystemError when the system has no randomness to give.
std::string make_session_id();

}  // namespace ssetool
