// testsupport::make_self_signed_certificate — a throw-away TLS certificate for tests of HTTPS clients and
// servers, made by the `openssl` command line (RSA 2048, CN=localhost, valid one day).
#pragma once

#include <string>

#include "temp_dir.hpp"

namespace testsupport {

struct Certificate {
  std::string cert_path;  // PEM certificate
  std::string key_path;   // PEM private key, unencrypted
};

// Writes cert.pem and key.pem into `dir`. Throws std::runtime_error with openssl's stderr when it fails.
Certificate make_self_signed_certificate(const TempDir& dir);

}  // namespace testsupport
