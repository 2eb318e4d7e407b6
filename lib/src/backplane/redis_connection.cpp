// A blocking hiredis connection (see backplane/redis_connection.hpp).
#include "ssetool/backplane/redis_connection.hpp"

#include <hiredis.h>

#include <sys/time.h>

namespace ssetool {
namespace {

timeval to_timeval(std::chrono::milliseconds d) {
  return timeval{static_cast<time_t>(d.count() / 1000), static_cast<suseconds_t>((d.count() % 1000) * 1000)};
}

RedisReply copy(const redisReply* r) {
  RedisReply out;
  switch (r->type) {
    case REDIS_REPLY_STRING:
      out.type = RedisReply::Type::string;
      out.text.assign(r->str, r->len);
      break;
    case REDIS_REPLY_STATUS:
    case REDIS_REPLY_ERROR:
      out.type = RedisReply::Type::status;
      out.text.assign(r->str, r->len);
      break;
    case REDIS_REPLY_INTEGER:
      out.type = RedisReply::Type::integer;
      out.integer = r->integer;
      break;
    case REDIS_REPLY_ARRAY:
      out.type = RedisReply::Type::array;
      for (std::size_t i = 0; i < r->elements; ++i) out.elements.push_back(copy(r->element[i]));
      break;
    default:
      break;
  }
  return out;
}

}  // namespace

struct RedisConnection::Context {
  redisContext* c = nullptr;
  ~Context() {
    if (c) redisFree(c);
  }
};

RedisConnection::RedisConnection(const RedisUrl& url, std::chrono::milliseconds timeout)
    : context_(std::make_unique<Context>()), where_(url.display()) {
  context_->c = redisConnectWithTimeout(url.host.c_str(), url.port, to_timeval(timeout));
  if (!context_->c) throw RedisLost(where_ + ": cannot allocate a connection");
  if (context_->c->err) throw RedisLost(where_ + ": " + context_->c->errstr);
  set_timeout(timeout);
  if (!url.password.empty()) {
    if (url.user.empty()) command({"AUTH", url.password});
    else command({"AUTH", url.user, url.password});
  }
  if (url.db != 0) command({"SELECT", std::to_string(url.db)});
}

RedisConnection::~RedisConnection() = default;

void RedisConnection::set_timeout(std::chrono::milliseconds timeout) {
  redisSetTimeout(context_->c, to_timeval(timeout));
}

RedisReply RedisConnection::command(const RedisCommand& argv) {
  std::vector<RedisReply> replies = pipeline({argv});
  return std::move(replies.front());
}

std::vector<RedisReply> RedisConnection::pipeline(const std::vector<RedisCommand>& commands) {
  redisContext* c = context_->c;
  if (c->err) throw RedisLost(where_ + ": " + c->errstr);
  for (const RedisCommand& argv : commands) {
    std::vector<const char*> args;
    std::vector<std::size_t> lengths;
    for (const std::string& a : argv) {
      args.push_back(a.data());
      lengths.push_back(a.size());
    }
    if (redisAppendCommandArgv(c, static_cast<int>(args.size()), args.data(), lengths.data()) != REDIS_OK)
      throw RedisLost(where_ + ": " + c->errstr);
  }
  std::vector<RedisReply> replies;
  std::string error;
  for (std::size_t i = 0; i < commands.size(); ++i) {
    void* raw = nullptr;
    if (redisGetReply(c, &raw) != REDIS_OK || !raw)
      throw RedisLost(where_ + ": " + (c->errstr[0] ? c->errstr : "connection lost"));
    auto* reply = static_cast<redisReply*>(raw);
    if (reply->type == REDIS_REPLY_ERROR && error.empty()) error.assign(reply->str, reply->len);
    replies.push_back(copy(reply));
    freeReplyObject(reply);
  }
  if (!error.empty()) throw RedisError(where_ + ": " + error);
  return replies;
}

}  // namespace ssetool
