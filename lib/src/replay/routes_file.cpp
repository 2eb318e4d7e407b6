// The routes file of `ssetool replay` (see replay/routes_file.hpp). nlohmann::json keeps no positions, so the
// text is fed to it through an iterator that counts lines, and the parse callback notes the line of each route
// and of each key in it: every later complaint can then name its line.
#include "ssetool/replay/routes_file.hpp"

#include "ssetool/replay/preset.hpp"
#include "ssetool/replay/recording_loader.hpp"
#include "ssetool/replay/template.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <type_traits>

#include "ssetool/base/errors.hpp"
#include "ssetool/base/units.hpp"
#include "ssetool/wire/json_input.hpp"

namespace ssetool {
namespace {

using Json = nlohmann::ordered_json;  // a JSON body is sent with its keys in the order written

// A character iterator over the text that counts the line breaks it has passed.
struct LineCountingIterator {
  using iterator_category = std::forward_iterator_tag;
  using value_type = char;
  using difference_type = std::ptrdiff_t;
  using pointer = const char*;
  using reference = const char&;

  const char* at;
  std::size_t* line;

  reference operator*() const { return *at; }
  LineCountingIterator& operator++() {
    if (*at == '\n') ++*line;
    ++at;
    return *this;
  }
  LineCountingIterator operator++(int) {
    LineCountingIterator before = *this;
    ++*this;
    return before;
  }
  bool operator==(const LineCountingIterator& other) const { return at == other.at; }
};

// Where each route and each of its keys ("speed", "match.path"...) starts.
struct RouteLines {
  std::size_t line = 0;
  std::map<std::string, std::size_t> keys;
};

std::size_t line_of_byte(std::string_view text, std::size_t byte) {
  byte = std::min(byte, text.size());
  return 1 + static_cast<std::size_t>(std::count(text.begin(), text.begin() + static_cast<long>(byte), '\n'));
}

Json parse_with_lines(std::string_view text, const std::string& name, std::vector<RouteLines>& lines) {
  std::size_t line = 1;
  std::string outer_key;
  auto note = [&](int depth, Json::parse_event_t event, Json& parsed) {
    if (depth == 1 && event == Json::parse_event_t::object_start) lines.push_back({line, {}});
    if (event != Json::parse_event_t::key || lines.empty()) return true;
    if (depth == 2) {
      outer_key = parsed.get<std::string>();
      lines.back().keys.emplace(outer_key, line);
    } else if (depth == 3) {
      lines.back().keys.emplace(outer_key + "." + parsed.get<std::string>(), line);
    }
    return true;
  };
  if (std::size_t deep = json_too_deep_at(text); deep != std::string_view::npos)
    throw InvalidArgument(
        fmt::format("{}:{}: not valid JSON: {}", name, line_of_byte(text, deep), json_too_deep_message()));
  try {
    return Json::parse(LineCountingIterator{text.data(), &line}, LineCountingIterator{text.data() + text.size(), &line},
                       note);
  } catch (const Json::parse_error& e) {
    std::string what = json_error_message(e);
    if (auto colon = what.find(": "); what.starts_with("parse error") && colon != std::string::npos)
      what = what.substr(colon + 2);
    throw InvalidArgument(fmt::format("{}:{}: not valid JSON: {}", name, line_of_byte(text, e.byte), what));
  } catch (const Json::exception& e) {  // out_of_range (a number like 1e999)...: the line the parser had reached
    throw InvalidArgument(fmt::format("{}:{}: not valid JSON: {}", name, line, json_error_message(e)));
  }
}

const std::set<std::string> kRouteKeys = {"name", "match", "recording", "preset", "template", "sequence", "then", "status", "headers", "body", "content_type",
                                          "speed", "interval", "first_byte_delay", "jitter", "loop", "chunking",
                                          "drop_after", "stall_after", "fail_first", "fail_status"};
const std::set<std::string> kPresetKeys = {"name", "text", "text_file", "ttft", "tps", "jitter", "tool_use"};
const std::set<std::string> kMatchKeys = {"method", "path", "query", "headers", "body_contains", "json", "body_regex"};

// Reads one route object, naming the line of the offending key in every complaint.
class RouteReader {
 public:
  RouteReader(const std::string& name, const std::string& base_dir, std::size_t number, const RouteLines& lines)
      : name_(name), base_dir_(base_dir), number_(number), lines_(lines) {}

  Route read(const Json& object, const Route& defaults) {
    if (!object.is_object()) fail("", "a route must be a JSON object");
    Route route = defaults;
    route.origin = fmt::format("{}:{}", name_, lines_.line);
    for (const auto& [key, value] : object.items()) {
      if (!kRouteKeys.count(key)) fail(key, fmt::format("unknown key '{}'", key));
      read_key(key, value, route);
    }
    check(object, route);
    return route;
  }

