// What a handler returns for a Request: a short response, or an event stream whose Session opens on the
// stream loop once the headers are written.
#pragma once

#include <functional>
#include <string>

#include "ssetool/loop/session.hpp"
#include "ssetool/wire/headers.hpp"
#include "ssetool/wire/request.hpp"

namespace ssetool {

struct Reply {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  Headers headers;
  std::function<void(Session&)> open_stream;  // set: a text/event-stream response, opened on the loop
  bool admitted = false;  // a stream whose handler already holds its max_clients place (Server::reserve_stream)

  static Reply text(int status, std::string body);
  static Reply stream(std::function<void(Session&)> open);
};

using Handler = std::function<Reply(const Request&)>;

}  // namespace ssetool
