// TLS for both listeners: the certificate chain and private key given with
// --tls-cert/--tls-key, checked once at startup so that a bad file is one
// clear error rather than a listener that silently fails to come up.
#pragma once

#include <string>

#include "absl/status/statusor.h"

namespace rentwave::app {

struct TlsFiles {
  std::string cert_path, key_path;
  std::string cert_pem, key_pem;  // their contents
};

// Reads the files and checks that the certificate chain parses and the key
// matches it. Errors: INVALID_ARGUMENT naming the file and what is wrong.
absl::StatusOr<TlsFiles> LoadTls(const std::string& cert_path,
                                 const std::string& key_path);

}  // namespace rentwave::app
