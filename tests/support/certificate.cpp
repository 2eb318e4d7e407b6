// testsupport::make_self_signed_certificate (see certificate.hpp): one run of `openssl req -x509`.
#include "certificate.hpp"

#include <stdexcept>

#include "process.hpp"

namespace testsupport {

Certificate make_self_signed_certificate(const TempDir& dir) {
  Certificate certificate{dir.file("cert.pem"), dir.file("key.pem")};
  Process openssl({"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-days", "1",
                   "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", certificate.key_path, "-out",
                   certificate.cert_path});
  openssl.close_stdin();
  std::optional<int> status = openssl.wait(std::chrono::seconds(60));
  if (status != 0) throw std::runtime_error("openssl req failed: " + openssl.stderr_text());
  return certificate;
}

}  // namespace testsupport
