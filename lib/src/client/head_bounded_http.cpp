// httplib clients with a bounded response head (see head_bounded_http.hpp). httplib's ClientImpl hands every
// connection's Stream to a callback from its virtual process_socket(). That function, and the Stream classes
// behind it, are private to httplib, so the override here brings its own small Stream over the socket (and the
// SSL object httplib has already connected and verified, for https) and wraps it in the head's byte budget. The
// override of create_and_connect_socket() connects through tcp_connect() and keeps the reason of a failure.
#include "head_bounded_http.hpp"

#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <type_traits>
#include <utility>

namespace ssetool {
namespace {

// A Stream that counts the bytes httplib takes while it reads the head, and fails a read past the budget.
class HeadBoundedStream final : public httplib::Stream {
 public:
  HeadBoundedStream(httplib::Stream& inner, HeadBudget& budget) : inner_(inner), budget_(budget) {}

  bool is_readable() const override { return inner_.is_readable(); }
  bool is_writable() const override { return inner_.is_writable(); }
  ssize_t read(char* ptr, size_t size) override {
    if (!budget_.in_head()) return inner_.read(ptr, size);
    if (budget_.room() == 0) {
      budget_.mark_exceeded();
      return -1;
    }
    ssize_t n = inner_.read(ptr, std::min(size, budget_.room()));
    if (n > 0) budget_.use(static_cast<std::size_t>(n));
    return n;
  }
  ssize_t write(const char* ptr, size_t size) override { return inner_.write(ptr, size); }
  void get_remote_ip_and_port(std::string& ip, int& port) const override { inner_.get_remote_ip_and_port(ip, port); }
  void get_local_ip_and_port(std::string& ip, int& port) const override { inner_.get_local_ip_and_port(ip, port); }
  socket_t socket() const override { return inner_.socket(); }

 private:
  httplib::Stream& inner_;
  HeadBudget& budget_;
};

bool wait_for(int fd, short events, std::chrono::milliseconds timeout) {
  pollfd p{fd, events, 0};
  int n;
  do {
    n = ::poll(&p, 1, static_cast<int>(std::min<long long>(timeout.count(), INT_MAX)));
  } while (n < 0 && errno == EINTR);
  return n > 0;
}

// A Stream over the connected socket (and its SSL object for https) that httplib has set up, as httplib's own
// (not in the installed header) does it: every read and write waits with poll() up to its timeout. Reads go
// through a small buffer, since httplib reads the head a byte at a time.
class ConnectionStream final : public httplib::Stream {
 public:
  ConnectionStream(int fd, SSL* ssl, std::chrono::milliseconds read_timeout, std::chrono::milliseconds write_timeout)
      : fd_(fd), ssl_(ssl), read_timeout_(read_timeout), write_timeout_(write_timeout) {
    // As httplib does: SSL_read returns after a record without data (a session ticket) instead of blocking.
    if (ssl_) SSL_clear_mode(ssl_, SSL_MODE_AUTO_RETRY);
  }

  bool is_readable() const override { return begin_ < end_ || pending() || wait_for(fd_, POLLIN, read_timeout_); }
  bool is_writable() const override { return wait_for(fd_, POLLOUT, write_timeout_); }
  ssize_t read(char* ptr, size_t size) override {
    if (begin_ == end_) {
      if (size >= sizeof buffer_) return receive(ptr, size);
      ssize_t n = receive(buffer_, sizeof buffer_);
      if (n <= 0) return n;
      begin_ = 0;
      end_ = static_cast<std::size_t>(n);
    }
    std::size_t n = std::min(size, end_ - begin_);
    std::copy_n(buffer_ + begin_, n, ptr);
    begin_ += n;
    return static_cast<ssize_t>(n);
  }
  ssize_t write(const char* ptr, size_t size) override {
    for (;;) {
      if (!is_writable()) return -1;
      if (!ssl_) {
        ssize_t n = ::send(fd_, ptr, size, MSG_NOSIGNAL);
        if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
        return n;
      }
      int n = SSL_write(ssl_, ptr, static_cast<int>(std::min<size_t>(size, INT_MAX)));
      if (n > 0) return n;
      int error = SSL_get_error(ssl_, n);
      if (error != SSL_ERROR_WANT_READ && error != SSL_ERROR_WANT_WRITE) return -1;
    }
  }
  void get_remote_ip_and_port(std::string& ip, int& port) const override { ip.clear(), port = -1; }
  void get_local_ip_and_port(std::string& ip, int& port) const override { ip.clear(), port = -1; }
  socket_t socket() const override { return fd_; }

