// The control API of `ssetool replay --control` (see replay/control_api.hpp).
#include "ssetool/replay/control_api.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <optional>

#include <nlohmann/json.hpp>

#include "ssetool/base/errors.hpp"
#include "ssetool/replay/pushed_events.hpp"
#include "ssetool/server/policy.hpp"

namespace ssetool {
namespace {

using Json = nlohmann::ordered_json;

Reply json_reply(int status, const Json& value) {
  Reply reply = Reply::text(status, value.dump() + "\n");
  reply.content_type = "application/json";
  return reply;
}

Reply bad_request(const std::string& why) { return Reply::text(400, "ssetool replay: control API: " + why + "\n"); }

Reply wrong_method(const char* allowed) {
  Reply reply = Reply::text(405, fmt::format("ssetool replay: control API: use {}\n", allowed));
  reply.headers.emplace_back("Allow", allowed);
  return reply;
}

std::optional<std::uint64_t> optional_count(const Json& body, const char* key) {
  if (!body.contains(key) || body[key].is_null()) return std::nullopt;
  if (!body[key].is_number_unsigned())
    throw InvalidArgument(fmt::format("faults: \"{}\" must be a whole number >= 0 or null", key));
  return body[key].get<std::uint64_t>();
}

// The body of POST /_ssetool/faults (see the header). Throws InvalidArgument.
ScopeFaults parse_faults(const std::string& text) {
  Json body = Json::parse(text.empty() ? std::string("{}") : text, nullptr, false);
  if (body.is_discarded() || !body.is_object()) throw InvalidArgument("faults: the body must be a JSON object");
  for (const auto& [key, value] : body.items())
    if (key != "fail_next" && key != "status" && key != "drop_after" && key != "stall_after")
      throw InvalidArgument("faults: unknown key \"" + key + "\" (expected fail_next, status, drop_after, stall_after)");
  ScopeFaults faults;
  faults.fail_next = optional_count(body, "fail_next").value_or(0);
  if (std::optional<std::uint64_t> status = optional_count(body, "status")) {
    if (*status < 100 || *status > 599) throw InvalidArgument("faults: \"status\" must be from 100 to 599");
    faults.fail_status = static_cast<int>(*status);
  }
  faults.drop_after = optional_count(body, "drop_after");
  faults.stall_after = optional_count(body, "stall_after");
  return faults;
}

Json faults_json(const ScopeFaults& faults) {
  Json out;
  out["fail_next"] = faults.fail_next;
  out["status"] = faults.fail_status;
  out["drop_after"] = faults.drop_after ? Json(*faults.drop_after) : Json(nullptr);
  out["stall_after"] = faults.stall_after ? Json(*faults.stall_after) : Json(nullptr);
  return out;
}

}  // namespace

bool is_control_path(const std::string& path) { return path == "/_ssetool" || path.starts_with(kControlPrefix); }

Reply control_api_off() {
  return Reply::text(404, "ssetool replay: /_ssetool/ is the control API, which is off (start replay with --control)\n");
}

ControlApi::ControlApi(std::string token, ReplayResponder& responder)
    : token_(std::move(token)), responder_(responder) {
  if (token_.empty()) throw InvalidArgument("the control API needs a token");
}

bool ControlApi::authorized(const Request& request) const {
  std::optional<std::string> auth = request.header("Authorization");
  if (!auth || !auth->starts_with("Bearer ")) return false;
  return same_secret(auth->substr(7), token_);
}

Reply ControlApi::handle(const Request& request) {
  std::string endpoint = request.path.substr(std::min(request.path.size(), std::string(kControlPrefix).size()));
  std::optional<std::string> test = request.param("test");
  if (test && test->empty()) return bad_request("test=: empty (name an X-Test-Id, or leave test= out)");
  bool get = request.method == "GET", post = request.method == "POST";
  std::string scope = test.value_or("");
  if (endpoint == "health") return get ? health() : wrong_method("GET");
  if (endpoint == "journal") return get ? journal(scope) : wrong_method("GET");
  if (endpoint == "reset") return post ? reset(request) : wrong_method("POST");
  if (endpoint == "push") return post ? push(request) : wrong_method("POST");
  if (endpoint == "faults") return post ? faults(request, scope) : wrong_method("POST");
  return Reply::text(404, "ssetool replay: control API: no endpoint " + request.path +
                              " (health, journal, reset, push, faults under /_ssetool/)\n");
}

Reply ControlApi::health() {
  Json out;
  out["status"] = "ok";
  out["scopes"] = responder_.scopes().scope_count();
  out["streams"] = responder_.scopes().stream_count();
  return json_reply(200, out);
}

Reply ControlApi::journal(const std::string& scope) {
  std::string body;
  for (const std::string& line : responder_.scopes().journal(scope)) body += line + "\n";
  Reply reply = Reply::text(200, std::move(body));
  reply.content_type = "application/x-ndjson";
  return reply;
}

Reply ControlApi::reset(const Request& request) {
  std::optional<std::string> test = request.param("test");
  responder_.scopes().reset(test);
  if (!test) responder_.reset_counters();
  Json out;
  out["reset"] = test ? Json(*test) : Json("all");
  return json_reply(200, out);
}

Reply ControlApi::push(const Request& request) {
  std::vector<Frame> frames;
  try {
    frames = parse_pushed_events(request.body, is_ndjson_body(request));
  } catch (const InvalidArgument& e) {
    return bad_request(e.what());
  }
  std::size_t events = frames.size();
  auto shared = std::make_shared<const std::vector<Frame>>(std::move(frames));
  std::size_t streams = responder_.scopes().push(request.param("test"), request.param("path"), shared);
  Json out;
  out["events"] = events;
  out["streams"] = streams;
  return json_reply(200, out);
}

Reply ControlApi::faults(const Request& request, const std::string& scope) {
  ScopeFaults faults;
  try {
    faults = parse_faults(request.body);
  } catch (const InvalidArgument& e) {
    return bad_request(e.what());
  }
  responder_.scopes().set_faults(scope, faults);
  Json out = faults_json(faults);
  out["test"] = scope;
  return json_reply(200, out);
}

}  // namespace ssetool
