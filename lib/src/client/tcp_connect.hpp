// The TCP connect of the SSE client, done here rather than by httplib so that a failure keeps its reason: httplib
// 0.11.4 reports every resolver and connect error as Error::Connection ("cannot connect"), where a user needs
// curl's "name or service not known" or "connection refused", and the host and port it was for.
//
// Private to the client part (head_bounded_http.cpp calls it from httplib's create_and_connect_socket).
//
//   ConnectFailure failure;
//   int fd = tcp_connect({.host = "127.0.0.1", .port = 8080, .timeout = 10s}, failure);
//   if (fd < 0) log(failure.message);   // "connect 127.0.0.1:8080: connection refused"
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <string_view>

namespace ssetool {

struct TcpConnectOptions {
  std::string host;  // a name, or a numeric address (IPv6 without brackets)
  int port = 0;
  std::chrono::milliseconds timeout{10000};  // for each address the name resolves to
  std::function<bool()> stopping = {};       // checked every 100 ms while connecting: true gives up at once
};

struct ConnectFailure {
  enum class Stage { none, resolve, connect, stopped };
  Stage stage = Stage::none;
  bool name_unknown = false;  // resolve: the name does not exist (EAI_NONAME), a definite answer
  std::string message;        // "resolve HOST: ..." or "connect HOST:PORT: ...", lower case as curl's
};

// True for "invalid" and names under it ("nonexistent.invalid"): RFC 6761 says they never resolve, and that a
// resolver library should say so at once rather than ask the network.
bool is_invalid_name(std::string_view host);

// "HOST:PORT", with brackets around an IPv6 address.
std::string host_port(const std::string& host, int port);

// A connected, blocking, close-on-exec socket, or -1 with `failure` saying why. When a name has several
// addresses, each is tried in turn; the failure is the last one's.
int tcp_connect(const TcpConnectOptions& options, ConnectFailure& failure);

}  // namespace ssetool