 private:
  [[noreturn]] void fail(const std::string& key, const std::string& what) const {
    auto it = lines_.keys.find(key);
    std::size_t line = it == lines_.keys.end() ? lines_.line : it->second;
    throw InvalidArgument(fmt::format("{}:{}: route {}: {}", name_, line, number_, what));
  }

  void read_key(const std::string& key, const Json& value, Route& route) {
    if (key == "name") route.name = string(key, value);
    else if (key == "match") route.match = read_match(value);
    else if (key == "recording") route.recording = load(key, string(key, value));
    else if (key == "preset") route.preset = std::make_shared<const Preset>(read_preset(value));
    else if (key == "template") route.templated = boolean(key, value);
    else if (key == "sequence") read_sequence(value, route);
    else if (key == "then") route.cycle = then(key, value);
    else if (key == "status") route.status = status(key, value);
    else if (key == "headers") route.headers = pairs(key, value, true);
    else if (key == "body") route.body = value.is_string() ? value.get<std::string>() : value.dump();
    else if (key == "content_type") route.content_type = string(key, value);
    else if (key == "fail_first") route.fail_first = count(key, value);
    else if (key == "fail_status") route.fail_status = status(key, value);
    else read_playback_key(key, value, route.playback);
  }

  void read_playback_key(const std::string& key, const Json& value, PlaybackSettings& p) {
    if (key == "speed") {
      if (!value.is_number() || value.get<double>() < 0 || !std::isfinite(value.get<double>()))
        fail(key, "'speed' must be a number >= 0 (2: twice as fast, 0: no delays)");
      p.speed = value.get<double>();
    } else if (key == "interval") {
      p.interval = duration(key, value);
    } else if (key == "first_byte_delay") {
      p.first_byte_delay = duration(key, value);
    } else if (key == "jitter") {
      p.jitter = duration(key, value);
    } else if (key == "loop") {
      if (!value.is_boolean()) fail(key, "'loop' must be true or false");
      p.loop = value.get<bool>();
    } else if (key == "chunking") {
      try {
        p.chunking = parse_chunking(string(key, value));
      } catch (const InvalidArgument& e) {
        fail(key, std::string("'chunking' ") + e.what());
      }
    } else if (key == "drop_after") {
      p.drop_after = count(key, value);
    } else if (key == "stall_after") {
      p.stall_after = count(key, value);
    }
  }

  RouteMatch read_match(const Json& value) {
    if (!value.is_object()) fail("match", "'match' must be an object");
    RouteMatch m;
    for (const auto& [key, v] : value.items()) {
      std::string where = "match." + key;
      if (!kMatchKeys.count(key)) fail(where, fmt::format("unknown key '{}' in 'match'", key));
      if (key == "method") m.methods = methods(where, v);
      else if (key == "path") m.path = path(where, v);
      else if (key == "query") m.query = pairs(where, v, false);
      else if (key == "headers") m.headers = pairs(where, v, true);
      else if (key == "body_contains") m.body_contains = strings(where, v);
      else if (key == "json") m.json = pointers(where, v);
      else if (key == "body_regex") m.body_regex = patterns(where, v);
    }
    return m;
  }

  // "preset": {"name": "anthropic-messages", "text": "Hi" or "text_file": "a.txt", "ttft": "300ms", "tps": 50,
  //            "jitter": "20%", "tool_use": {"name": "get_weather", "input": {"city": "Paris"}}}
  Preset read_preset(const Json& value) {
    const std::string key = "preset";
    if (!value.is_object() || !value.contains("name"))
      fail(key, "'preset' must be an object with a \"name\": " + std::string(kPresetNames));
    Preset p;
    for (const auto& item : value.items()) {  // not a structured binding: clang 14 cannot capture one
      const std::string& k = item.key();
      const Json& v = item.value();
      if (!kPresetKeys.count(k)) fail(key, fmt::format("unknown key '{}' in 'preset'", k));
      if (k == "name") p.kind = checked([&] { return parse_preset_kind(string(key, v)); });
      else if (k == "text") p.text = string(key, v);
      else if (k == "text_file") p.text = checked([&] { return read_text_file(relative(string(key, v))); });
      else if (k == "ttft") p.ttft = duration(key, v);
      else if (k == "tps") p.tps = v.is_number() ? v.get<double>() : -1;
      else if (k == "jitter") p.jitter = checked([&] { return parse_percentage(string(key, v)); });
      else if (k == "tool_use") p.tool_use = tool_use(v);
    }
    checked([&] { check_preset(p); return 0; });
    return p;
  }

