// Tapes (see tape.hpp for the format): the writer turns responses, events and bytes into NDJSON lines; the reader
// checks every line of a tape up front, so that a player never meets a bad line in the middle of a stream.
#include "ssetool/wire/tape.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "ssetool/base/errors.hpp"
#include "ssetool/wire/json_input.hpp"
#include "ssetool/wire/utf8.hpp"

namespace ssetool {
namespace {

using Json = nlohmann::json;
using OrderedJson = nlohmann::ordered_json;
using std::chrono::microseconds;

// ---- base64 (RFC 4648, standard alphabet, padded) ----

constexpr std::string_view kBase64Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string base64_encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    std::uint32_t group = static_cast<std::uint8_t>(bytes[i]) << 16;
    if (i + 1 < bytes.size()) group |= static_cast<std::uint8_t>(bytes[i + 1]) << 8;
    if (i + 2 < bytes.size()) group |= static_cast<std::uint8_t>(bytes[i + 2]);
    out += kBase64Alphabet[(group >> 18) & 63];
    out += kBase64Alphabet[(group >> 12) & 63];
    out += i + 1 < bytes.size() ? kBase64Alphabet[(group >> 6) & 63] : '=';
    out += i + 2 < bytes.size() ? kBase64Alphabet[group & 63] : '=';
  }
  return out;
}

// Decodes padded base64; nullopt when `text` is not exactly that.
std::optional<std::string> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::size_t padding = 0;
  while (padding < 2 && padding < text.size() && text[text.size() - 1 - padding] == '=') ++padding;
  std::string out;
  out.reserve(text.size() / 4 * 3);
  std::uint32_t group = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    bool is_padding = i >= text.size() - padding;
    std::size_t value = is_padding ? 0 : kBase64Alphabet.find(text[i]);
    if (value == std::string_view::npos) return std::nullopt;
    group = (group << 6) | static_cast<std::uint32_t>(value);
    if (i % 4 != 3) continue;
    out += static_cast<char>((group >> 16) & 0xFF);
    out += static_cast<char>((group >> 8) & 0xFF);
    out += static_cast<char>(group & 0xFF);
    group = 0;
  }
  out.resize(out.size() - padding);
  return out;
}

// ---- writing ----

// Milliseconds with up to three decimals, trailing zeros dropped: 12500us -> "12.5".
std::string format_millis(microseconds t) {
  long long us = t.count() < 0 ? 0 : t.count();
  std::string text = fmt::format("{}.{:03}", us / 1000, us % 1000);
  while (text.back() == '0') text.pop_back();
  if (text.back() == '.') text.pop_back();
  return text;
}

// A JSON line; invalid UTF-8 (only possible in headers) becomes U+FFFD rather than failing the recording.
std::string dump(const OrderedJson& line) { return line.dump(-1, ' ', false, Json::error_handler_t::replace); }

// "t" is written as a raw number so that it keeps its exact decimal form.
std::string with_time(microseconds t, const OrderedJson& rest) {
  std::string body = dump(rest);
  std::string line = "{\"t\":" + format_millis(t);
  if (body.size() > 2) line += "," + body.substr(1);
  else line += "}";
  return line;
}

// ---- reading ----

// Collects the context ("FILE:LINE") for messages about one line.
class LineError {
 public:
  LineError(const std::string& name, std::size_t line) : prefix_(fmt::format("{}:{}: ", name, line)) {}
  [[noreturn]] void fail(const std::string& what) const { throw InvalidArgument(prefix_ + what); }

 private:
  std::string prefix_;
};

const std::set<std::string> kHeaderKeys = {"tape", "status", "headers", "method", "url", "last_event_id", "started"};
const std::set<std::string> kEventKeys = {"t", "event", "id", "retry", "data", "comment"};
const std::set<std::string> kBytesKeys = {"t", "bytes", "bytes_base64"};
const std::set<std::string> kEndKeys = {"t", "end"};

