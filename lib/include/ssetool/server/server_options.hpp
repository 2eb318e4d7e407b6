// The options every ssetool server shares (pipe, serve, replay), and parsing of listen addresses.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "ssetool/wire/headers.hpp"
#include "ssetool/wire/request.hpp"

namespace ssetool {

struct ListenAddress {
  enum Kind { tcp, unix_socket } kind = tcp;
  std::string host = "127.0.0.1";  // without brackets
  int port = 8080;
  std::string path;  // unix socket path
  enum Scheme { no_scheme, http, https } scheme = no_scheme;  // as written: whether the URL said https

  // "HOST:PORT", ":PORT" (all IPv4 interfaces), "[::1]:PORT", "PORT", "unix:PATH", and the same as a URL the way
  // users type it: "http://HOST:PORT", "https://HOST" (port 80/443 when none), one trailing '/' allowed. A path
  // ("http://host:8080/events"), another scheme or an IPv6 address without brackets throws InvalidArgument.
  // Whether https:// matches the TLS options is for the caller to check.
  static ListenAddress parse(const std::string& text);
};

enum class Verbosity { quiet, normal, verbose };

// Values /metrics shows that the application owns, not the server (0 when it has none: serve, replay).
struct ApplicationMetrics {
  std::uint64_t events_published = 0;
  std::uint64_t history_length = 0;
  std::string more;  // further metrics of the application, in the text format (HELP and TYPE lines included)
};

struct ServerOptions {
  ListenAddress listen;
  std::string port_file;                           // written atomically once accepting
  std::string path = "/events";                    // where the event stream is served
  std::chrono::microseconds heartbeat{15'000'000};  // 0: off
  std::optional<std::chrono::milliseconds> retry;  // `retry:` sent at stream start
  std::size_t max_clients = 0;                     // 0: derived from the descriptor limit
  std::size_t client_buffer = 4 << 20;             // bytes waiting for one client before it is dropped
  std::vector<std::string> cors_origins;           // "*" allowed
  std::string cors_methods = "GET, POST, OPTIONS";  // a preflight's Access-Control-Allow-Methods
  // A preflight's Access-Control-Allow-Headers when it names none (Access-Control-Request-Headers is echoed).
  std::string cors_headers = "Authorization, Last-Event-ID, Content-Type, Cache-Control";
  std::string cors_expose_headers;                 // Access-Control-Expose-Headers for an allowed Origin ("": none)
  std::string token;                               // required as Bearer or access_token when set
  // Requests the application authorizes itself instead of `token` (pipe's POST with --publish-token): nullopt
  // leaves the request to `token`, else whether it is authorized (401 when not). Runs on the loop (on the head,
  // before any body) and on workers: thread-safe. Empty: `token` decides for every request.
  std::function<std::optional<bool>(const Request&)> own_auth;
  // Asked on each GET /healthz (any thread): a reason makes it answer 503 with that reason ("backplane down").
  std::function<std::optional<std::string>()> unhealthy;
  Headers extra_headers;                           // on every response
  std::string tls_cert, tls_key;
  Verbosity verbosity = Verbosity::normal;
  std::chrono::microseconds grace{2'000'000};      // shutdown: time to flush before streams are cut
  std::size_t workers = 4;                         // threads answering short requests
  // Stream loops (--threads): 1 runs every stream on the server's loop; N adds N - 1 loops on threads of their own
  // and spreads the streams over all N (server.hpp). An application whose stream handlers are not safe on any
  // loop keeps 1.
  std::size_t stream_loops = 1;
  std::chrono::milliseconds request_timeout{30'000};  // a whole request (head and body) must arrive within this
  std::size_t max_body = 8 << 20;                  // largest request body read (Content-Length or chunked); 413 beyond
  // Request body bytes held at once by all connections (being read, or waiting for/at a worker); a request
  // that would go over it gets 503 + Retry-After. 0: max(32 MiB, max_body).
  std::size_t body_budget = 0;
  // Whether a request to this (decoded) path may carry a body the application reads; one that may not is
  // answered 404 before its body is read. Runs on the loop. Empty: every path may.
  std::function<bool(const std::string& path)> body_path;
  // Requests whose handler never blocks (it answers at once or with Reply::later): answered on the loop itself,
  // its bytes written by the loop, instead of on a worker (two thread hand-offs less: serve --mcp's tool calls).
  // Asked on the loop with the complete request's method and headers. Empty: every request goes to a worker.
  std::function<bool(const std::string& method, const Headers& headers)> answer_on_loop;
  std::function<void(const std::string&)> log;     // one line, no newline; stderr in the CLI
  // Asked for on each GET /metrics, on a worker thread: it must be thread-safe (read atomics). May be empty.
  std::function<ApplicationMetrics()> application_metrics;
};

// Parses "Name: value" for -H. Throws InvalidArgument (missing colon, CR, LF or another control character in
// it, or a framing or hop-by-hop header: Content-Length, Transfer-Encoding, Connection, Keep-Alive, Upgrade).
std::pair<std::string, std::string> parse_header_option(const std::string& text);

// Checks one --cors value ("*" or an origin) as -H values are: no control characters (CR, LF...), no spaces or
// commas (one origin per value). Throws InvalidArgument.
void check_cors_origin(const std::string& origin);

}  // namespace ssetool
