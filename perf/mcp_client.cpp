// perf/mcp_client.cpp — the timing client of scripts/bench's `mcp` scenario (perf/mcp.mjs): one MCP session over
// raw HTTP/1.1 (POST initialize, notifications/initialized), then tools/call `echo` in sequence, each timed from
// writing its request to reading the message that answers it, then DELETE. Written in C++ so that what the round
// trips measure is the bridge: a Node client's own pauses on these two cores (its JIT compiling on a second thread,
// its event loop) added 1-3 ms at p99 to every bridge alike, more than ssetool's whole round trip.
//
//   mcp_client PORT WARMUP CALLS [--new-connection]
//
// After the warm-up calls it prints "warm" and waits for a line on stdin, so the caller can read the bridge's CPU
// time over exactly the timed calls; then it prints one JSON line, {"ms":[...],"resent":N}: each timed call's round
// trip in milliseconds, and how many requests were sent again on a new connection because the server had closed the
// kept-alive one (the time then counts from the first attempt); then it ends the session with DELETE. Keep-alive connections by default (as the SDK
// clients use), or a new connection per request with --new-connection. Any failure: one line on stderr, exit 1.
//
//   g++ -std=c++20 -O2 -o mcp_client perf/mcp_client.cpp
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <algorithm>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;
constexpr const char* kProtocol = "2025-11-25";

struct Failure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The server closed (or reset) a connection before sending any byte of a response: worth one resend.
struct ClosedEarly : Failure {
  using Failure::Failure;
};

struct Response {
  int status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::optional<json> answer;                   // the message whose id was asked for
  Clock::time_point answered{};
  bool close = false;  // the server ends the connection after this response
};

// One TCP connection to 127.0.0.1:port, with what has been read and not yet used.
class Connection {
 public:
  explicit Connection(int port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    if (fd_ < 0) throw Failure(std::string("socket: ") + std::strerror(errno));
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    timeval timeout{30, 0};  // every read bounded
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
      throw Failure(std::string("connect: ") + std::strerror(errno));
  }
  ~Connection() { ::close(fd_); }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  void write_all(const std::string& bytes) {
    for (size_t done = 0; done < bytes.size();) {
      ssize_t n = ::send(fd_, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) throw ClosedEarly(std::string("send: ") + std::strerror(errno));
      done += static_cast<size_t>(n);
    }
  }

  // Reads more bytes into the buffer; false at the end of the stream (or a reset).
  bool read_more() {
    char chunk[65536];
    for (;;) {
      ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
      if (n > 0) {
        buffer.append(chunk, static_cast<size_t>(n));
        return true;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) throw Failure("no response within 30 s");
      return false;
    }
  }

  std::string buffer;
  bool used = false;  // a response has been read on it: a reused keep-alive connection

 private:
  int fd_;
};

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Hands each complete message of a response body to `found`: a text/event-stream body's `data:` events as they
// complete, or a JSON body at its end.
class MessageReader {
 public:
  explicit MessageReader(bool sse) : sse_(sse) {}

  template <typename Found>
  void push(const std::string& bytes, Found found) {
    pending_ += bytes;
    if (!sse_) return;
    for (size_t end; (end = event_end(pending_)) != std::string::npos;) {
      std::string event = pending_.substr(0, end);
      pending_.erase(0, end);
      while (!pending_.empty() && (pending_[0] == '\r' || pending_[0] == '\n')) pending_.erase(0, 1);
      std::string data;
      for (size_t at = 0; at < event.size();) {
        size_t eol = event.find('\n', at);
        std::string line = event.substr(at, eol == std::string::npos ? std::string::npos : eol - at);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.rfind("data:", 0) == 0) data += line.substr(line.size() > 5 && line[5] == ' ' ? 6 : 5);
        at = eol == std::string::npos ? event.size() : eol + 1;
      }
      if (!data.empty()) found(json::parse(data));
    }
  }

  template <typename Found>
  void end(Found found) {
    if (!sse_ && pending_.find_first_not_of(" \r\n\t") != std::string::npos) found(json::parse(pending_));
  }

 private:
  static size_t event_end(const std::string& s) {
    size_t lf = s.find("\n\n"), crlf = s.find("\r\n\r\n");
    return std::min(lf, crlf);
  }

  bool sse_;
  std::string pending_;
};

// Reads one response from `c`; the message with JSON-RPC id `wanted` (when given) is kept with the time it arrived.
Response read_response(Connection& c, std::optional<int> wanted) {
  size_t head_end;
  while ((head_end = c.buffer.find("\r\n\r\n")) == std::string::npos)
    if (!c.read_more()) {
      if (c.buffer.empty()) throw ClosedEarly("the server closed the connection");
      throw Failure("the server closed the connection within a response head");
    }
  Response r;
  std::string head = c.buffer.substr(0, head_end);
  c.buffer.erase(0, head_end + 4);
  r.status = std::stoi(head.substr(head.find(' ') + 1, 3));
  for (size_t at = head.find("\r\n"); at != std::string::npos;) {
    size_t next = head.find("\r\n", at + 2);
    std::string line = head.substr(at + 2, next == std::string::npos ? std::string::npos : next - at - 2);
    size_t colon = line.find(':');
    if (colon != std::string::npos)
      r.headers[lower(line.substr(0, colon))] = line.substr(line.find_first_not_of(' ', colon + 1));
    at = next;
  }
  r.close = lower(r.headers["connection"]) == "close";
  MessageReader reader(r.headers["content-type"].find("text/event-stream") != std::string::npos);
  auto found = [&](const json& m) {
    if (wanted && !r.answer && m.contains("id") && m["id"] == *wanted && (m.contains("result") || m.contains("error"))) {
      r.answer = m;
      r.answered = Clock::now();
    }
  };
  auto need = [&](size_t bytes) {
    while (c.buffer.size() < bytes)
      if (!c.read_more()) throw Failure("the server closed the connection within a response body");
  };
  if (r.headers.count("content-length")) {
    size_t length = std::stoul(r.headers["content-length"]);
    need(length);
    reader.push(c.buffer.substr(0, length), found);
    c.buffer.erase(0, length);
  } else if (lower(r.headers["transfer-encoding"]) == "chunked") {
    for (;;) {
      size_t eol;
      while ((eol = c.buffer.find("\r\n")) == std::string::npos) need(c.buffer.size() + 1);
      size_t size = std::stoul(c.buffer.substr(0, eol), nullptr, 16);
      need(eol + 2 + size + 2);
      reader.push(c.buffer.substr(eol + 2, size), found);
      c.buffer.erase(0, eol + 2 + size + 2);
      if (size == 0) break;
    }
  } else if (r.status != 202 && r.status != 204) {  // a body that ends with the connection
    for (reader.push(c.buffer, found), c.buffer.clear(); c.read_more(); c.buffer.clear()) reader.push(c.buffer, found);
    r.close = true;
  }
  reader.end(found);
  return r;
}

