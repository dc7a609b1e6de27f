#include "app/tls.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include <fstream>
#include <memory>
#include <sstream>

#include "absl/strings/str_cat.h"

namespace rentwave::app {
namespace {

absl::StatusOr<std::string> ReadAll(const std::string& path, const char* flag) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  if (!in || !(out << in.rdbuf())) {
    return absl::InvalidArgumentError(
        absl::StrCat(flag, ": cannot read '", path, "'"));
  }
  return out.str();
}

// OpenSSL's last error as text, clearing its queue.
std::string OpenSslError() {
  char text[256] = "unknown error";
  if (unsigned long code = ERR_get_error(); code != 0) {
    ERR_error_string_n(code, text, sizeof(text));
  }
  ERR_clear_error();
  return text;
}

}  // namespace

absl::StatusOr<TlsFiles> LoadTls(const std::string& cert_path,
                                 const std::string& key_path) {
  TlsFiles tls{cert_path, key_path, "", ""};
  auto cert = ReadAll(cert_path, "--tls-cert");
  if (!cert.ok()) return cert.status();
  auto key = ReadAll(key_path, "--tls-key");
  if (!key.ok()) return key.status();
  tls.cert_pem = *std::move(cert);
  tls.key_pem = *std::move(key);

  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx(
      SSL_CTX_new(TLS_server_method()), SSL_CTX_free);
  if (ctx == nullptr) {
    return absl::InternalError(absl::StrCat("TLS: ", OpenSslError()));
  }
  if (SSL_CTX_use_certificate_chain_file(ctx.get(), cert_path.c_str()) != 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--tls-cert: '", cert_path, "' is not a PEM certificate chain (",
        OpenSslError(), ")"));
  }
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(tls.key_pem.data(), static_cast<int>(tls.key_pem.size())),
      BIO_free);
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key_value(
      bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr)
          : nullptr,
      EVP_PKEY_free);
  if (key_value == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("--tls-key: '", key_path, "' is not a PEM private key (",
                     OpenSslError(), ")"));
  }
  if (SSL_CTX_use_PrivateKey(ctx.get(), key_value.get()) != 1 ||
      SSL_CTX_check_private_key(ctx.get()) != 1) {
    ERR_clear_error();
    return absl::InvalidArgumentError(
        absl::StrCat("--tls-key: '", key_path,
                     "' does not match the certificate in --tls-cert"));
  }
  return tls;
}

}  // namespace rentwave::app
