// BroadcastServer's HTTP publish (see broadcast/broadcast_server.hpp, PublishOptions): `POST <path>` with the
// publish token, its body decoded (broadcast/publish_body.hpp) and published by the loop, or appended to the
// backplane; answered 202 with the ids.
#include <fmt/core.h>

#include <chrono>
#include <future>
#include <nlohmann/json.hpp>

#include "ssetool/broadcast/broadcast_server.hpp"
#include "ssetool/broadcast/publish_body.hpp"
#include "ssetool/server/policy.hpp"
#include "stamp.hpp"

namespace ssetool {
namespace {

// How long a publish request waits for the loop to take its events (it only waits when the server stops).
constexpr std::chrono::seconds kPublishWait{10};

}  // namespace

// A POST to the stream's path with --publish: only the publish token opens it (a Bearer token), not the readers'.
std::optional<bool> BroadcastServer::publish_auth(const Request& r) const {
  if (r.method != "POST" || r.path != options_.server.path) return std::nullopt;
  std::optional<std::string> auth = r.header("Authorization");
  return auth && auth->rfind("Bearer ", 0) == 0 && same_secret(auth->substr(7), options_.publish.token);
}

// 202 {"ids": [...]} once every event of the body is published; 400/415 for a body refused, 503 when stopping.
Reply BroadcastServer::publish_reply(const Request& req) {
  std::vector<std::string> ids;
  try {
    std::vector<Event> events = decode_publish_body(req, options_.event_type);
    ids = backplane_ ? append_published(events) : publish_on_loop(std::move(events));
  } catch (const PublishRefused& e) {
    ++publish_refused_;
    return Reply::text(e.status, fmt::format("{}: {}\n", e.status == 415 ? "unsupported media type" : "bad request",
                                             e.what()));
  } catch (const Unavailable& e) {
    ++publish_refused_;
    Reply reply = Reply::text(503, fmt::format("unavailable: {}\n", e.what()));
    reply.headers.emplace_back("Retry-After", "1");
    return reply;
  }
  ++publish_requests_;
  Reply reply = Reply::text(202, nlohmann::json{{"ids", ids}}.dump() + "\n");
  reply.content_type = "application/json";
  return reply;
}

// From a worker, with a backplane: appended at once, or Unavailable (503) while it is down.
std::vector<std::string> BroadcastServer::append_published(std::vector<Event>& events) {
  if (options_.stamp)
    for (Event& e : events) stamp(e);
  try {
    return *backplane_->append(events, false);
  } catch (const RedisError& e) {
    throw Unavailable(e.what());
  }
}

// From a worker: the events published by the loop, in order with the input's; their ids. Throws Unavailable
// when the server stops before the loop took them.
std::vector<std::string> BroadcastServer::publish_on_loop(std::vector<Event> events) {
  auto done = std::make_shared<std::promise<std::vector<std::string>>>();
  std::future<std::vector<std::string>> ids = done->get_future();
  loop_.post([this, done, events = std::move(events)]() mutable {
    if (streams_ending_) return done->set_exception(std::make_exception_ptr(Unavailable("the server is stopping")));
    std::vector<std::string> sent;
    publish_batch(events, &sent);
    done->set_value(std::move(sent));
  });
  if (ids.wait_for(kPublishWait) != std::future_status::ready) throw Unavailable("the server is stopping");
  return ids.get();
}

}  // namespace ssetool
