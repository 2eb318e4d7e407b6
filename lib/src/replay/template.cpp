// Templates of `ssetool replay` (see replay/template.hpp).
#include "ssetool/replay/template.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <optional>

#include "ssetool/base/errors.hpp"
#include "ssetool/wire/event.hpp"
#include "ssetool/wire/json_input.hpp"

namespace ssetool {
namespace {

constexpr std::string_view kNames = "body.PATH, query.NAME, header.NAME, seq, uuid or now";

struct Placeholder {
  std::size_t start = 0;  // of "{{"
  std::size_t end = 0;    // after "}}"
  std::string_view name;  // between them, spaces trimmed
};

std::string_view trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

// The next placeholder at or after `from`; nullopt when there is none. Throws for "{{" without "}}".
std::optional<Placeholder> next_placeholder(std::string_view text, std::size_t from) {
  std::size_t open = text.find("{{", from);
  if (open == std::string_view::npos) return std::nullopt;
  std::size_t close = text.find("}}", open + 2);
  if (close == std::string_view::npos)
    throw InvalidArgument("'" + std::string(text.substr(open, 20)) + "': '{{' without '}}'");
  return Placeholder{open, close + 2, trim(text.substr(open + 2, close - open - 2))};
}

bool known(std::string_view name) {
  if (name == "seq" || name == "uuid" || name == "now") return true;
  for (std::string_view prefix : {"body.", "query.", "header."})
    if (name.starts_with(prefix) && name.size() > prefix.size()) return true;
  return false;
}

// body.messages.0.content -> /messages/0/content (with ~ and / escaped as RFC 6901 wants).
std::string pointer_of(std::string_view path) {
  std::string pointer = "/";
  for (char c : path) {
    if (c == '.') pointer += '/';
    else if (c == '~') pointer += "~0";
    else if (c == '/') pointer += "~1";
    else pointer += c;
  }
  return pointer;
}

std::string body_value(const Request& request, std::string_view path) {
  if (json_too_deep_at(request.body) != std::string::npos) return "";
  nlohmann::json body = nlohmann::json::parse(request.body, nullptr, false);
  if (body.is_discarded()) return "";
  try {
    nlohmann::json::json_pointer where(pointer_of(path));
    if (!body.contains(where)) return "";
    const nlohmann::json& value = body.at(where);
    return value.is_string() ? value.get<std::string>() : value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  } catch (const nlohmann::json::exception&) {
    return "";
  }
}

std::string uuid(std::mt19937_64& random) {
  std::uint64_t hi = random(), lo = random();
  hi = (hi & ~0xF000ull) | 0x4000ull;                       // version 4
  lo = (lo & ~(0xC000ull << 48)) | (0x8000ull << 48);         // variant 10
  return fmt::format("{:08x}-{:04x}-{:04x}-{:04x}-{:012x}", hi >> 32, (hi >> 16) & 0xFFFF, hi & 0xFFFF, lo >> 48,
                     lo & 0xFFFFFFFFFFFFull);
}

std::string now_text(std::chrono::system_clock::time_point now) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  return fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:03d}Z", fmt::gmtime(std::chrono::system_clock::to_time_t(now)), ms);
}

std::string value_of(std::string_view name, TemplateContext& c) {
  if (name == "seq") return std::to_string(c.seq);
  if (name == "uuid") return uuid(c.random);
  if (name == "now") return now_text(c.now);
  if (name.starts_with("body.")) return body_value(c.request, name.substr(5));
  if (name.starts_with("query.")) return c.request.param(name.substr(6)).value_or("");
  return c.request.header(name.substr(7)).value_or("");
}

// As inside a JSON string: the JSON text of the string without its quotes.
std::string json_escaped(const std::string& value) {
  std::string quoted = nlohmann::json(value).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return quoted.substr(1, quoted.size() - 2);
}

}  // namespace

void check_template(std::string_view text) {
  for (auto p = next_placeholder(text, 0); p; p = next_placeholder(text, p->end))
    if (!known(p->name))
      throw InvalidArgument("'{{" + std::string(p->name) + "}}': unknown value (expected " + std::string(kNames) + ")");
}

std::string render_template(std::string_view text, TemplateContext& context) {
  std::string out;
  std::size_t at = 0;
  for (;;) {
    std::optional<Placeholder> p;
    try {
      p = next_placeholder(text, at);
    } catch (const InvalidArgument&) {  // "{{" without "}}": the rest as written
    }
    if (!p) break;
    out.append(text.substr(at, p->start - at));
    if (known(p->name)) out += json_escaped(value_of(p->name, context));
    else out.append(text.substr(p->start, p->end - p->start));
    at = p->end;
  }
  out.append(text.substr(at));
  return out;
}

void check_recording_template(const Recording& recording) {
  for (const ReplayResponse& response : recording.responses)
    for (const ReplayItem& item : response.items)
      check_template(response.from_bytes || !item.event ? std::string_view(*item.bytes) : item.event->data);
}

std::shared_ptr<const Recording> render_response(const Recording& recording, const ReplayResponse& response,
                                                 TemplateContext& context) {
  auto rendered = std::make_shared<Recording>();
  rendered->path = recording.path;
  rendered->is_tape = recording.is_tape;
  ReplayResponse copy = response;
  for (ReplayItem& item : copy.items) {
    if (copy.from_bytes || !item.event) {
      item.bytes = std::make_shared<const std::string>(render_template(*item.bytes, context));
    } else {
      item.event->data = render_template(item.event->data, context);
      item.bytes = std::make_shared<const std::string>(encode(*item.event));
    }
  }
  rendered->responses.push_back(std::move(copy));
  return rendered;
}

}  // namespace ssetool