void check_keys(const Json& line, const std::set<std::string>& allowed, const char* kind, const LineError& err) {
  for (const auto& [key, value] : line.items()) {
    if (!allowed.count(key)) err.fail(fmt::format("unknown key '{}' in {} line", key, kind));
  }
}

std::string string_field(const Json& line, const char* key, const LineError& err) {
  const Json& value = line.at(key);
  if (!value.is_string()) err.fail(fmt::format("'{}' must be a string", key));
  return value.get<std::string>();
}

std::optional<std::string> optional_string(const Json& line, const char* key, const LineError& err) {
  if (!line.contains(key)) return std::nullopt;
  return string_field(line, key, err);
}

void refuse_line_breaks(const std::string& value, const char* what, const LineError& err) {
  if (value.find_first_of("\r\n") != std::string::npos) err.fail(fmt::format("{} must not contain CR or LF", what));
}

std::optional<microseconds> read_time(const Json& line, const LineError& err) {
  if (!line.contains("t")) return std::nullopt;
  const Json& t = line.at("t");
  if (!t.is_number() || t.get<double>() < 0 || !std::isfinite(t.get<double>()))
    err.fail("'t' must be a number of milliseconds >= 0");
  return microseconds(std::llround(t.get<double>() * 1000.0));
}

std::pair<std::string, std::string> read_header_pair(const std::string& name, const Json& value,
                                                     const LineError& err) {
  if (!value.is_string()) err.fail(fmt::format("header '{}' must have a string value", name));
  std::string text = value.get<std::string>();
  if (name.empty()) err.fail("a header name must not be empty");
  refuse_line_breaks(name, "a header name", err);
  refuse_line_breaks(text, fmt::format("header '{}'", name).c_str(), err);
  return {name, text};
}

Headers read_headers(const Json& value, const LineError& err) {
  Headers headers;
  if (value.is_object()) {
    for (const auto& [name, text] : value.items()) headers.push_back(read_header_pair(name, text, err));
  } else if (value.is_array()) {
    for (const Json& pair : value) {
      if (!pair.is_array() || pair.size() != 2 || !pair[0].is_string())
        err.fail("'headers' must hold [name, value] pairs of strings");
      headers.push_back(read_header_pair(pair[0].get<std::string>(), pair[1], err));
    }
  } else {
    err.fail("'headers' must be an array of [name, value] pairs or an object");
  }
  return headers;
}

TapeHeader read_header(const Json& line, const LineError& err) {
  check_keys(line, kHeaderKeys, "header", err);
  const Json& version = line.at("tape");
  if (!version.is_number_integer()) err.fail("'tape' must be the integer format version");
  if (version.get<long long>() != kTapeVersion)
    err.fail(fmt::format("tape version {} is not supported (this ssetool reads version {})", version.dump(),
                         kTapeVersion));
  TapeHeader header;
  if (line.contains("status")) {
    const Json& status = line.at("status");
    if (!status.is_number_integer() || status.get<long long>() < 100 || status.get<long long>() > 599)
      err.fail("'status' must be an integer from 100 to 599");
    header.status = status.get<int>();
  }
  if (line.contains("headers")) header.headers = read_headers(line.at("headers"), err);
  header.method = optional_string(line, "method", err);
  header.url = optional_string(line, "url", err);
  header.last_event_id = optional_string(line, "last_event_id", err);
  header.started = optional_string(line, "started", err);
  return header;
}

Event read_event(const Json& line, const LineError& err) {
  check_keys(line, kEventKeys, "event", err);
  Event event;
  event.has_data = line.contains("data");
  if (event.has_data) event.data = string_field(line, "data", err);
  event.type = optional_string(line, "event", err);
  event.id = optional_string(line, "id", err);
  if (line.contains("retry")) {
    const Json& retry = line.at("retry");
    if (!retry.is_number_unsigned()) err.fail("'retry' must be an integer number of milliseconds >= 0");
    event.retry = retry.get<std::uint64_t>();
  }
  if (auto comment = optional_string(line, "comment", err)) event.comments.push_back(*comment);
  if (!event.has_data && !event.type && !event.id && !event.retry && event.comments.empty())
    err.fail("an event line needs at least one of event, id, retry, data, comment");
  try {
    validate(event);
  } catch (const InvalidEvent& e) {
    err.fail(e.what());
  }
  return event;
}

