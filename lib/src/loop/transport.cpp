// Plain and TLS transports (see loop/transport.hpp).
#include "ssetool/loop/transport.hpp"

#include <cerrno>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ssetool/base/errors.hpp"

namespace ssetool {

Transport::~Transport() {
  if (fd_ >= 0) ::close(fd_);
}

ssize_t Transport::read(char* buf, size_t len) {
  ssize_t n = ::recv(fd_, buf, len, 0);
  wait_ = (n < 0 && errno == EAGAIN) ? IoWait::read : IoWait::none;
  return n;
}

ssize_t Transport::writev(const iovec* iov, int count) {
  msghdr msg{};
  msg.msg_iov = const_cast<iovec*>(iov);
  msg.msg_iovlen = static_cast<size_t>(count);
  ssize_t n = ::sendmsg(fd_, &msg, MSG_NOSIGNAL);
  if (n < 0 && errno == ENOTSOCK) n = ::writev(fd_, iov, count);  // a pipe, in tests
  wait_ = (n < 0 && errno == EAGAIN) ? IoWait::write : IoWait::none;
  return n;
}

std::string tls_error_text() {
  unsigned long code = ERR_get_error();
  if (code == 0) return "unknown TLS error";
  char text[256];
  ERR_error_string_n(code, text, sizeof text);
  return text;
}

TlsContext::TlsContext(const std::string& cert_file, const std::string& key_file) {
  ctx_ = SSL_CTX_new(TLS_server_method());
  if (!ctx_) throw SystemError("cannot create a TLS context: " + tls_error_text());
  SSL_CTX_set_min_proto_version(ctx_, TLS1_2_VERSION);
  SSL_CTX_set_mode(ctx_, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  if (SSL_CTX_use_certificate_chain_file(ctx_, cert_file.c_str()) != 1) {
    std::string why = tls_error_text();
    SSL_CTX_free(ctx_);
    throw InvalidArgument("--tls-cert " + cert_file + ": cannot load the certificate (" + why + ")");
  }
  if (SSL_CTX_use_PrivateKey_file(ctx_, key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    std::string why = tls_error_text();
    SSL_CTX_free(ctx_);
    throw InvalidArgument("--tls-key " + key_file + ": cannot load the private key (" + why + ")");
  }
  if (SSL_CTX_check_private_key(ctx_) != 1) {
    SSL_CTX_free(ctx_);
    throw InvalidArgument("--tls-key " + key_file + " does not match the certificate in " + cert_file);
  }
}

TlsContext::~TlsContext() { SSL_CTX_free(ctx_); }

TlsTransport::TlsTransport(int fd, const TlsContext& ctx) : Transport(fd), ssl_(SSL_new(ctx.get())) {
  if (!ssl_) throw SystemError("cannot create a TLS session: " + tls_error_text());
  SSL_set_fd(ssl_, fd);
  SSL_set_accept_state(ssl_);
}

TlsTransport::~TlsTransport() { SSL_free(ssl_); }

Handshake TlsTransport::handshake() {
  ERR_clear_error();
  int ret = SSL_do_handshake(ssl_);
  if (ret == 1) return Handshake::done;
  switch (SSL_get_error(ssl_, ret)) {
    case SSL_ERROR_WANT_READ: return Handshake::want_read;
    case SSL_ERROR_WANT_WRITE: return Handshake::want_write;
    default: return Handshake::failed;
  }
}

ssize_t TlsTransport::finish_io(int ret) {
  wait_ = IoWait::none;
  if (ret > 0) return ret;
  switch (SSL_get_error(ssl_, ret)) {
    case SSL_ERROR_ZERO_RETURN: return 0;
    case SSL_ERROR_WANT_READ: wait_ = IoWait::read; errno = EAGAIN; return -1;
    case SSL_ERROR_WANT_WRITE: wait_ = IoWait::write; errno = EAGAIN; return -1;
    case SSL_ERROR_SYSCALL: if (ret == 0 || errno == 0) return 0; return -1;
    default: errno = EPROTO; return -1;
  }
}

ssize_t TlsTransport::read(char* buf, size_t len) {
  ERR_clear_error();
  return finish_io(SSL_read(ssl_, buf, static_cast<int>(len)));
}

ssize_t TlsTransport::writev(const iovec* iov, int count) {
  staging_.clear();
  for (int i = 0; i < count && staging_.size() < (1 << 16); ++i)
    staging_.append(static_cast<const char*>(iov[i].iov_base), iov[i].iov_len);
  if (staging_.empty()) return 0;
  ERR_clear_error();
  return finish_io(SSL_write(ssl_, staging_.data(), static_cast<int>(staging_.size())));
}

bool TlsTransport::has_buffered_input() const { return SSL_pending(ssl_) > 0; }

void TlsTransport::shutdown() {
  ERR_clear_error();
  SSL_shutdown(ssl_);
}

}  // namespace ssetool
