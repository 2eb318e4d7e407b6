// The credential digest of a request (see mcp/credential.hpp).
#include "ssetool/mcp/credential.hpp"

#include <fmt/core.h>
#include <openssl/sha.h>

namespace ssetool {

std::string credential_of(const Request& req) {
  std::string token;
  if (auto auth = req.header("Authorization"); auth && auth->rfind("Bearer ", 0) == 0) token = auth->substr(7);
  else if (auto param = req.param("access_token")) token = *param;
  if (token.empty()) return "";
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(token.data()), token.size(), digest);
  std::string hex;
  for (unsigned char b : digest) hex += fmt::format("{:02x}", b);
  return hex;
}

}  // namespace ssetool
