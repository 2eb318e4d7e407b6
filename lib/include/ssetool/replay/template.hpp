// Templates of `ssetool replay`: a route with "template": true (or --template) fills placeholders in its events'
// data (and a preset's text) from each request. The whole syntax:
//   {{body.PATH}}     the value at PATH in the JSON request body, PATH being keys and array indexes joined by dots
//                     (body.model, body.messages.0.content); a string as is, any other value as compact JSON
//   {{query.NAME}}    the query parameter NAME        {{header.NAME}}   the request header NAME (any case)
//   {{seq}}           the number of this request among those the route answered: 1, 2, ...
//   {{uuid}}          a random UUID (version 4, from the run's seed)   {{now}}  the time, RFC 3339 UTC with ms
// A value the request does not have is empty. Every value is inserted JSON-string-escaped (as inside a JSON string:
// quotes, backslashes and control characters escaped), so that it can neither break the JSON around it nor put a
// line break into the event. Anything else, "{{" without "}}" included, is an error found at start-up.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <string_view>

#include "ssetool/replay/recording.hpp"
#include "ssetool/wire/request.hpp"

namespace ssetool {

struct TemplateContext {
  const Request& request;
  std::uint64_t seq = 1;
  std::mt19937_64& random;
  std::chrono::system_clock::time_point now = std::chrono::system_clock::now();
};

// Throws InvalidArgument "'{{bad}}': what is wrong" for the first bad placeholder in `text`.
void check_template(std::string_view text);

// `text` with every placeholder filled (check_template first: a bad one is left as written).
std::string render_template(std::string_view text, TemplateContext& context);

// Checks every event of every response of `recording`. Throws InvalidArgument as check_template.
void check_recording_template(const Recording& recording);

// A recording of one response: `response` with its events' data (or raw bytes) rendered for this request.
std::shared_ptr<const Recording> render_response(const Recording& recording, const ReplayResponse& response,
                                                 TemplateContext& context);

}  // namespace ssetool
