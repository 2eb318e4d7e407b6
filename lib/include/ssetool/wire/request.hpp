// A transport-independent view of one HTTP request, as handlers, sessions and recorders see it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "ssetool/wire/headers.hpp"

namespace ssetool {

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
  // The Last-Event-ID a client asked to resume from: the header, else the `lastEventId` query parameter.
  std::optional<std::string> last_event_id() const;
};

// A raw query string without the parameters named `name` ("a=1&access_token=x&b=2" → "a=1&b=2"). Names are
// compared after percent-decoding, so "access%5Ftoken" is removed too.
std::string remove_query_parameter(std::string_view query, std::string_view name);

}  // namespace ssetool