  // What `read` returns; a library InvalidArgument becomes "FILE:LINE: route N: 'preset': what".
  template <class Read>
  std::invoke_result_t<Read> checked(Read read) const {
    try {
      return read();
    } catch (const InvalidArgument& e) {
      if (std::string_view(e.what()).starts_with(name_ + ":")) throw;  // already ours (fail)
      fail("preset", std::string("'preset': ") + e.what());
    }
  }

  PresetToolUse tool_use(const Json& value) const {
    if (!value.is_object() || !value.contains("name"))
      fail("preset", "'tool_use' must be an object with a \"name\" and an \"input\" object");
    PresetToolUse tool;
    tool.name = string("preset", value.at("name"));
    if (value.contains("input")) tool.input = value.at("input").dump();
    return tool;
  }

  void check_templates(const Route& route) const {
    try {
      if (route.recording) check_recording_template(*route.recording);
      if (route.preset) check_template(route.preset->text);
    } catch (const InvalidArgument& e) {
      fail("template", std::string("'template': ") + e.what());
    }
  }

  std::string relative(const std::string& file) const {
    return file.empty() || file[0] == '/' || base_dir_.empty() ? file : base_dir_ + "/" + file;
  }

  // "sequence": [step, ...]: each step a route object without "match", "name" or a sequence of its own, taking
  // the route's other keys as its defaults (the keys after "sequence" in the route are not seen by the steps).
  void read_sequence(const Json& value, Route& route) {
    if (!value.is_array() || value.empty()) fail("sequence", "'sequence' must be a non-empty array of responses");
    for (const Json& step : value) {
      if (!step.is_object()) fail("sequence", "each step of 'sequence' must be an object");
      for (const char* key : {"match", "name", "sequence", "then", "fail_first", "fail_status"})
        if (step.contains(key)) fail("sequence", fmt::format("'{}' belongs to the route, not to a step of 'sequence'", key));
      Route base = route;
      base.sequence.clear();
      route.sequence.push_back(read_step(step, base));
    }
  }

  Route read_step(const Json& step, Route route) {
    for (const auto& [key, value] : step.items()) {
      if (!kRouteKeys.count(key)) fail("sequence", fmt::format("unknown key '{}' in a step of 'sequence'", key));
      read_key(key, value, route);
    }
    check(step, route);
    return route;
  }

  bool then(const std::string& key, const Json& value) const {
    std::string text = string(key, value);
    if (text != "repeat" && text != "cycle") fail(key, "'then' must be \"repeat\" (the last step again) or \"cycle\"");
    return text == "cycle";
  }

  void check(const Json& object, Route& route) const {
    if (!route.sequence.empty()) {
      for (const char* key : {"recording", "preset", "body", "status"})
        if (object.contains(key)) fail(key, fmt::format("give '{}' in the steps of 'sequence', not beside it", key));
      return;
    }
    if (object.contains("then")) fail("then", "'then' applies to 'sequence', which is not given");
    if (route.recording && object.contains("body")) fail("body", "give 'recording' or 'body', not both");
    if (route.preset && (route.recording || object.contains("body")))
      fail("preset", "give one of 'recording', 'preset' or 'body'");
    if (route.templated) check_templates(route);
    if (route.preset) {  // the provider's path and POST unless the route says otherwise
      if (route.match.path.empty()) route.match.path = std::string(default_path(route.preset->kind));
      if (route.match.methods.empty()) route.match.methods = {"POST"};
    }
    if (!route.recording && !route.preset && !object.contains("body") && !object.contains("status"))
      fail("", "a route needs 'recording', 'preset', or 'status' and/or 'body'");
    if ((route.recording || route.preset) && route.status && (*route.status < 200 || *route.status > 299))
      fail("status", "a recording is streamed with a 2xx status; use 'body' for an error response");
    if (!route.recording && object.contains("body") && !object.contains("content_type"))
      route.content_type = object.at("body").is_string() ? "text/plain; charset=utf-8" : "application/json";
  }

  bool boolean(const std::string& key, const Json& value) const {
    if (!value.is_boolean()) fail(key, fmt::format("'{}' must be true or false", key));
    return value.get<bool>();
  }

  std::string string(const std::string& key, const Json& value) const {
    if (!value.is_string()) fail(key, fmt::format("'{}' must be a string", key));
    return value.get<std::string>();
  }

  std::vector<std::string> strings(const std::string& key, const Json& value) const {
    if (value.is_string()) return {value.get<std::string>()};
    if (!value.is_array()) fail(key, fmt::format("'{}' must be a string or an array of strings", key));
    std::vector<std::string> out;
    for (const Json& item : value) out.push_back(string(key, item));
    return out;
  }

