#include "promtls/tls/pem.hpp"

#include "cert_info.hpp"
#include "detail/openssl.hpp"
#include "promtls/tls/disk.hpp"
#include "promtls/tls/fast_cert.hpp"

namespace promtls::tls {
namespace {

using detail::BioPtr;
using detail::EvpPkeyPtr;
using detail::pem_blocks;
using detail::PemBlock;
using detail::X509Ptr;

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

}  // namespace

namespace detail {

X509Ptr parse_certificate_block(const PemBlock& block) {
  if (!block.decoded) return nullptr;
  const auto* p = reinterpret_cast<const unsigned char*>(block.data.data());
  const long len = static_cast<long>(block.data.size());
  X509* cert = block.name == "TRUSTED CERTIFICATE" ? ::d2i_X509_AUX(nullptr, &p, len)
                                                   : ::d2i_X509(nullptr, &p, len);
  ::ERR_clear_error();
  return X509Ptr(cert);
}

}  // namespace detail

bool is_certificate_block(std::string_view name) {
  return name == "CERTIFICATE" || name == "TRUSTED CERTIFICATE";
}

bool is_private_key_block(std::string_view name) { return ends_with(name, "PRIVATE KEY"); }

bool parse_der_certificate(std::string_view der, core::CertInfo& out) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  X509Ptr cert(::d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  ::ERR_clear_error();
  if (!cert) return false;
  out = detail::cert_info(cert.get());
  return true;
}

std::vector<core::CertInfo> parse_pem_certificates(std::string_view pem, std::size_t* bad_blocks) {
  std::vector<core::CertInfo> certs;
  for (const PemBlock& block : pem_blocks(pem)) {
    if (!is_certificate_block(block.name)) continue;
    if (X509Ptr cert = detail::parse_certificate_block(block)) {
      certs.push_back(detail::cert_info(cert.get()));
    } else if (bad_blocks != nullptr) {
      ++*bad_blocks;
    }
  }
  return certs;
}

core::FileFacts describe_credentials(std::string_view bytes, const std::string& path) {
  core::FileFacts facts;
  facts.path = path;
  facts.readable = true;
  const std::vector<PemBlock> blocks = pem_blocks(bytes);
  facts.is_pem = !blocks.empty();
  for (const PemBlock& block : blocks) {
    if (is_certificate_block(block.name)) {
      ++facts.certificate_blocks;
      // The fast reader gives the same fields as the full parse without building the public
      // key, which is most of d2i_X509's cost (tests/unit/fast_cert_test.cpp).
      core::CertInfo info;
      if (read_certificate_fast(block.data, info)) {
        facts.certificates.push_back(std::move(info));
      } else {
        ++facts.bad_certificate_blocks;
      }
    } else if (is_private_key_block(block.name)) {
      facts.key_block_present = true;
      if (facts.key) continue;
      if (block.name == "ENCRYPTED PRIVATE KEY" ||
          block.header.find("ENCRYPTED") != std::string::npos) {
        facts.key_encrypted = true;
        continue;
      }
      if (!block.decoded) {
        facts.key_error = "malformed " + block.name + " block (not base64, or no END line)";
        continue;
      }
      const auto* p = reinterpret_cast<const unsigned char*>(block.data.data());
      EvpPkeyPtr key(::d2i_AutoPrivateKey(nullptr, &p, static_cast<long>(block.data.size())));
      if (key) {
        facts.key = detail::key_info(key.get());
        facts.key_public_key_id = detail::public_key_id(key.get());
        facts.key_error.clear();
      } else {
        facts.key_error = detail::drain_errors();
        if (facts.key_error.empty()) facts.key_error = "malformed " + block.name;
      }
    }
  }
  ::ERR_clear_error();
  return facts;
}

core::FileFacts read_credential_file(const std::string& path, core::FileSystem& files,
                                     std::string* bytes_out) {
  // Failures in Go's os.ReadFile wording: "open <path>: <reason>" when it cannot be opened,
  // "read <path>: <reason>" when reading fails (a directory, for one).
  std::string bytes;
  core::FsError error;
  core::FileStat st;
  if (!files.read_file(path, bytes, error, &st)) {
    core::FileFacts facts;
    facts.path = path;
    facts.read_error = error.message();
    facts.mode = st.mode;
    return facts;
  }
  core::FileFacts facts = describe_credentials(bytes, path);
  facts.mode = st.mode;
  if (bytes_out != nullptr) *bytes_out = std::move(bytes);
  return facts;
}

core::FileFacts read_credential_file(const std::string& path) {
  return read_credential_file(path, real_file_system());
}

core::TlsLibrary library_info() {
  core::TlsLibrary info;
  info.version = ::OpenSSL_version(OPENSSL_VERSION);
  info.version_number = ::OpenSSL_version_num();
  // ML-KEM groups arrived in OpenSSL 3.5. Older libraries cannot have it, and asking them costs
  // an SSL_CTX (about a third of a whole validate run), so only newer ones are probed.
  if (::OpenSSL_version_num() >= 0x30500000L) {
    detail::SslCtxPtr ctx(::SSL_CTX_new(::TLS_method()));
    info.has_x25519mlkem768 = ctx && ::SSL_CTX_set1_groups_list(ctx.get(), "X25519MLKEM768") == 1;
    ::ERR_clear_error();
  }
  return info;
}

}  // namespace promtls::tls
