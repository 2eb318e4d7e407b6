// httplib clients (plain and TLS) whose response head — status line and headers — is read through a byte
// budget: httplib 0.11.4 reads header lines without a bound on their number, so a server sending endless header
// lines would grow the client without limit. Each connection's Stream is wrapped; while the head is being read,
// a read past the budget fails (httplib then reports Error::Read) and head_exceeded() says why. The response
// handler calls end_head() when httplib hands it the complete head: from then on reads pass straight through.
//
// The TCP connect is tcp_connect.hpp's rather than httplib's, so that a failed connect keeps its reason
// (connect_failure()); a TLS certificate that does not verify keeps OpenSSL's (tls_verify_error()).
//
// Private to the client part (it names httplib types). One object per request: redirects are followed by the
// caller, each hop on a fresh object, so every hop is bounded.
//
//   auto http = make_head_bounded_client(url, {.head_limit = 64 * 1024});
//   request.response_handler = [&](const httplib::Response&) { http->end_head(); ... };
//   http->client().send(request, response, error);
//   if (http->head_exceeded()) ...
#pragma once

#include <httplib.h>

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <memory>

#include "ssetool/client/url.hpp"
#include "tcp_connect.hpp"

namespace ssetool {

// The byte budget of one response head.
class HeadBudget {
 public:
  explicit HeadBudget(std::size_t limit) : limit_(limit) {}
  bool in_head() const { return in_head_; }
  std::size_t room() const { return limit_ - used_; }
  void use(std::size_t n) { used_ += n; }
  void end_head() { in_head_ = false; }
  void mark_exceeded() { exceeded_ = true; }
  bool exceeded() const { return exceeded_; }
  std::size_t limit() const { return limit_; }

 private:
  std::size_t limit_;
  std::size_t used_ = 0;
  bool in_head_ = true;
  bool exceeded_ = false;
};

class HeadBoundedHttp {
 public:
  virtual ~HeadBoundedHttp() = default;
  virtual httplib::ClientImpl& client() = 0;
  virtual HeadBudget& budget() = 0;
  // Why the last connect failed (Stage::none when it did not).
  virtual const ConnectFailure& connect_failure() const = 0;
  // OpenSSL's reason when the server's certificate did not verify ("self-signed certificate"); empty otherwise.
  virtual std::string tls_verify_error() const = 0;
  void end_head() { budget().end_head(); }
  bool head_exceeded() { return budget().exceeded(); }
};

struct HeadBoundedOptions {
  std::size_t head_limit = 64 * 1024;
  std::chrono::milliseconds connect_timeout{10000};
  std::chrono::milliseconds read_timeout{5000};  // bounds every read (TLS reads included)
  std::chrono::milliseconds write_timeout{5000};
  std::function<bool()> stopping = {};  // a connect in progress gives up when this turns true
};

// A plain client for http URLs, a TLS client for https.
std::unique_ptr<HeadBoundedHttp> make_head_bounded_client(const Url& url, HeadBoundedOptions options);

}  // namespace ssetool
