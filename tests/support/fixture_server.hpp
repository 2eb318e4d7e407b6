// testsupport::FixtureServer — a scripted HTTP(S) server on 127.0.0.1 (port 0) for testing clients such as
// `ssetool listen`. Each request gets the next scripted response (the last one repeats once the script runs
// out): a status, headers, and either a plain body or a chunked stream of pieces with delays that ends cleanly,
// drops the connection, or holds it open until the server stops. Every request is recorded (method, path,
// headers, body) so a test can check what the client sent, e.g. its Last-Event-ID on reconnection.
//
//   testsupport::FixtureServer server;
//   server.add(FixtureResponse::stream({{0ms, "id: 1\ndata: a\n\n"}}, FixtureResponse::Ending::drop));
//   server.add(FixtureResponse::no_body(204));
//   ... run the client against server.url("/events") ...
//   REQUIRE(server.wait_for_requests(2));
//   CHECK(server.requests()[1].header("Last-Event-ID") == "1");
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "process.hpp"     // kDefaultTimeout
#include "sse_client.hpp"  // Headers, find_header

namespace httplib {
class Server;
}

namespace testsupport {

struct FixtureChunk {
  std::chrono::milliseconds delay{0};  // waited before sending, after the previous piece
  std::string bytes;                   // sent in one write (one HTTP chunk); empty: only the delay
};

struct FixtureResponse {
  enum class Ending {
    complete,  // the final zero-length chunk
    drop,      // close the connection without it
    hold,      // keep the connection open (silent) until the server is stopped or release_held() is called
  };

  int status = 200;
  std::string content_type = "text/event-stream";
  Headers headers;                   // extra response headers
  bool streamed = true;              // true: chunked, from `chunks`; false: `body` with a Content-Length
  std::vector<FixtureChunk> chunks;
  Ending ending = Ending::complete;
  std::string body;

  // A 200 text/event-stream response sent as these pieces.
  static FixtureResponse stream(std::vector<FixtureChunk> chunks, Ending ending = Ending::complete);
  // A non-streamed response: status, content type and body (204 sends no body).
  static FixtureResponse plain(int status, std::string content_type, std::string body);
  static FixtureResponse no_body(int status) { return plain(status, "text/plain", ""); }
};

struct RecordedRequest {
  std::string method;
  std::string path;    // without the query
  std::string target;  // as sent, with the query
  Headers headers;
  std::string body;
  std::chrono::steady_clock::time_point at;  // when the request arrived
  std::optional<std::string> header(std::string_view name) const { return find_header(headers, name); }
};

class FixtureServer {
 public:
  // Plain HTTP.
  FixtureServer();
  // HTTPS with this certificate and key (PEM files; see certificate.hpp).
  FixtureServer(const std::string& cert_path, const std::string& key_path);
  ~FixtureServer();
  FixtureServer(const FixtureServer&) = delete;
  FixtureServer& operator=(const FixtureServer&) = delete;

  int port() const { return port_; }
  // "http://127.0.0.1:PORT" + path (https for a TLS server).
  std::string url(const std::string& path = "/events") const;

  // Appends a response to the script. Safe while requests are being served.
  void add(FixtureResponse response);

  // Ends (cleanly) every held stream whose response has begun: those holding now, and those that reach their
  // hold later. Responses that begin after this call hold until the next call.
  void release_held();

  std::vector<RecordedRequest> requests() const;
  // Waits until at least `n` requests have arrived.
  bool wait_for_requests(std::size_t n, std::chrono::milliseconds timeout = kDefaultTimeout);

 // Internal: the script, the recorded requests and the stop flag, shared with httplib's worker threads.
  struct Shared;

 private:

  void start();

  std::unique_ptr<httplib::Server> server_;
  std::shared_ptr<Shared> shared_;
  std::thread thread_;
  int port_ = 0;
  bool tls_ = false;
};

}  // namespace testsupport
