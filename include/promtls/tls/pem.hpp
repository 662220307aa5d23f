// Reading certificates and keys with OpenSSL and describing them as plain core data.
//
// Extract with OpenSSL, judge in core (DESIGN.md): nothing here decides whether a certificate is
// good. No OpenSSL types appear in this header. Functions are reentrant and may be called from
// any thread.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "promtls/core/cert_info.hpp"
#include "promtls/core/config.hpp"
#include "promtls/core/fs.hpp"

namespace promtls::tls {

// Reads the file at `path` (exactly as given; no trimming) and describes every PEM block in it:
// certificates, the first private key, encrypted keys, blocks that do not parse. Never throws for
// a missing or malformed file; errors are in the returned facts, in Go's os error wording.
core::FileFacts read_credential_file(const std::string& path);
// The same through `files` (core/fs.hpp); the one-argument form reads the real file system.
// `bytes` (optional) receives the content the facts describe, so a caller that also loads the
// file (serve's context) uses exactly what was judged.
core::FileFacts read_credential_file(const std::string& path, core::FileSystem& files,
                                     std::string* bytes = nullptr);

// The same description for bytes already in memory; `path` is only recorded.
core::FileFacts describe_credentials(std::string_view bytes, const std::string& path);

// The real FileInspector: read_credential_file() through `files` (the real file system unless
// one is given; not owned).
class OpenSslFileInspector final : public core::FileInspector {
 public:
  OpenSslFileInspector() = default;
  explicit OpenSslFileInspector(core::FileSystem& files) : files_(&files) {}
  core::FileFacts inspect(const std::string& path) override {
    return files_ != nullptr ? read_credential_file(path, *files_) : read_credential_file(path);
  }

 private:
  core::FileSystem* files_ = nullptr;
};

// The one list of PEM block names read as certificates, by every reader (the full parse below,
// the fast reader, the source sniffer, validate's and serve's credential reader):
// "CERTIFICATE" and "TRUSTED CERTIFICATE" (OpenSSL's X509_AUX form, whose trust settings are
// ignored). OpenSSL's legacy "X509 CERTIFICATE" name is not one of them: Go refuses it, and so
// do validate and serve.
bool is_certificate_block(std::string_view name);
// Private key blocks: any name ending in "PRIVATE KEY" ("PRIVATE KEY", "RSA PRIVATE KEY",
// "EC PRIVATE KEY", "ENCRYPTED PRIVATE KEY").
bool is_private_key_block(std::string_view name);

// Every certificate in PEM text (is_certificate_block() blocks), in order. Blocks
// that do not parse are skipped; `bad_blocks` (optional) counts them.
std::vector<core::CertInfo> parse_pem_certificates(std::string_view pem,
                                                   std::size_t* bad_blocks = nullptr);

// One DER-encoded certificate; throws nothing, returns false when it does not parse.
bool parse_der_certificate(std::string_view der, core::CertInfo& out);

// The linked OpenSSL: its version text and whether it can negotiate X25519MLKEM768.
core::TlsLibrary library_info();

}  // namespace promtls::tls
