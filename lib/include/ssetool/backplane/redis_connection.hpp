// One blocking connection to Redis (hiredis), for one thread at a time: connect (AUTH, SELECT), commands given as
// argument vectors (binary-safe: no quoting), pipelined batches, and replies copied into plain values so no
// hiredis type leaves this file's implementation.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "ssetool/backplane/redis_url.hpp"
#include "ssetool/base/errors.hpp"

namespace ssetool {

// The connection failed (refused, reset, timed out): its state is unknown and it must be dropped. A command in
// flight may or may not have run.
struct RedisLost : Unavailable {
  using Unavailable::Unavailable;
};

// Redis answered with an error reply ("WRONGTYPE ...", "NOAUTH ...").
struct RedisError : Error {
  using Error::Error;
};

struct RedisReply {
  enum class Type { nil, string, integer, array, status } type = Type::nil;
  std::string text;  // string and status
  long long integer = 0;
  std::vector<RedisReply> elements;  // array
};

using RedisCommand = std::vector<std::string>;

class RedisConnection {
 public:
  // Connects within `timeout`, then AUTH and SELECT as the URL says; `timeout` also bounds every reply later.
  // Throws RedisLost naming the URL (display(): no password) and the reason, or RedisError (a refused AUTH).
  RedisConnection(const RedisUrl& url, std::chrono::milliseconds timeout);
  ~RedisConnection();
  RedisConnection(const RedisConnection&) = delete;
  RedisConnection& operator=(const RedisConnection&) = delete;

  // Sends the command and waits for its reply. Throws RedisLost, or RedisError for an error reply.
  RedisReply command(const RedisCommand& argv);
  // Sends all the commands at once, then reads their replies in order (an error reply throws RedisError after
  // every reply was read, so the connection stays usable). Throws RedisLost.
  std::vector<RedisReply> pipeline(const std::vector<RedisCommand>& commands);
  // Every reply after this waits at most `timeout` (a blocking XREAD sets its BLOCK time plus a margin).
  void set_timeout(std::chrono::milliseconds timeout);

 private:
  struct Context;
  std::unique_ptr<Context> context_;
  std::string where_;  // url.display(), for messages
};

}  // namespace ssetool
