// Shared server flags (see server_flags.hpp).
#include "server_flags.hpp"

#include <csignal>
#include <fmt/core.h>

#include "ssetool/base/errors.hpp"
#include "ssetool/base/units.hpp"

namespace ssetool::cli {
namespace {

// Re-throws a parse error with the flag's name in front.
template <typename T, typename F>
T with_flag(const char* flag, const std::string& value, F parse) {
  try {
    return parse(value);
  } catch (const InvalidArgument& e) {
    throw InvalidArgument(std::string(flag) + ": " + e.what());
  }
}

}  // namespace

void ServerFlags::add_to(CLI::App& app) {
  app.add_option("-l,--listen", listen, "Address to listen on: HOST:PORT, :PORT, [::1]:PORT, PORT, unix:PATH; port 0 picks a free port")
      ->capture_default_str()->group("Server options");
  app.add_option("--port-file", port_file, "Write the port to FILE (atomically) once accepting")->group("Server options");
  app.add_option("-p,--path", path, "URL path of the event stream")->capture_default_str()->group("Server options");
  app.add_option("--heartbeat", heartbeat, "Comment line after this much silence on a stream (0: off)")
      ->capture_default_str()->group("Server options");
  app.add_option("--retry", retry, "Send 'retry:' with this reconnection delay at stream start (e.g. 3s)")
      ->group("Server options");
  app.add_option("--max-clients", max_clients, "Streams open at once; more get 503 + Retry-After (default: from the descriptor limit)")
      ->group("Server options");
  app.add_option("--client-buffer", client_buffer, "Bytes waiting for one client before it is dropped as slow")
      ->capture_default_str()->group("Server options");
  app.add_option("--cors", cors, "Allow this origin (repeatable; * for any): CORS headers and preflight")
      ->group("Server options");
  app.add_option("--token", token, "Require 'Authorization: Bearer TOKEN' or ?access_token=TOKEN (else 401)")
      ->envname("SSETOOL_TOKEN")->group("Server options");
  app.add_option("-H,--header", headers, "Extra response header 'Name: value' (repeatable)")->group("Server options");
  app.add_option("--tls-cert", tls_cert, "Serve HTTPS with this PEM certificate chain")->group("Server options");
  app.add_option("--tls-key", tls_key, "The PEM private key for --tls-cert")->group("Server options");
  app.add_option("--max-body", max_body,
                 "Largest request body read (Content-Length or chunked); a larger one gets 413 before it is read")
      ->type_name("SIZE")->capture_default_str()->group("Server options");
  app.add_option("--grace", grace, "On SIGINT/SIGTERM, time for streams to flush before they are cut")
      ->capture_default_str()->group("Server options");
  app.add_flag("-v,--verbose", verbose, "Log every stream opened and closed on stderr")->group("Server options");
  app.add_flag("-q,--quiet", quiet, "Log nothing but errors")->group("Server options");
}

ServerOptions ServerFlags::options(const std::string& subcommand) const {
  ServerOptions o;
  o.listen = ListenAddress::parse(listen);
  o.port_file = port_file;
  if (path.empty() || path[0] != '/') throw InvalidArgument("--path '" + path + "': must start with '/'");
  for (char c : path)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
      throw InvalidArgument("--path: control characters are not allowed in a path");
  o.path = path;
  o.heartbeat = with_flag<std::chrono::microseconds>("--heartbeat", heartbeat, parse_duration);
  if (!retry.empty())
    o.retry = std::chrono::duration_cast<std::chrono::milliseconds>(
        with_flag<std::chrono::microseconds>("--retry", retry, parse_duration));
  o.max_clients = max_clients;
  o.client_buffer = with_flag<std::uint64_t>("--client-buffer", client_buffer, parse_size);
  for (const auto& origin : cors) check_cors_origin(origin);
  o.cors_origins = cors;
  o.token = token;
  for (const auto& h : headers) o.extra_headers.push_back(parse_header_option(h));
  o.tls_cert = tls_cert;
  o.tls_key = tls_key;
  o.grace = with_flag<std::chrono::microseconds>("--grace", grace, parse_duration);
  o.max_body = with_flag<std::uint64_t>("--max-body", max_body, parse_size);
  o.verbosity = quiet ? Verbosity::quiet : verbose ? Verbosity::verbose : Verbosity::normal;
  o.log = [subcommand](const std::string& line) { fmt::print(stderr, "ssetool: {}: {}\n", subcommand, line); };
  return o;
}

void check_event_name(const char* flag, const std::string& name) {
  if (name.find_first_of("\r\n") != std::string::npos)
    throw InvalidArgument(std::string(flag) + " '" + name + "': an event type cannot contain CR or LF");
}

void prepare_server_process() { block_signals({SIGINT, SIGTERM}); }

void announce(const std::string& url, const ServerOptions& options) {
  if (options.verbosity == Verbosity::quiet) return;
  fmt::print(stderr, "ssetool: serving {} (events at {})\n", url, options.path);
}

}  // namespace ssetool::cli
