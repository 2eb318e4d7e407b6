// Route matching and description for `ssetool replay` (see replay/route.hpp).
#include "ssetool/replay/route.hpp"

#include <fmt/format.h>

#include <re2/re2.h>

#include <algorithm>
#include <mutex>
#include <nlohmann/json.hpp>

#include "ssetool/base/errors.hpp"
#include "ssetool/wire/json_input.hpp"

namespace ssetool {

bool path_matches(const std::string& pattern, const std::string& path) {
  if (pattern.empty()) return true;
  if (pattern.back() == '*') return path.compare(0, pattern.size() - 1, pattern, 0, pattern.size() - 1) == 0;
  return path == pattern;
}

namespace {

bool query_matches(const Headers& wanted, const Request& request) {
  return std::all_of(wanted.begin(), wanted.end(), [&](const auto& kv) {
    return std::any_of(request.query.begin(), request.query.end(),
                       [&](const auto& q) { return q.first == kv.first && q.second == kv.second; });
  });
}

bool headers_match(const Headers& wanted, const Request& request) {
  return std::all_of(wanted.begin(), wanted.end(), [&](const auto& kv) {
    return std::any_of(request.headers.begin(), request.headers.end(), [&](const auto& h) {
      return header_name_equals(h.first, kv.first) && h.second == kv.second;
    });
  });
}

std::string upper(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return out;
}

std::vector<std::string> split_methods(std::string_view text) {
  std::vector<std::string> methods;
  while (!text.empty()) {
    std::size_t comma = text.find(',');
    std::string method = upper(text.substr(0, comma));
    if (method.empty() || method.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ") != std::string::npos)
      throw InvalidArgument("'" + std::string(text) + "': a method is letters only, e.g. GET or GET,POST");
    methods.push_back(method);
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
  }
  return methods;
}

}  // namespace

bool json_value_equals(const std::string& body, const std::string& pointer, const std::string& expected) {
  if (json_too_deep_at(body) != std::string::npos) return false;  // a hostile body: comparing it would recurse
  nlohmann::json document = nlohmann::json::parse(body, nullptr, false);
  if (document.is_discarded()) return false;
  try {
    nlohmann::json::json_pointer where(pointer);
    if (!document.contains(where)) return false;
    return document.at(where) == nlohmann::json::parse(expected);
  } catch (const nlohmann::json::exception&) {
    return false;  // checked at load time; a body of another shape simply does not match
  }
}

struct BodyPattern::Compiled {
  explicit Compiled(const std::string& pattern) : re(pattern, RE2::Quiet) {}
  RE2 re;
  std::mutex mutex;  // one match at a time: RE2's lazy caches, invisible to ThreadSanitizer in the system library
};

BodyPattern::BodyPattern(const std::string& pattern) : text_(pattern), compiled_(std::make_shared<Compiled>(pattern)) {
  if (!compiled_->re.ok()) throw InvalidArgument("'" + pattern + "': not a valid regular expression: " + compiled_->re.error());
}

bool BodyPattern::found_in(const std::string& body) const {
  std::lock_guard lock(compiled_->mutex);
  return RE2::PartialMatch(body, compiled_->re);
}

bool route_matches(const RouteMatch& match, const Request& request) {
  if (!match.methods.empty() &&
      std::find(match.methods.begin(), match.methods.end(), request.method) == match.methods.end())
    return false;
  if (!path_matches(match.path, request.path)) return false;
  if (!query_matches(match.query, request) || !headers_match(match.headers, request)) return false;
  for (const auto& needle : match.body_contains)
    if (request.body.find(needle) == std::string::npos) return false;
  for (const auto& [pointer, expected] : match.json)
    if (!json_value_equals(request.body, pointer, expected)) return false;
  for (const auto& pattern : match.body_regex)
    if (!pattern.found_in(request.body)) return false;
  return true;
}

std::size_t route_specificity(const RouteMatch& m) {
  std::size_t path = m.path.empty() ? 0 : m.path.back() == '*' ? 1 : 2;
  return (m.methods.empty() ? 0 : 1) + path + m.query.size() + m.headers.size() + m.body_contains.size() +
         m.json.size() + m.body_regex.size();
}

std::optional<std::size_t> choose_route(const std::vector<Route>& routes, const Request& request) {
  std::optional<std::size_t> best;
  std::size_t best_specificity = 0;
  for (std::size_t i = 0; i < routes.size(); ++i) {
    std::size_t specificity = route_specificity(routes[i].match);
    if ((!best || specificity > best_specificity) && route_matches(routes[i].match, request)) {
      best = i;
      best_specificity = specificity;
    }
  }
  return best;
}

std::string describe_route(const Route& route) {
  const RouteMatch& m = route.match;
  std::string text = m.methods.empty() ? "*" : fmt::format("{}", fmt::join(m.methods, ","));
  text += " " + (m.path.empty() ? std::string("*") : m.path);
  std::vector<std::string> rules;
  for (const auto& [k, v] : m.query) rules.push_back(fmt::format("query {}={}", k, v));
  for (const auto& [k, v] : m.headers) rules.push_back(fmt::format("header {}: {}", k, v));
  for (const auto& s : m.body_contains) rules.push_back(fmt::format("body contains {}", nlohmann::json(s).dump()));
  for (const auto& [p, v] : m.json) rules.push_back(fmt::format("json {} = {}", p, v));
  for (const auto& r : m.body_regex) rules.push_back(fmt::format("body regex {}", nlohmann::json(r.text()).dump()));
  if (!rules.empty()) text += fmt::format(" [{}]", fmt::join(rules, ", "));
  if (!route.sequence.empty())
    text += fmt::format(" -> sequence of {}{}", route.sequence.size(), route.cycle ? ", cycling" : "");
  else if (route.recording) text += " -> " + route.recording->path;
  else if (route.preset) text += " -> preset " + std::string(to_string(route.preset->kind));
  else text += fmt::format(" -> status {}", route.status.value_or(200));
  if (!route.name.empty()) text += " (" + route.name + ")";
  return text;
}

RouteOption parse_route_option(std::string_view text) {
  RouteOption option;
  std::string_view rest = text;
  std::size_t space = rest.find(' ');
  if (space != std::string_view::npos && (rest.empty() || rest[0] != '/')) {
    option.methods = split_methods(rest.substr(0, space));
    rest = rest.substr(space + 1);
    rest.remove_prefix(std::min(rest.find_first_not_of(' '), rest.size()));
  } else {
    option.methods = {"GET", "POST"};
  }
  std::size_t equals = rest.find('=');
  if (rest.empty() || rest[0] != '/' || equals == std::string_view::npos || equals + 1 == rest.size())
    throw InvalidArgument("'" + std::string(text) + "': expected PATH=FILE or 'METHOD PATH=FILE', e.g. '/events=chat.sse'");
  option.path = std::string(rest.substr(0, equals));
  option.file = std::string(rest.substr(equals + 1));
  return option;
}

}  // namespace ssetool