class Session {
 public:
  Session(int port, bool new_connection) : port_(port), new_connection_(new_connection) {}

  // Sends one request (with `body` as JSON when given) and reads its response; a request that met a kept-alive
  // connection the server had already closed is sent once more on a new one.
  Response send(const std::string& method, const std::optional<json>& body, std::optional<int> wanted) {
    std::string text = body ? body->dump() : "";
    std::string request = method + " /mcp HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port_) + "\r\n";
    if (method == "POST")
      request += "Content-Type: application/json\r\nAccept: application/json, text/event-stream\r\n";
    if (!id_.empty()) request += "Mcp-Session-Id: " + id_ + "\r\nMCP-Protocol-Version: " + kProtocol + "\r\n";
    if (new_connection_) request += "Connection: close\r\n";
    request += "Content-Length: " + std::to_string(text.size()) + "\r\n\r\n" + text;
    for (int attempt = 0;; ++attempt) {
      if (!connection_ || new_connection_) connection_ = std::make_unique<Connection>(port_);
      bool reused = connection_->used;
      try {
        connection_->write_all(request);
        Response r = read_response(*connection_, wanted);
        connection_->used = true;
        if (r.close || new_connection_) connection_.reset();
        return r;
      } catch (const ClosedEarly&) {
        connection_.reset();
        if (!reused || attempt > 0) throw;
        ++resent;
      }
    }
  }

  void open() {
    json init = {{"jsonrpc", "2.0"}, {"id", next_id_}, {"method", "initialize"},
                 {"params", {{"protocolVersion", kProtocol}, {"capabilities", json::object()},
                             {"clientInfo", {{"name", "ssetool-bench"}, {"version", "1.0.0"}}}}}};
    Response r = send("POST", init, next_id_++);
    if (r.status != 200 || !r.answer) throw Failure("initialize: HTTP " + std::to_string(r.status));
    id_ = r.headers["mcp-session-id"];
    if (id_.empty()) throw Failure("initialize: no Mcp-Session-Id in the answer");
    Response n = send("POST", json{{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}}, std::nullopt);
    if (n.status != 202) throw Failure("notifications/initialized: HTTP " + std::to_string(n.status));
  }

  // One tools/call of `echo`; its round trip in milliseconds.
  double call(const std::string& text) {
    int id = next_id_++;
    json request = {{"jsonrpc", "2.0"}, {"id", id}, {"method", "tools/call"},
                    {"params", {{"name", "echo"}, {"arguments", {{"text", text}}}}}};
    auto t0 = Clock::now();
    Response r = send("POST", request, id);
    if (r.status != 200 || !r.answer) throw Failure("tools/call: HTTP " + std::to_string(r.status) + ", no answer");
    const json& answer = *r.answer;
    if (!answer.contains("result") || answer["result"]["content"][0]["text"] != text)
      throw Failure("tools/call: wrong answer " + answer.dump());
    return std::chrono::duration<double, std::milli>(r.answered - t0).count();
  }

  void close() {
    Response r = send("DELETE", std::nullopt, std::nullopt);
    if (r.status != 200 && r.status != 204) throw Failure("DELETE: HTTP " + std::to_string(r.status));
  }

  int resent = 0;

 private:
  int port_;
  bool new_connection_;
  std::unique_ptr<Connection> connection_;
  std::string id_;
  int next_id_ = 1;
};

int run(int port, int warmup, int calls, bool new_connection) {
  Session session(port, new_connection);
  session.open();
  for (int i = 0; i < warmup; ++i) session.call("warm-up " + std::to_string(i));
  std::cout << "warm" << std::endl;
  std::string line;
  std::getline(std::cin, line);
  session.resent = 0;
  std::vector<double> ms;
  ms.reserve(static_cast<size_t>(calls));
  for (int i = 0; i < calls; ++i) ms.push_back(session.call("call " + std::to_string(i)));
  std::cout << json{{"ms", ms}, {"resent", session.resent}}.dump() << std::endl;
  session.close();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4 || argc > 5 || (argc == 5 && std::string(argv[4]) != "--new-connection")) {
    std::cerr << "usage: mcp_client PORT WARMUP CALLS [--new-connection]\n";
    return 2;
  }
  try {
    return run(std::stoi(argv[1]), std::stoi(argv[2]), std::stoi(argv[3]), argc == 5);
  } catch (const std::exception& e) {
    std::cerr << "mcp_client: " << e.what() << "\n";
    return 1;
  }
}
