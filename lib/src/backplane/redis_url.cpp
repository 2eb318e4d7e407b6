// Parsing a redis:// URL (see backplane/redis_url.hpp).
#include "ssetool/backplane/redis_url.hpp"

#include <charconv>

#include "ssetool/base/errors.hpp"

namespace ssetool {
namespace {

constexpr const char* kForm = "expected redis://[:PASSWORD@]HOST[:PORT][/DB]";

int number(const std::string& text, int max, const std::string& url, const char* what) {
  int value = -1;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size() || value < 0 || value > max)
    throw InvalidArgument("'" + url + "': bad " + what + " '" + text + "' (" + kForm + ")");
  return value;
}

}  // namespace

RedisUrl RedisUrl::parse(const std::string& text) {
  const std::string scheme = "redis://";
  if (text.rfind(scheme, 0) != 0) throw InvalidArgument("'" + text + "': " + kForm);
  for (unsigned char c : text)
    if (c < 0x21 || c == 0x7f) throw InvalidArgument("'" + text + "': a space or control character in the URL");
  RedisUrl url;
  std::string rest = text.substr(scheme.size());
  if (auto slash = rest.find('/'); slash != std::string::npos) {
    std::string db = rest.substr(slash + 1);
    if (!db.empty()) url.db = number(db, 1 << 20, text, "database");
    rest.resize(slash);
  }
  if (auto at = rest.rfind('@'); at != std::string::npos) {
    std::string credentials = rest.substr(0, at);
    rest = rest.substr(at + 1);
    auto colon = credentials.find(':');
    if (colon == std::string::npos) throw InvalidArgument("'" + text + "': the password must follow a ':'");
    url.user = credentials.substr(0, colon);
    url.password = credentials.substr(colon + 1);
  }
  std::string port;
  bool has_port = false;
  if (!rest.empty() && rest[0] == '[') {
    auto close = rest.find(']');
    if (close == std::string::npos) throw InvalidArgument("'" + text + "': an unclosed '[' in the host");
    url.host = rest.substr(1, close - 1);
    if (close + 1 < rest.size()) {
      if (rest[close + 1] != ':') throw InvalidArgument("'" + text + "': " + kForm);
      port = rest.substr(close + 2);
      has_port = true;
    }
  } else {
    auto colon = rest.find(':');
    url.host = rest.substr(0, colon);
    if (colon != std::string::npos) {
      port = rest.substr(colon + 1);
      has_port = true;
    }
  }
  if (url.host.empty()) throw InvalidArgument("'" + text + "': no host (" + kForm + ")");
  if (has_port) url.port = number(port, 65535, text, "port");
  return url;
}

std::string RedisUrl::display() const {
  std::string host_text = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  std::string credentials = password.empty() ? "" : user + ":***@";
  return "redis://" + credentials + host_text + ":" + std::to_string(port) + "/" + std::to_string(db);
}

}  // namespace ssetool
