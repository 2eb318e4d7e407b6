// TLS for `ssetool bench` (see bench/tls.hpp).
#include "ssetool/bench/tls.hpp"

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "ssetool/base/errors.hpp"
#include "ssetool/loop/transport.hpp"

namespace ssetool {
namespace {

bool is_ip_address(const std::string& host) {
  unsigned char buffer[16];
  return inet_pton(AF_INET, host.c_str(), buffer) == 1 || inet_pton(AF_INET6, host.c_str(), buffer) == 1;
}

}  // namespace

BenchTlsContext::BenchTlsContext(const BenchTlsOptions& options) : verify_(!options.insecure) {
  ctx_ = SSL_CTX_new(TLS_client_method());
  if (!ctx_) throw SystemError("cannot create a TLS context: " + tls_error_text());
  SSL_CTX_set_min_proto_version(ctx_, TLS1_2_VERSION);
  SSL_CTX_set_mode(ctx_, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  // A server that closes without close_notify ends the stream (read() returns 0); the response's framing (chunked,
  // Content-Length) still tells a complete response from a cut one.
  SSL_CTX_set_options(ctx_, SSL_OP_IGNORE_UNEXPECTED_EOF);
  if (!verify_) {
    SSL_CTX_set_verify(ctx_, SSL_VERIFY_NONE, nullptr);
    return;
  }
  SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);
  int loaded = options.ca_file.empty() ? SSL_CTX_set_default_verify_paths(ctx_)
                                       : SSL_CTX_load_verify_locations(ctx_, options.ca_file.c_str(), nullptr);
  if (loaded != 1) {
    std::string why = tls_error_text();
    SSL_CTX_free(ctx_);
    if (options.ca_file.empty()) throw SystemError("cannot load the system's trusted certificates: " + why);
    throw InvalidArgument("--cacert " + options.ca_file + ": cannot load the certificates (" + why + ")");
  }
}

BenchTlsContext::~BenchTlsContext() { SSL_CTX_free(ctx_); }

BenchTlsSession::BenchTlsSession(const BenchTlsContext& context, int fd, const std::string& host)
    : ssl_(SSL_new(context.get())) {
  if (!ssl_) throw SystemError("cannot create a TLS session: " + tls_error_text());
  SSL_set_fd(ssl_, fd);
  SSL_set_connect_state(ssl_);
  bool ip = is_ip_address(host);
  if (!ip) SSL_set_tlsext_host_name(ssl_, host.c_str());
  if (context.verifies()) {
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl_);
    if (ip) X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str());
    else SSL_set1_host(ssl_, host.c_str());
  }
}

BenchTlsSession::~BenchTlsSession() { SSL_free(ssl_); }

BenchTlsSession::Step BenchTlsSession::handshake() {
  ERR_clear_error();
  int ret = SSL_do_handshake(ssl_);
  if (ret == 1) return last_ = Step::done;
  int error = SSL_get_error(ssl_, ret);
  if (error == SSL_ERROR_WANT_READ) return last_ = Step::want_read;
  if (error == SSL_ERROR_WANT_WRITE) return last_ = Step::want_write;
  long verify = SSL_get_verify_result(ssl_);
  if (verify != X509_V_OK) error_ = std::string("certificate: ") + X509_verify_cert_error_string(verify);
  else if (error == SSL_ERROR_SYSCALL && ERR_peek_error() == 0)
    error_ = ret == 0 ? "connection closed by the server" : std::string(std::strerror(errno));
  else error_ = tls_error_text();
  return last_ = Step::failed;
}

ssize_t BenchTlsSession::finish(int ret) {
  last_ = Step::done;
  if (ret > 0) return ret;
  switch (SSL_get_error(ssl_, ret)) {
    case SSL_ERROR_ZERO_RETURN: return 0;
    case SSL_ERROR_WANT_READ: last_ = Step::want_read; errno = EAGAIN; return -1;
    case SSL_ERROR_WANT_WRITE: last_ = Step::want_write; errno = EAGAIN; return -1;
    case SSL_ERROR_SYSCALL:
      if (ERR_peek_error() == 0 && (ret == 0 || errno == 0)) return 0;  // closed without close_notify
      if (errno == 0) errno = EPROTO;
      return -1;
    default: errno = EPROTO; return -1;
  }
}

ssize_t BenchTlsSession::read(char* buffer, std::size_t length) {
  ERR_clear_error();
  return finish(SSL_read(ssl_, buffer, static_cast<int>(length)));
}

ssize_t BenchTlsSession::write(const char* data, std::size_t length) {
  ERR_clear_error();
  return finish(SSL_write(ssl_, data, static_cast<int>(length)));
}

}  // namespace ssetool
