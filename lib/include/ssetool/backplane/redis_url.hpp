// The address of the Redis server behind --backplane: redis://[[USER]:PASSWORD@]HOST[:PORT][/DB]. The password
// is kept for AUTH but never shown: display() is the URL without it, for messages and logs.
#pragma once

#include <string>

namespace ssetool {

struct RedisUrl {
  std::string host;      // without brackets for IPv6
  int port = 6379;
  std::string user;      // "" for the default user (AUTH PASSWORD)
  std::string password;  // "" for none
  int db = 0;

  // Throws InvalidArgument naming what is wrong ("--backplane 'http://x': expected redis://...").
  static RedisUrl parse(const std::string& text);
  // "redis://HOST:PORT/DB" (the password, if any, as "***").
  std::string display() const;
};

}  // namespace ssetool
