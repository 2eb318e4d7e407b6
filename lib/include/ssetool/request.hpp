// Transport-independent views of an HTTP exchange: the Request a handler sees and the Reply it returns.
// A Reply is either a short response or an event stream whose session opens on the stream loop.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ssetool {

class Session;
using Headers = std::vector<std::pair<std::string, std::string>>;

struct Request {
  std::string method;
  std::string path;          // decoded path, no query
  std::string query_string;  // raw, without '?'
  Headers query;             // decoded query parameters, in order
  Headers headers;           // as received
  std::string body;
  std::string remote_addr;
  int remote_port = 0;
  int local_port = 0;

  std::optional<std::string> header(std::string_view name) const;  // case-insensitive, first match
  std::optional<std::string> param(std::string_view name) const;   // first query parameter of that name
};

struct Reply {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  Headers headers;
  std::function<void(Session&)> open_stream;  // set: a text/event-stream response, opened on the loop

  static Reply text(int status, std::string body);
  static Reply stream(std::function<void(Session&)> open);
};

using Handler = std::function<Reply(const Request&)>;

// Case-insensitive ASCII comparison of header names.
bool header_name_equals(std::string_view a, std::string_view b);

}  // namespace ssetool
