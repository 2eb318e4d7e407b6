// Shared server flags (see server_flags.hpp).
#include "server_flags.hpp"

#include <csignal>
#include <memory>
#include <unistd.h>
#include <fmt/core.h>

#include "ssetool/base/errors.hpp"
#include "ssetool/base/log_writer.hpp"
#include "flag_values.hpp"

namespace ssetool::cli {
namespace {

constexpr std::uint64_t kMaxLoops = 256;  // --threads: more is a typo, not a machine

// The TLS flags come as a pair, and a listen URL's scheme must agree with them.
void check_tls(const ListenAddress& listen, const std::string& text, const std::string& cert, const std::string& key) {
  if (!key.empty() && cert.empty()) throw InvalidArgument("--tls-key: needs --tls-cert, which is not given");
  if (!cert.empty() && key.empty()) throw InvalidArgument("--tls-cert: needs --tls-key, which is not given");
  if (listen.scheme == ListenAddress::https && cert.empty())
    throw InvalidArgument("--listen '" + text + "': https needs --tls-cert FILE and --tls-key FILE");
  if (listen.scheme == ListenAddress::http && !cert.empty())
    throw InvalidArgument("--listen '" + text + "': --tls-cert serves https, not http");
}

}  // namespace

void ServerFlags::add_to(CLI::App& app) {
  auto option = [&app](const char* name, std::string& value, const char* type, const char* help) {
    return app.add_option(name, value, help)->type_name(type)->group("Server options");
  };
  option("-l,--listen", listen, "ADDR",
         "Address to listen on: HOST:PORT, :PORT, [::1]:PORT, PORT, http://HOST:PORT, unix:PATH; port 0 picks a free "
         "port")->capture_default_str();
  option("--port-file", port_file, "FILE", "Write the port to FILE (atomically) once accepting");
  option("-p,--path", path, "PATH", "URL path of the event stream")->capture_default_str();
  option("--heartbeat", heartbeat, "DURATION", "Comment line after this much silence on a stream (0: off)")
      ->capture_default_str();
  option("--retry", retry, "DURATION", "Send 'retry:' with this reconnection delay at stream start (e.g. 3s)");
  option("--max-clients", max_clients, "N",
         "Streams open at once (>= 1); more get 503 + Retry-After (default: from the descriptor limit)");
  option("--client-buffer", client_buffer, "SIZE", "Bytes waiting for one client before it is dropped as slow")
      ->capture_default_str();
  app.add_option("--cors", cors, "Allow this origin (repeatable; * for any): CORS headers and preflight")
      ->type_name("ORIGIN")->group("Server options");
  option("--token", token, "TOKEN", "Require 'Authorization: Bearer TOKEN' or ?access_token=TOKEN (else 401)")
      ->envname("SSETOOL_TOKEN");
  app.add_option("-H,--header", headers, "Extra response header 'Name: value' (repeatable)")
      ->type_name("'NAME: VALUE'")->group("Server options");
  option("--tls-cert", tls_cert, "FILE", "Serve HTTPS with this PEM certificate chain (needs --tls-key)");
  option("--tls-key", tls_key, "FILE", "The PEM private key for --tls-cert");
  option("--max-body", max_body, "SIZE",
         "Largest request body read (Content-Length or chunked); a larger one gets 413 before it is read")
      ->capture_default_str();
  option("--body-budget", body_budget, "SIZE",
         "All request bodies being read at once; one that would go over gets 503 + Retry-After "
         "(default: the larger of 32MiB and --max-body)");
  option("--grace", grace, "DURATION", "On SIGINT/SIGTERM, time for streams to flush before they are cut")
      ->capture_default_str();
  if (offers_threads)
    option("--threads", threads, "N",
           fmt::format("Stream loops (threads writing streams), 1 to {}; streams are spread over them (default: the "
                       "CPUs this process may run on, at most {})", kMaxLoops, kMaxDefaultLoops)
               .c_str());
  app.add_flag("-v,--verbose", verbose, "Log more: bytes per stream, Last-Event-ID, every command started (serve)")
      ->group("Server options");
  app.add_flag("-q,--quiet", quiet, "Log nothing but errors (no per-client lines)")->group("Server options");
}

ServerOptions ServerFlags::options(const std::string& subcommand) const {
  ServerOptions o;
  o.listen = ListenAddress::parse(listen);
  check_tls(o.listen, listen, tls_cert, tls_key);
  if (quiet && verbose) throw InvalidArgument("-q and -v: give one or the other");
  o.port_file = port_file;
  if (path.empty() || path[0] != '/') throw InvalidArgument("--path '" + path + "': must start with '/'");
  for (char c : path)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
      throw InvalidArgument("--path: control characters are not allowed in a path");
  o.path = path;
  o.heartbeat = duration_flag("--heartbeat", heartbeat);
  if (!retry.empty())
    o.retry = std::chrono::duration_cast<std::chrono::milliseconds>(
        duration_flag("--retry", retry));
  if (!max_clients.empty()) o.max_clients = count_flag("--max-clients", max_clients, 1);
  o.client_buffer = size_flag("--client-buffer", client_buffer, 1);
  for (const auto& origin : cors) check_cors_origin(origin);
  o.cors_origins = cors;
  o.token = token;
  for (const auto& h : headers) o.extra_headers.push_back(parse_header_option(h));
  o.tls_cert = tls_cert;
  o.tls_key = tls_key;
  o.grace = duration_flag("--grace", grace);
  if (offers_threads) o.stream_loops = threads.empty() ? default_loop_count() : count_flag("--threads", threads, 1);
  if (o.stream_loops > kMaxLoops)
    throw InvalidArgument(fmt::format("--threads {}: at most {} stream loops", threads, kMaxLoops));
  o.max_body = size_flag("--max-body", max_body);
  if (!body_budget.empty()) {
    o.body_budget = size_flag("--body-budget", body_budget, 1);
    if (o.body_budget < o.max_body)
      throw InvalidArgument(fmt::format("--body-budget {}: must be at least --max-body ({})", body_budget, max_body));
  }
  o.verbosity = quiet ? Verbosity::quiet : verbose ? Verbosity::verbose : Verbosity::normal;
  // Lines written by a thread of their own: a stderr nobody reads must not stall the loop (base/log_writer.hpp).
  auto writer = std::make_shared<LogWriter>(STDERR_FILENO);
  o.log = [subcommand, writer](const std::string& line) {
    writer->write(fmt::format("ssetool: {}: {}", subcommand, line));
  };
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
