// Input format decoders (see sources/event_decoder.hpp).
#include "ssetool/sources/event_decoder.hpp"

#include <nlohmann/json.hpp>

#include "ssetool/base/errors.hpp"
#include "ssetool/wire/json_input.hpp"
#include "ssetool/wire/parser.hpp"
#include "ssetool/wire/utf8.hpp"

namespace ssetool {
namespace {

using json = nlohmann::ordered_json;  // objects keep their keys in input order when sent as data

std::string compact(const json& value) { return value.dump(-1, ' ', false, json::error_handler_t::replace); }

class LinesDecoder final : public EventDecoder {
 public:
  explicit LinesDecoder(std::optional<std::string> type) : type_(std::move(type)) {}
  void line(std::string_view text, std::vector<Event>& out) override {
    Event e;
    e.data = sanitize_utf8(text);
    e.type = type_;
    out.push_back(std::move(e));
  }

 private:
  std::optional<std::string> type_;
};

class NdjsonDecoder final : public EventDecoder {
 public:
  explicit NdjsonDecoder(std::optional<std::string> type) : type_(std::move(type)) {}

  // A bad line throws InvalidArgument, whatever is wrong with it: the caller reports it with its line number.
  void line(std::string_view text, std::vector<Event>& out) override {
    if (text.find_first_not_of(" \t\r") == std::string_view::npos) return;  // blank lines carry nothing
    if (std::size_t deep = json_too_deep_at(text); deep != std::string_view::npos)
      throw InvalidLine(deep + 1, "invalid JSON: " + json_too_deep_message());
    Event e;
    e.type = type_;
    try {
      json value = json::parse(text);
      if (value.is_object() && is_event_object(value)) from_object(value, e);
      else e.data = compact(value);
    } catch (const json::parse_error& error) {  // a syntax error, invalid UTF-8...
      throw InvalidLine(error.byte, "invalid JSON: " + json_syntax_reason(error));
    } catch (const json::exception& error) {  // a number out of range (1e999)...
      throw InvalidArgument("invalid JSON: " + json_error_message(error));
    }
    validate(e);
    out.push_back(std::move(e));
  }

 private:
  static bool is_event_object(const json& v) {
    for (const char* key : {"event", "data", "id", "retry", "comment"})
      if (v.contains(key)) return true;
    return false;
  }

  static std::string string_field(const json& v, const char* key) {
    if (!v.at(key).is_string()) throw InvalidArgument(std::string("\"") + key + "\" must be a string");
    return v.at(key).get<std::string>();
  }

  static void from_object(const json& v, Event& e) {
    if (v.contains("data")) e.data = v["data"].is_string() ? v["data"].get<std::string>() : compact(v["data"]);
    else e.has_data = false;
    if (v.contains("event")) e.type = string_field(v, "event");
    if (v.contains("id")) e.id = v["id"].is_number_integer() ? compact(v["id"]) : string_field(v, "id");
    if (v.contains("retry")) {
      if (!v["retry"].is_number_unsigned()) throw InvalidArgument("\"retry\" must be a non-negative integer");
      e.retry = v["retry"].get<std::uint64_t>();
    }
    if (v.contains("comment")) e.comments.push_back(string_field(v, "comment"));
  }

  std::optional<std::string> type_;
};

class SseDecoder final : public EventDecoder {
 public:
  SseDecoder()
      : parser_(Parser::Callbacks{[this](ParsedEvent&& p) { on_event(std::move(p)); }, nullptr, nullptr}) {}

  void line(std::string_view text, std::vector<Event>& out) override {
    out_ = &out;
    parser_.feed(text);
    parser_.feed("\n");
  }
  void finish(std::vector<Event>& out) override {
    out_ = &out;
    parser_.finish();
  }
  bool event_pending() const override { return parser_.event_pending(); }

 private:
  void on_event(ParsedEvent&& p) {
    Event e;
    e.data = std::move(p.data);
    if (p.type != "message") e.type = std::move(p.type);
    if (p.id_in_block) e.id = p.last_event_id;
    e.retry = p.retry;
    out_->push_back(std::move(e));
  }

  Parser parser_;
  std::vector<Event>* out_ = nullptr;
};

}  // namespace

InputFormat parse_input_format(const std::string& name) {
  if (name == "lines") return InputFormat::lines;
  if (name == "ndjson") return InputFormat::ndjson;
  if (name == "sse") return InputFormat::sse;
  throw InvalidArgument("--format '" + name + "': expected lines, ndjson or sse");
}

std::unique_ptr<EventDecoder> EventDecoder::create(InputFormat format, std::optional<std::string> event_type) {
  switch (format) {
    case InputFormat::lines: return std::make_unique<LinesDecoder>(std::move(event_type));
    case InputFormat::ndjson: return std::make_unique<NdjsonDecoder>(std::move(event_type));
    case InputFormat::sse: return std::make_unique<SseDecoder>();
  }
  return nullptr;
}

}  // namespace ssetool