std::string read_bytes(const Json& line, const LineError& err) {
  check_keys(line, kBytesKeys, "bytes", err);
  if (line.contains("bytes") && line.contains("bytes_base64")) err.fail("give 'bytes' or 'bytes_base64', not both");
  if (line.contains("bytes")) return string_field(line, "bytes", err);
  std::optional<std::string> decoded = base64_decode(string_field(line, "bytes_base64", err));
  if (!decoded) err.fail("'bytes_base64' is not valid padded base64");
  return *decoded;
}

TapeEnd read_end(const Json& line, const LineError& err) {
  check_keys(line, kEndKeys, "end", err);
  std::string how = string_field(line, "end", err);
  for (TapeEnd candidate : {TapeEnd::complete, TapeEnd::dropped, TapeEnd::stopped}) {
    if (how == to_string(candidate)) return candidate;
  }
  err.fail(fmt::format("'end' must be \"complete\", \"dropped\" or \"stopped\", not \"{}\"", how));
}

// Builds the responses line by line, checking what depends on earlier lines (order of "t", lines after an end).
class TapeBuilder {
 public:
  explicit TapeBuilder(std::string name) : name_(std::move(name)) {}

  // Every error names the line, whatever raised it: a library exception too (1e999 is out_of_range for it).
  void add_line(std::string_view text, std::size_t number) {
    LineError err(name_, number);
    try {
      add_object(parse_object(text, err), number, err);
    } catch (const Json::exception& e) {
      err.fail(json_error_message(e));
    }
  }

  Tape take() { return std::move(tape_); }

 private:
  void add_object(const Json& line, std::size_t number, const LineError& err) {
    if (line.contains("tape")) {
      tape_.responses.push_back(TapeResponse{read_header(line, err), number, {}, {}, {}});
      last_time_.reset();
      return;
    }
    TapeResponse& response = current();
    if (response.end) err.fail("a line after the end of its response (start a new response with a header line)");
    std::optional<microseconds> at = read_time(line, err);
    check_time_order(at, err);
    if (line.contains("end")) {
      response.end = read_end(line, err);
      response.end_at = at;
    } else if (line.contains("bytes") || line.contains("bytes_base64")) {
      response.items.push_back(TapeItem{TapeItem::Kind::bytes, at, {}, read_bytes(line, err), number});
    } else {
      response.items.push_back(TapeItem{TapeItem::Kind::event, at, read_event(line, err), {}, number});
    }
  }

  static Json parse_object(std::string_view text, const LineError& err) {
    if (json_too_deep_at(text) != std::string_view::npos) err.fail("not valid JSON: " + json_too_deep_message());
    Json line;
    try {
      line = Json::parse(text);
    } catch (const Json::exception& e) {
      err.fail("not valid JSON: " + json_error_message(e));
    }
    if (!line.is_object()) err.fail("a tape line must be a JSON object");
    return line;
  }

  TapeResponse& current() {
    if (tape_.responses.empty()) tape_.responses.emplace_back();  // the implied response before any header
    return tape_.responses.back();
  }

  void check_time_order(std::optional<microseconds> at, const LineError& err) {
    if (!at) return;
    if (last_time_ && *at < *last_time_)
      err.fail(fmt::format("'t' goes backwards ({} ms after {} ms)", format_millis(*at), format_millis(*last_time_)));
    last_time_ = at;
  }

  std::string name_;
  Tape tape_;
  std::optional<microseconds> last_time_;
};

