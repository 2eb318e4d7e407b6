// A connection's byte transport, plain TCP/Unix or TLS, always non-blocking. The stream loop writes
// through it; a worker thread uses it (with poll) while httplib answers a request. It owns the socket.
#pragma once

#include <memory>
#include <string>
#include <sys/types.h>
#include <sys/uio.h>

typedef struct ssl_ctx_st SSL_CTX;
typedef struct ssl_st SSL;

namespace ssetool {

enum class IoWait { none, read, write };  // what a call that returned -1/EAGAIN waits for

class Transport {
 public:
  explicit Transport(int fd) : fd_(fd) {}
  virtual ~Transport();
  Transport(const Transport&) = delete;
  Transport& operator=(const Transport&) = delete;

  int fd() const { return fd_; }
  // > 0 bytes, 0 end of stream, -1 error or would block (errno EAGAIN; see last_wait()).
  virtual ssize_t read(char* buf, size_t len);
  virtual ssize_t writev(const iovec* iov, int count);
  virtual bool has_buffered_input() const { return false; }
  // Ends the connection cleanly (TLS close_notify), then the socket is closed by the destructor.
  virtual void shutdown() {}
  IoWait last_wait() const { return wait_; }

 protected:
  int fd_;
  IoWait wait_ = IoWait::none;
};

// The oldest OpenSSL error queued on this thread, as text (taken off the queue); "unknown TLS error" when none.
std::string tls_error_text();

// A server-side TLS context from a certificate chain and a private key (PEM files).
class TlsContext {
 public:
  // Throws InvalidArgument naming the file when it cannot be read or the key does not match.
  TlsContext(const std::string& cert_file, const std::string& key_file);
  ~TlsContext();
  SSL_CTX* get() const { return ctx_; }

 private:
  SSL_CTX* ctx_ = nullptr;
};

enum class Handshake { done, want_read, want_write, failed };

class TlsTransport : public Transport {
 public:
  TlsTransport(int fd, const TlsContext& ctx);
  ~TlsTransport() override;
  Handshake handshake();
  ssize_t read(char* buf, size_t len) override;
  ssize_t writev(const iovec* iov, int count) override;
  bool has_buffered_input() const override;
  void shutdown() override;

 private:
  ssize_t finish_io(int ret);
  SSL* ssl_ = nullptr;
  std::string staging_;  // SSL_write needs one buffer: the gathered iovecs
};

}  // namespace ssetool