 private:
  bool pending() const { return ssl_ && SSL_pending(ssl_) > 0; }

  // One read from the connection: bytes, 0 at its end, -1 on an error or a timeout.
  ssize_t receive(char* ptr, size_t size) {
    for (;;) {
      if (!pending() && !wait_for(fd_, POLLIN, read_timeout_)) return -1;
      if (!ssl_) {
        ssize_t n = ::recv(fd_, ptr, size, 0);
        if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
        return n;
      }
      int n = SSL_read(ssl_, ptr, static_cast<int>(std::min<size_t>(size, INT_MAX)));
      if (n > 0) return n;
      int error = SSL_get_error(ssl_, n);
      if (error == SSL_ERROR_ZERO_RETURN) return 0;
      if (error != SSL_ERROR_WANT_READ && error != SSL_ERROR_WANT_WRITE) return -1;
    }
  }

  int fd_;
  SSL* ssl_;
  std::chrono::milliseconds read_timeout_;
  std::chrono::milliseconds write_timeout_;
  char buffer_[4096];
  std::size_t begin_ = 0;
  std::size_t end_ = 0;
};

// The Stream httplib's process_socket() would make (ClientImpl's and SSLClient's own are private), bounded.
template <class HttplibClient>
class BoundedClient final : public HttplibClient, public HeadBoundedHttp {
 public:
  BoundedClient(const Url& url, HeadBoundedOptions options)
      : HttplibClient(url.host, url.port),
        host_(url.host),
        port_(url.port),
        options_(std::move(options)),
        budget_(options_.head_limit) {}
  httplib::ClientImpl& client() override { return *this; }
  HeadBudget& budget() override { return budget_; }
  const ConnectFailure& connect_failure() const override { return failure_; }
  std::string tls_verify_error() const override {
    if constexpr (std::is_same_v<HttplibClient, httplib::SSLClient>) {
      long result = this->get_openssl_verify_result();
      if (result != X509_V_OK) return X509_verify_cert_error_string(result);
    }
    return {};
  }

 private:
  using Socket = typename HttplibClient::Socket;

  bool create_and_connect_socket(Socket& socket, httplib::Error& error) override {
    if (!this->is_valid()) {
      error = httplib::Error::Connection;
      return false;
    }
    failure_ = {};
    TcpConnectOptions connect{host_, port_, options_.connect_timeout, options_.stopping};
    int fd = tcp_connect(connect, failure_);
    if (fd < 0) {
      error = failure_.stage == ConnectFailure::Stage::stopped ? httplib::Error::Canceled : httplib::Error::Connection;
      return false;
    }
    socket.sock = fd;
    return true;
  }

  bool process_socket(const Socket& socket, std::function<bool(httplib::Stream&)> callback) override {
    ConnectionStream connection(socket.sock, socket.ssl, options_.read_timeout, options_.write_timeout);
    HeadBoundedStream bounded(connection, budget_);
    return callback(bounded);
  }

  std::string host_;
  int port_;
  HeadBoundedOptions options_;
  HeadBudget budget_;
  ConnectFailure failure_;
};

}  // namespace

std::unique_ptr<HeadBoundedHttp> make_head_bounded_client(const Url& url, HeadBoundedOptions options) {
  if (url.scheme == "https") return std::make_unique<BoundedClient<httplib::SSLClient>>(url, std::move(options));
  return std::make_unique<BoundedClient<httplib::ClientImpl>>(url, std::move(options));
}

}  // namespace ssetool