bool is_blank(std::string_view text) { return text.find_first_not_of(" \t\r") == std::string_view::npos; }

}  // namespace

// ---- public: reading ----

bool TapeResponse::has_bytes() const {
  for (const TapeItem& item : items) {
    if (item.kind == TapeItem::Kind::bytes) return true;
  }
  return false;
}

Tape parse_tape(std::string_view text, const std::string& name) {
  TapeBuilder builder(name);
  std::size_t number = 0;
  while (!text.empty()) {
    std::size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    ++number;
    if (!is_blank(line)) builder.add_line(line, number);
  }
  return builder.take();
}

Tape read_tape(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InvalidArgument(fmt::format("{}: cannot read: {}", path, std::strerror(errno)));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw InvalidArgument(fmt::format("{}: cannot read: {}", path, std::strerror(errno)));
  return parse_tape(text.str(), path);
}

bool looks_like_tape(std::string_view start_of_file) {
  std::size_t first = start_of_file.find_first_not_of(" \t\r\n");
  return first != std::string_view::npos && start_of_file[first] == '{';
}

std::string tape_timestamp(std::chrono::system_clock::time_point when) {
  auto ms = std::chrono::time_point_cast<std::chrono::milliseconds>(when);
  return fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:03}Z", std::chrono::time_point_cast<std::chrono::seconds>(ms),
                     ms.time_since_epoch().count() % 1000);
}

std::string_view to_string(TapeEnd how) {
  switch (how) {
    case TapeEnd::complete: return "complete";
    case TapeEnd::dropped: return "dropped";
    case TapeEnd::stopped: return "stopped";
  }
  return "complete";
}

// ---- public: writing ----

TapeWriter::TapeWriter(const std::string& path) : path_(path), file_(std::fopen(path.c_str(), "w")) {
  if (!file_) throw SystemError(fmt::format("{}: cannot create: {}", path, std::strerror(errno)));
}

TapeWriter::~TapeWriter() {
  if (file_) std::fclose(file_);
}

void TapeWriter::header(const TapeHeader& header) {
  OrderedJson line;
  line["tape"] = kTapeVersion;
  line["status"] = header.status;
  OrderedJson headers = OrderedJson::array();
  for (const auto& [name, value] : header.headers) headers.push_back({name, value});
  line["headers"] = headers;
  if (header.method) line["method"] = *header.method;
  if (header.url) line["url"] = *header.url;
  if (header.last_event_id) line["last_event_id"] = *header.last_event_id;
  if (header.started) line["started"] = *header.started;
  write_line(dump(line));
}

void TapeWriter::event(microseconds t, const Event& event) {
  validate(event);
  OrderedJson line = OrderedJson::object();
  if (event.type) line["event"] = *event.type;
  if (event.id) line["id"] = *event.id;
  if (event.retry) line["retry"] = *event.retry;
  if (event.has_data) line["data"] = event.data;
  std::string comments;
  for (const std::string& comment : event.comments) comments += (comments.empty() ? "" : "\n") + comment;
  if (!event.comments.empty()) line["comment"] = comments;
  write_line(with_time(t, line));
}

void TapeWriter::bytes(microseconds t, std::string_view bytes) {
  OrderedJson line;
  if (sanitize_utf8(bytes) == bytes) line["bytes"] = std::string(bytes);
  else line["bytes_base64"] = base64_encode(bytes);
  write_line(with_time(t, line));
}

void TapeWriter::end(microseconds t, TapeEnd how) {
  OrderedJson line;
  line["end"] = std::string(to_string(how));
  write_line(with_time(t, line));
}

void TapeWriter::write_line(const std::string& line) {
  if (std::fputs(line.c_str(), file_) < 0 || std::fputc('\n', file_) == EOF || std::fflush(file_) != 0)
    throw SystemError(fmt::format("{}: cannot write: {}", path_, std::strerror(errno)));
}

}  // namespace ssetool
