// Reply constructors (see server/reply.hpp).
#include "ssetool/server/reply.hpp"

namespace ssetool {

Reply Reply::text(int status, std::string body) {
  Reply reply;
  reply.status = status;
  reply.body = std::move(body);
  return reply;
}

Reply Reply::stream(std::function<void(Session&)> open) {
  Reply reply;
  reply.open_stream = std::move(open);
  reply.content_type = "text/event-stream";
  return reply;
}

Reply Reply::deferred(std::function<void(Answer)> start) {
  Reply reply;
  reply.later = std::move(start);
  return reply;
}

}  // namespace ssetool