  std::vector<std::string> methods(const std::string& key, const Json& value) const {
    std::vector<std::string> out = strings(key, value);
    for (std::string& m : out) {
      for (char& c : m) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      if (m.empty() || m.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ") != std::string::npos)
        fail(key, fmt::format("'{}' is not an HTTP method", m));
    }
    return out;
  }

  std::string path(const std::string& key, const Json& value) const {
    std::string p = string(key, value);
    if (p.empty() || p[0] != '/') fail(key, fmt::format("path '{}' must start with '/'", p));
    return p;
  }

  Headers pairs(const std::string& key, const Json& value, bool header_names) const {
    if (!value.is_object()) fail(key, fmt::format("'{}' must be an object of \"name\": \"value\"", key));
    Headers out;
    for (const auto& [k, v] : value.items()) {
      std::string text = string(key, v);
      if (header_names && (k.empty() || (k + text).find_first_of("\r\n") != std::string::npos))
        fail(key, fmt::format("header '{}': empty name, or CR/LF in it", k));
      out.emplace_back(k, text);
    }
    return out;
  }

  std::vector<std::pair<std::string, std::string>> pointers(const std::string& key, const Json& value) const {
    if (!value.is_object()) fail(key, "'json' must be an object of \"/json/pointer\": value");
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& [pointer, expected] : value.items()) {
      try {
        Json::json_pointer check(pointer);
      } catch (const Json::exception&) {
        fail(key, fmt::format("'{}' is not a JSON pointer (like /model or /messages/0/role)", pointer));
      }
      out.emplace_back(pointer, expected.dump());
    }
    return out;
  }

  std::vector<BodyPattern> patterns(const std::string& key, const Json& value) const {
    std::vector<BodyPattern> out;
    for (const std::string& text : strings(key, value)) {
      try {
        out.emplace_back(text);
      } catch (const InvalidArgument& e) {
        fail(key, std::string("'body_regex' ") + e.what());
      }
    }
    return out;
  }

  int status(const std::string& key, const Json& value) const {
    if (!value.is_number_integer() || value.get<long long>() < 100 || value.get<long long>() > 599)
      fail(key, fmt::format("'{}' must be an HTTP status from 100 to 599", key));
    return value.get<int>();
  }

  std::uint64_t count(const std::string& key, const Json& value) const {
    if (!value.is_number_unsigned()) fail(key, fmt::format("'{}' must be a whole number >= 0", key));
    return value.get<std::uint64_t>();
  }

  std::chrono::microseconds duration(const std::string& key, const Json& value) const {
    try {
      return parse_duration(string(key, value));
    } catch (const InvalidArgument& e) {
      fail(key, fmt::format("'{}': {}", key, e.what()));
    }
  }

  std::shared_ptr<const Recording> load(const std::string& key, const std::string& file) const {
    if (file.empty()) fail(key, "'recording' must name a file");
    try {
      return load_recording(relative(file));
    } catch (const InvalidArgument& e) {
      fail(key, e.what());
    }
  }

  const std::string& name_;
  const std::string& base_dir_;
  std::size_t number_;
  const RouteLines& lines_;
};

}  // namespace

std::vector<Route> parse_routes_file(std::string_view text, const std::string& name, const std::string& base_dir,
                                     const Route& defaults) {
  std::vector<RouteLines> lines;
  Json document = parse_with_lines(text, name, lines);
  if (!document.is_array()) throw InvalidArgument(name + ":1: the routes file must be a JSON array of routes");
  if (document.empty()) throw InvalidArgument(name + ":1: the routes file has no routes");
  std::vector<Route> routes;
  for (std::size_t i = 0; i < document.size(); ++i) {
    RouteLines where = i < lines.size() ? lines[i] : RouteLines{1, {}};
    if (!document[i].is_object()) throw InvalidArgument(fmt::format("{}: route {}: must be a JSON object", name, i + 1));
    try {
      routes.push_back(RouteReader(name, base_dir, i + 1, where).read(document[i], defaults));
    } catch (const Json::exception& e) {  // not expected once parsed, but never an uncaught library error
      throw InvalidArgument(fmt::format("{}:{}: route {}: {}", name, where.line, i + 1, json_error_message(e)));
    }
  }
  return routes;
}

std::vector<Route> load_routes_file(const std::string& path, const Route& defaults) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InvalidArgument(fmt::format("{}: cannot read: {}", path, std::strerror(errno)));
  std::ostringstream text;
  text << in.rdbuf();
  std::size_t slash = path.rfind('/');
  std::string base_dir = slash == std::string::npos ? std::string() : path.substr(0, slash == 0 ? 1 : slash);
  return parse_routes_file(text.str(), path, base_dir, defaults);
}

}  // namespace ssetool
