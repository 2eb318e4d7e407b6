// The directory of `replay --record DIR` (see replay/record_store.hpp).
#include "ssetool/replay/record_store.hpp"

#include <fmt/format.h>

#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <system_error>

#include "ssetool/base/errors.hpp"
#include "ssetool/wire/json_input.hpp"

namespace ssetool {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

constexpr std::size_t kMaxNamePart = 48;

// Letters and digits in lower case, and '_'; any run of other characters ('.' and '/' included) becomes one '-'.
std::string file_name_part(const std::string& text) {
  std::string out;
  for (char c : text) {
    unsigned char u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '_') out += static_cast<char>(std::tolower(u));
    else if (!out.empty() && out.back() != '-') out += '-';
    if (out.size() >= kMaxNamePart) break;
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out.empty() ? "root" : out;
}

// The number a recorded tape's name starts with ("0007-..." -> 7), or 0.
std::uint64_t leading_number(const std::string& name) {
  std::size_t digits = 0;
  while (digits < name.size() && digits < 18 && std::isdigit(static_cast<unsigned char>(name[digits]))) ++digits;
  if (digits == 0 || digits >= name.size() || name[digits] != '-') return 0;
  return std::stoull(name.substr(0, digits));
}

Json match_for(const Request& request) {
  Json match = {{"method", request.method}, {"path", request.path}};
  if (!request.query.empty()) {
    Json query = Json::object();
    for (const auto& [name, value] : request.query) query[name] = value;
    match["query"] = query;
  }
  if (request.body.empty()) return match;
  Json body = json_too_deep_at(request.body) == std::string::npos ? Json::parse(request.body, nullptr, false)
                                                                  : Json(Json::value_t::discarded);
  if (!body.is_discarded()) match["json"] = Json{{"", body}};
  else match["body_contains"] = request.body;
  return match;
}

Json read_routes(const std::string& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return Json::array();
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  if (!in) throw SystemError(fmt::format("{}: cannot read", path));
  Json routes = Json::parse(text.str(), nullptr, false);
  if (!routes.is_array()) throw InvalidArgument(fmt::format("{}: not a JSON array of routes", path));
  return routes;
}

void write_atomically(const std::string& path, const std::string& text) {
  std::string temporary = path + ".partial";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out << text;
    out.flush();
    if (!out) throw SystemError(fmt::format("{}: cannot write", temporary));
  }
  std::error_code ec;
  fs::rename(temporary, path, ec);
  if (ec) throw SystemError(fmt::format("{}: cannot rename to {}: {}", temporary, path, ec.message()));
}

}  // namespace

RecordStore::RecordStore(std::string dir) : dir_(std::move(dir)) {
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec || !fs::is_directory(dir_, ec))
    throw SystemError(fmt::format("{}: cannot create the directory: {}", dir_, ec ? ec.message() : "not a directory"));
  read_routes(routes_path());  // a broken routes.json is found now, not after the first exchange
  for (const auto& entry : fs::directory_iterator(dir_, ec))
    counter_ = std::max(counter_, leading_number(entry.path().filename().string()));
}

std::string RecordStore::routes_path() const { return (fs::path(dir_) / kRecordRoutesFile).string(); }

RecordedTape RecordStore::new_tape(const Request& request) {
  std::lock_guard lock(mutex_);
  std::string name = fmt::format("{:04}-{}-{}.tape", ++counter_, file_name_part(request.method),
                                 file_name_part(request.path));
  fs::path dir(dir_);
  return {name, (dir / name).string(), (dir / ("." + name + ".partial")).string()};
}

void RecordStore::save(const RecordedTape& tape, const Request& request) {
  std::lock_guard lock(mutex_);
  std::error_code ec;
  fs::rename(tape.partial_path, tape.path, ec);
  if (ec) throw SystemError(fmt::format("{}: cannot rename to {}: {}", tape.partial_path, tape.path, ec.message()));
  Json routes = read_routes(routes_path());
  Json route = {{"name", request.method + " " + request.path}, {"match", match_for(request)}, {"recording", tape.name}};
  bool replaced = false;
  for (Json& old : routes) {
    if (!old.is_object() || old.value("match", Json()) != route["match"]) continue;
    std::string old_tape = old.value("recording", std::string());
    if (!old_tape.empty() && old_tape.find('/') == std::string::npos && old_tape != tape.name)
      fs::remove(fs::path(dir_) / old_tape, ec);
    old = route;
    replaced = true;
    break;
  }
  if (!replaced) routes.push_back(route);
  write_atomically(routes_path(), routes.dump(2) + "\n");
}

void RecordStore::discard(const RecordedTape& tape) {
  std::error_code ec;
  fs::remove(tape.partial_path, ec);
}

}  // namespace ssetool
