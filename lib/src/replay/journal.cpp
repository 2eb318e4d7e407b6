// The request journal of `ssetool replay` (see replay/journal.hpp).
#include "ssetool/replay/journal.hpp"

#include <cerrno>
#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>

#include "ssetool/base/errors.hpp"
#include "ssetool/wire/tape.hpp"
#include "ssetool/wire/utf8.hpp"

namespace ssetool {
namespace {

using OrderedJson = nlohmann::ordered_json;

std::string lower(const std::string& text) {
  std::string out = text;
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

OrderedJson headers_object(const Headers& headers, const std::set<std::string>& redacted) {
  OrderedJson out = OrderedJson::object();
  for (const auto& [name, value] : headers) {
    std::string key = lower(name);
    if (redacted.count(key)) out[key] = kRedacted;
    else if (out.contains(key)) out[key] = out[key].get<std::string>() + ", " + value;
    else out[key] = value;
  }
  return out;
}

OrderedJson query_object(const Headers& query, const std::set<std::string>& redacted) {
  OrderedJson out = OrderedJson::object();
  for (const auto& [name, value] : query) out[name] = redacted.count(name) ? kRedacted : value;
  return out;
}

}  // namespace

std::string journal_line(const JournalEntry& e, const JournalRedaction& redaction) {
  OrderedJson line;
  line["request"] = e.request;
  line["time"] = tape_timestamp(e.time);
  line["method"] = e.http.method;
  line["path"] = e.http.path;
  line["query"] = query_object(e.http.query, redaction.query);
  line["headers"] = headers_object(e.http.headers, redaction.headers);
  line["body"] = sanitize_utf8(e.http.body);
  line["route"] = e.route ? OrderedJson(*e.route) : OrderedJson(nullptr);
  if (!e.route_name.empty()) line["route_name"] = e.route_name;
  line["status"] = e.status;
  if (e.last_event_id) {
    line["last_event_id"] = *e.last_event_id;
    line["resumed"] = e.resumed;
  }
  line["events"] = e.events;
  line["ended"] = e.ended;
  line["duration_ms"] = std::round(static_cast<double>(e.duration.count()) / 100.0) / 10.0;
  return line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Journal::Journal(const std::string& path, JournalRedaction redaction)
    : redaction_(std::move(redaction)), file_(std::fopen(path.c_str(), "w")) {
  if (!file_) throw SystemError("--journal " + path + ": " + std::strerror(errno));
}

Journal::~Journal() {
  if (file_) std::fclose(file_);
}

void Journal::write(const JournalEntry& entry) {
  std::string line = journal_line(entry, redaction_) + "\n";
  std::lock_guard lock(mutex_);
  if (std::fwrite(line.data(), 1, line.size(), file_) != line.size() || std::fflush(file_) != 0) failed_ = true;
}

bool Journal::failed() const {
  std::lock_guard lock(mutex_);
  return failed_;
}

}  // namespace ssetool
