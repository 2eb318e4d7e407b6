// The CGI-style environment of a `serve` child (see serve/cgi_environment.hpp).
#include "ssetool/serve/cgi_environment.hpp"

#include <set>
#include <utility>

#include "ssetool/wire/percent_decoding.hpp"

extern char** environ;

namespace ssetool {
namespace {

constexpr const char* kDefaultPath = "/usr/local/bin:/usr/bin:/bin";

using Variables = std::vector<std::pair<std::string, std::string>>;

std::string_view name_of(std::string_view entry) { return entry.substr(0, entry.find('=')); }

// SCRIPT_NAME and PATH_INFO: the stream's base path, and what the request's path adds to it.
std::pair<std::string, std::string> split_script_path(const std::string& path, const std::string& base) {
  std::string script = base == "/" ? "" : base;
  if (path.size() >= script.size() && path.compare(0, script.size(), script) == 0)
    return {script, path.substr(script.size())};
  return {script, path};
}

bool is_credential_header(const std::string& name) { return header_name_equals(name, "Authorization"); }

// HTTP_<NAME> for each header; repeated headers are joined with ", " as CGI does.
void add_header_variables(const Request& request, const CgiOptions& options, Variables& vars) {
  for (const auto& [name, value] : request.headers) {
    if (header_name_equals(name, "Proxy")) continue;  // "httpoxy": HTTP_PROXY would configure the child's proxy
    if (is_credential_header(name) && !options.pass_auth) continue;
    std::string var = cgi_header_variable(name);
    bool merged = false;
    for (auto& [existing, text] : vars)
      if (existing == var) {
        text += ", " + value;
        merged = true;
      }
    if (!merged) vars.emplace_back(std::move(var), value);
  }
}

Variables request_variables(const Request& request, const CgiOptions& options) {
  std::string query = options.pass_auth ? request.query_string
                                        : remove_query_parameter(request.query_string, "access_token");
  auto [script, path_info] = split_script_path(request.path, options.script_name);
  Variables vars = {
      {"REQUEST_METHOD", request.method},
      {"REQUEST_URI", request.path + (query.empty() ? "" : "?" + query)},
      {"SCRIPT_NAME", script},
      {"PATH_INFO", path_info},
      {"QUERY_STRING", query},
      {"REMOTE_ADDR", request.remote_addr},
      {"REMOTE_PORT", std::to_string(request.remote_port)},
      {"SERVER_PORT", std::to_string(request.local_port)},
      {"SSE_SESSION_ID", options.session_id},
  };
  if (options.last_event_id) vars.emplace_back("LAST_EVENT_ID", *options.last_event_id);
  add_header_variables(request, options, vars);
  return vars;
}

}  // namespace

std::string cgi_header_variable(std::string_view header_name) {
  std::string var = "HTTP_";
  for (char c : header_name) {
    if (c >= 'a' && c <= 'z') var += static_cast<char>(c - 'a' + 'A');
    else if ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) var += c;
    else var += '_';
  }
  return var;
}

std::vector<std::string> cgi_environment(const Request& request, const CgiOptions& options,
                                         const std::vector<std::string>& parent) {
  Variables vars = request_variables(request, options);
  std::set<std::string, std::less<>> ours;
  for (const auto& [name, value] : vars) ours.insert(name);

  std::vector<std::string> env;
  if (options.clear) {
    std::string path = kDefaultPath;
    for (const auto& entry : parent)
      if (name_of(entry) == "PATH") path = entry.substr(5);
    env.push_back("PATH=" + path);
  } else {
    for (const auto& entry : parent)
      if (!ours.contains(name_of(entry))) env.push_back(entry);
  }
  for (const auto& [name, value] : vars) env.push_back(name + "=" + value);
  return env;
}

std::vector<std::string> current_environment() {
  std::vector<std::string> env;
  for (char** e = environ; e && *e; ++e) env.emplace_back(*e);
  return env;
}

}  // namespace ssetool
