// The children that serve MCP's stateless revision (2026-07-28) for one endpoint of `serve --mcp`: long-lived
// stdio servers that ssetool starts and initialises itself (an initialize request naming 2025-11-25, no client
// capabilities, then notifications/initialized), each shared by every client's requests (stateless_call.hpp
// remaps their ids). Loop thread only, except that a Reservation may be dropped on any thread.
//
// Policy: a request takes a place on the child with the fewest requests in flight; a new child is started while
// there are fewer than `children` and every one has requests in flight; a child takes at most `per_child` at once;
// when every child is full the request is refused (the server answers 503 + Retry-After). Requests reach a child
// once it has answered its initialize; a child that exits or fails to initialise fails what waits for it and
// leaves the pool (the next request starts another).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ssetool/mcp/mcp_session.hpp"

namespace ssetool {

struct StatelessPoolOptions {
  std::size_t children = 4;    // --stateless-pool
  std::size_t per_child = 16;  // requests in flight on one child
};

class StatelessPool {
 public:
  // Starts one child as a session whose hooks are given (not started yet); throws SystemError when it cannot.
  using Spawn = std::function<std::shared_ptr<McpSession>(McpSession::Hooks hooks)>;

  class Member;
  // One request's place on a child, given back when the last copy goes (from any thread).
  struct Reservation {
    explicit Reservation(std::shared_ptr<std::atomic<std::size_t>> load) : load_(std::move(load)) { ++*load_; }
    ~Reservation() { --*load_; }
    Reservation(const Reservation&) = delete;
    Reservation& operator=(const Reservation&) = delete;

   private:
    std::shared_ptr<std::atomic<std::size_t>> load_;
  };
  struct Place {
    std::shared_ptr<Member> member;
    std::shared_ptr<Reservation> reservation;
  };

  // `child_done` runs when a child has been reaped.
  StatelessPool(StatelessPoolOptions options, Spawn spawn, std::function<void()> child_done);
  ~StatelessPool();
  StatelessPool(const StatelessPool&) = delete;
  StatelessPool& operator=(const StatelessPool&) = delete;

  // A place for one request (see the policy above), or nothing with `why` (every child full; a child that could
  // not be started).
  std::optional<Place> reserve(std::string& why);
  void end_all(const std::string& why);
  std::size_t alive() const { return sessions_.size(); }  // children not reaped yet
  std::size_t members() const { return members_.size(); }  // children taking requests

 private:
  void ended(const Member* member);

  StatelessPoolOptions options_;
  Spawn spawn_;
  std::function<void()> child_done_;
  std::vector<std::shared_ptr<Member>> members_;
  std::map<std::size_t, std::shared_ptr<McpSession>> sessions_;  // by number, until their child is reaped
  bool ending_ = false;
  std::shared_ptr<bool> gone_ = std::make_shared<bool>(false);  // the hooks of children outliving the pool
};

class StatelessPool::Member : public std::enable_shared_from_this<Member> {
 public:
  // Runs `fn` once the child has answered its initialize (`session` set), or has failed to (`error` set).
  using Ready = std::function<void(McpSession* session, const std::string* error)>;
  void when_ready(Ready fn);
  // The child's initialize result (a JSON object as text); empty until ready.
  const std::string& initialize_result() const { return initialize_result_; }
  // An id for a request to this child, never given before.
  std::uint64_t next_id() { return next_id_++; }
  std::size_t load() const { return *load_; }

 private:
  friend class StatelessPool;
  void initialize(McpSession& session);
  void on_initialized(const std::string& line);
  void fail(const std::string& why);

  // The pool owns the session (until its child is reaped): a Member may be dropped on a worker thread, which
  // must never destroy a session.
  std::weak_ptr<McpSession> session_;
  std::shared_ptr<std::atomic<std::size_t>> load_ = std::make_shared<std::atomic<std::size_t>>(0);
  std::vector<Ready> waiting_;
  std::string initialize_result_;
  std::optional<std::string> failed_;
  bool ready_ = false;
  std::uint64_t next_id_ = 1;
};

}  // namespace ssetool
