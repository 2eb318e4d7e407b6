// Routes for `ssetool replay`: which requests a route answers (method, path, query parameters, request headers, a
// substring of the body, values at JSON pointers in a JSON body, a regular expression on the body) and what it
// answers with (a recording played back, a provider preset's stream made for the request, or a short response with
// a status and body), each with its own timing and faults.
//
// Which route answers: among the routes that match, the most specific (route_specificity: the number of rules it
// has, an exact path counting two and a prefix one); between routes as specific, the first in order.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ssetool/replay/playback_settings.hpp"
#include "ssetool/replay/preset.hpp"
#include "ssetool/replay/recording.hpp"
#include "ssetool/wire/request.hpp"

namespace ssetool {

// A regular expression (RE2 syntax, linear time whatever the body) found anywhere in the body. Thread-safe: one
// match at a time per pattern.
class BodyPattern {
 public:
  // Throws InvalidArgument naming what RE2 found wrong.
  explicit BodyPattern(const std::string& pattern);
  bool found_in(const std::string& body) const;
  const std::string& text() const { return text_; }
  bool operator==(const BodyPattern& other) const { return text_ == other.text_; }

 private:
  struct Compiled;
  std::string text_;
  std::shared_ptr<Compiled> compiled_;
};

struct RouteMatch {
  std::vector<std::string> methods;  // upper case; empty: any method
  std::string path;                  // exact, or a prefix when it ends with '*'; empty: any path
  Headers query;                     // parameters that must be present with exactly this value
  Headers headers;                   // request headers (names case-insensitive) with exactly this value
  std::vector<std::string> body_contains;             // substrings the body must contain
  std::vector<std::pair<std::string, std::string>> json;  // JSON pointer -> expected value as compact JSON text
  std::vector<BodyPattern> body_regex;                    // patterns the body must contain a match of

  bool operator==(const RouteMatch&) const = default;
};

struct Route {
  std::string name;    // shown in the 404 listing and the journal; may be empty
  std::string origin;  // where it was defined, for messages: "FILE", "--route ...", "routes.json:12"
  RouteMatch match;
  std::shared_ptr<const Recording> recording;  // null: a preset's stream, or a short response (status, body)
  std::shared_ptr<const Preset> preset;        // a stream made for each request (replay/preset.hpp)
  bool templated = false;                      // fill {{...}} from each request (replay/template.hpp)
  // Sequences: the n-th request the route answers (after fail_first) gets sequence[n-1] (its recording, preset or
  // status/body; the route's match, timing and faults); past the end, the last again, or from the first with cycle.
  std::vector<Route> sequence;
  bool cycle = false;
  std::optional<int> status;                   // default: the recording's, else 200
  Headers headers;                             // added to the response
  std::string body;                            // short responses
  std::string content_type = "text/plain; charset=utf-8";
  PlaybackSettings playback;
  std::uint64_t fail_first = 0;  // the first N requests this route matches fail...
  int fail_status = 503;         // ...with this status (503 and 429 also get Retry-After: 1)
};

// True when `path` is what a route's path rule accepts: `pattern` exact, a prefix ending in '*', or empty (any).
bool path_matches(const std::string& pattern, const std::string& path);

// True when `request` satisfies every rule of `match`.
bool route_matches(const RouteMatch& match, const Request& request);

// How specific a match is: 1 for a method list, 2 for an exact path and 1 for a prefix, 1 per query parameter,
// header, body substring, JSON pointer and body regex.
std::size_t route_specificity(const RouteMatch& match);

// The route that answers `request` (see above): its index, or nullopt when none matches.
std::optional<std::size_t> choose_route(const std::vector<Route>& routes, const Request& request);

// One line for the 404 listing: "POST /v1/chat/completions [header x-api-key=k, json /stream=true] -> chat.sse".
std::string describe_route(const Route& route);

// The parts of a -r/--route option "PATH=FILE" or "METHOD PATH=FILE" (METHOD may be "GET,POST"). Without a
// method the route answers GET and POST. Throws InvalidArgument.
struct RouteOption {
  std::vector<std::string> methods;
  std::string path;
  std::string file;
};
RouteOption parse_route_option(std::string_view text);

// The value at `pointer` (RFC 6901) in `body` parsed as JSON equals the JSON text `expected` (compared as JSON
// values, so 1 equals 1.0 and key order does not matter). False when the body is not JSON or has no such value.
bool json_value_equals(const std::string& body, const std::string& pointer, const std::string& expected);

}  // namespace ssetool
