// TLS for `ssetool bench` on https:// URLs: the client context shared by every connection of a run (how the
// server's certificate is checked) and one connection's TLS session over its non-blocking socket (OpenSSL).
#pragma once

#include <string>
#include <sys/types.h>

typedef struct ssl_ctx_st SSL_CTX;
typedef struct ssl_st SSL;

namespace ssetool {

// How the server's certificate is checked.
struct BenchTlsOptions {
  std::string ca_file;    // PEM file of the certificates to trust; empty: the system's default trust store
  bool insecure = false;  // no verification at all (a self-signed server, for measurement only)
};

// The client context of a run. Throws InvalidArgument naming --cacert when the file cannot be loaded.
class BenchTlsContext {
 public:
  explicit BenchTlsContext(const BenchTlsOptions& options);
  ~BenchTlsContext();
  BenchTlsContext(const BenchTlsContext&) = delete;
  BenchTlsContext& operator=(const BenchTlsContext&) = delete;
  SSL_CTX* get() const { return ctx_; }
  bool verifies() const { return verify_; }

 private:
  SSL_CTX* ctx_ = nullptr;
  bool verify_ = true;
};

// One connection's TLS session. `host` is sent as SNI (unless an IP address) and, when the context verifies, is
// what the certificate must name (a DNS name or an IP address).
class BenchTlsSession {
 public:
  enum class Step { done, want_read, want_write, failed };

  BenchTlsSession(const BenchTlsContext& context, int fd, const std::string& host);
  ~BenchTlsSession();
  BenchTlsSession(const BenchTlsSession&) = delete;
  BenchTlsSession& operator=(const BenchTlsSession&) = delete;

  // Advances the handshake; after `failed`, error() says why (the verification error when there is one).
  Step handshake();
  // > 0 bytes, 0 the server ended the connection, -1 with errno EAGAIN (wait per last_step()) or an error.
  ssize_t read(char* buffer, std::size_t length);
  ssize_t write(const char* data, std::size_t length);
  Step last_step() const { return last_; }
  const std::string& error() const { return error_; }

 private:
  ssize_t finish(int ret);

  SSL* ssl_ = nullptr;
  Step last_ = Step::done;
  std::string error_;
};

}  // namespace ssetool
