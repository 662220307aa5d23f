#include "checks.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "promtls/core/credential_rules.hpp"
#include "promtls/core/go.hpp"
#include "promtls/core/time.hpp"
#include "promtls/core/tls_catalog.hpp"

namespace promtls::core::detail {
namespace {

constexpr std::int64_t kDay = 86400;

bool has_server_auth(const CertInfo& cert) {
  if (!cert.has_extended_key_usage) return true;  // no EKU extension: any purpose
  const auto& eku = cert.extended_key_usage;
  return std::find(eku.begin(), eku.end(), "serverAuth") != eku.end() ||
         std::find(eku.begin(), eku.end(), "anyExtendedKeyUsage") != eku.end();
}

bool sha1_signed(const CertInfo& cert) {
  std::string alg = cert.signature_algorithm;
  std::transform(alg.begin(), alg.end(), alg.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return alg.find("sha1") != std::string::npos || alg == "ecdsa-with-sha1" ||
         alg.find("sha-1") != std::string::npos;
}

std::string describe(const CertInfo& cert) {
  if (!cert.subject_cn.empty()) return "\"" + cert.subject_cn + "\"";
  return "\"" + cert.subject + "\"";
}

// Validity window checks shared by the serving certificate and the client CAs.
void check_validity(const CertInfo& cert, const std::string& variable, const std::string& what,
                    const std::string& code_prefix, bool expired_is_error,
                    const EvaluateOptions& options, FindingSink& sink) {
  const std::int64_t now = options.now_unix;
  if (cert.not_after_unix < now) {
    sink.add(code_prefix + "-expired", expired_is_error ? Severity::error : Severity::warning,
             {variable},
             what + " " + describe(cert) + " expired on " + format_rfc3339(cert.not_after_unix) +
                 " (" + relative_phrase(cert.not_after_unix, now) + ")",
             "renew it; clients reject an expired certificate");
  } else if (cert.not_before_unix > now) {
    sink.add(code_prefix + "-not-yet-valid", Severity::error, {variable},
             what + " " + describe(cert) + " is not valid before " +
                 format_rfc3339(cert.not_before_unix) + " (" +
                 relative_phrase(cert.not_before_unix, now) + ")",
             "check the issuer's clock, or use --at to judge it at another time");
  } else if (cert.not_after_unix - now < static_cast<std::int64_t>(options.warn_days) * kDay) {
    sink.add(code_prefix + "-expires-soon", Severity::warning, {variable},
             what + " " + describe(cert) + " expires on " + format_rfc3339(cert.not_after_unix) +
                 " (" + relative_phrase(cert.not_after_unix, now) + ", under --warn-days " +
                 std::to_string(options.warn_days) + ")",
             "rotate it before it expires");
  }
}

void check_serving_cert(const FileFacts& f, const std::string& var, const EvaluateOptions& options,
                        FindingSink& sink) {
  if (!f.readable) {
    sink.add("cert-file-unreadable", Severity::error, {var},
             "cannot read " + var + ": " + f.read_error,
             "the server fails when it loads the key pair; mount the file or fix the path");
    return;
  }
  if (!f.is_pem) {
    sink.add("cert-file-not-pem", Severity::error, {var},
             var + " file " + f.path + " holds no PEM data",
             "the server expects PEM (\"-----BEGIN CERTIFICATE-----\"); convert DER with "
             "openssl x509 -inform der");
    return;
  }
  if (f.certificates.empty()) {
    sink.add(
        "cert-file-no-certificate", Severity::error, {var},
        var + " file " + f.path + " holds no parsable CERTIFICATE block",
        f.key_block_present ? "it holds a private key: are the certificate and key swapped?" : "");
    return;
  }
  // serve refuses a chain with a block it cannot parse (core::credential_pair_refusal), and a
  // chain sent with one is not one a client can verify.
  if (f.bad_certificate_blocks > 0) {
    sink.add("cert-file-bad-blocks", Severity::error, {var},
             std::to_string(f.bad_certificate_blocks) + " of " +
                 std::to_string(f.certificate_blocks) + " CERTIFICATE blocks in " + var + " file " +
                 f.path + " do not parse: promtls serve refuses the chain",
             "remove or re-export the broken block (openssl x509 -in FILE checks each one)");
  }
  const CertInfo& leaf = f.certificates.front();
  check_validity(leaf, var, "the serving certificate", "cert", true, options, sink);
  if (!has_server_auth(leaf)) {
    sink.add("cert-no-server-auth-eku", Severity::warning, {var},
             "the serving certificate " + describe(leaf) +
                 " has an extended key usage without serverAuth",
             "clients that check EKU (Go, browsers, Prometheus) refuse it for a server");
  }
  for (std::size_t i = 0; i < f.certificates.size(); ++i) {
    const CertInfo& c = f.certificates[i];
    if (sha1_signed(c) && !(i > 0 && c.self_signed)) {
      sink.add(
          "cert-sha1-signature", Severity::warning, {var},
          "certificate " + describe(c) + " in " + var + " is signed with " + c.signature_algorithm,
          "Go and OpenSSL at security level 1+ reject SHA-1 signatures; reissue with SHA-256");
    }
  }
  if (leaf.key.type == "RSA" && leaf.key.bits > 0 && leaf.key.bits < 2048) {
    sink.add("rsa-key-too-small", Severity::error, {var},
             "the serving certificate's RSA key has " + std::to_string(leaf.key.bits) +
                 " bits; at least 2048 are required",
             "OpenSSL's default security level rejects it and so do current clients");
  }
}

void check_key(const FileFacts& f, const std::string& var, FindingSink& sink) {
  if (!f.readable) {
    sink.add("key-file-unreadable", Severity::error, {var},
             "cannot read " + var + ": " + f.read_error,
             "the server fails when it loads the key pair; mount the file or fix the path");
    return;
  }
  char mode[16];
  std::snprintf(mode, sizeof mode, "%04o", f.mode);
  // serve's own refusal (credential_rules.hpp): the same rule, so validate's verdict is serve's.
  // serve exits 3 for it, as its loader does on a reload (core::serve_refusal).
  if (key_mode_refused(f.mode)) {
    sink.add("key-file-world-writable", Severity::error, {var},
             var + " file " + f.path + " is writable by others (mode " + mode +
                 "): promtls serve refuses to use it",
             "remove the write bit for others (chmod o-w; in Kubernetes, defaultMode: 0400)");
  }
  if (const std::string_view readers = key_mode_readers(f.mode); !readers.empty()) {
    sink.add("key-file-permissive", Severity::warning, {var},
             var + " file " + f.path + " is readable by " + std::string(readers) + " (mode " +
                 mode + ")",
             "restrict it to the owner (chmod 600; in Kubernetes, defaultMode: 0400)");
  }
  if (!f.is_pem) {
    sink.add("key-file-not-pem", Severity::error, {var},
             var + " file " + f.path + " holds no PEM data",
             "the server expects a PEM private key (\"-----BEGIN PRIVATE KEY-----\")");
    return;
  }
  if (f.key_encrypted) {
    sink.add("key-encrypted", Severity::error, {var},
             var + " file " + f.path + " holds an encrypted private key",
             "the server cannot prompt for a passphrase; decrypt it with openssl pkey");
    return;
  }
  if (!f.key_block_present) {
    sink.add("key-file-no-key", Severity::error, {var},
             var + " file " + f.path + " holds no PRIVATE KEY block",
             f.certificate_blocks > 0
                 ? "it holds a certificate: are the certificate and key swapped?"
                 : "");
    return;
  }
  if (!f.key) {
    sink.add("key-file-invalid", Severity::error, {var},
             var + " file " + f.path + " holds a private key that does not parse" +
                 (f.key_error.empty() ? "" : ": " + f.key_error));
  }
}

void check_client_ca(const FileFacts& f, const std::string& var, const EvaluateOptions& options,
                     FindingSink& sink) {
  // Unreadable and empty files are the component's own startup errors, reported by the
  // profile with the component's message; here only what it tolerates.
  if (!f.readable || f.certificates.empty()) return;
  if (f.bad_certificate_blocks > 0) {
    sink.add("client-ca-bad-blocks", Severity::warning, {var},
             std::to_string(f.bad_certificate_blocks) + " of " +
                 std::to_string(f.certificate_blocks) + " CERTIFICATE blocks in " + f.path +
                 " do not parse and are skipped",
             "only the blocks that parse are trusted; remove or fix the others");
  }
  for (const CertInfo& c : f.certificates) {
    if (!c.is_ca) {
      sink.add("client-ca-not-ca", Severity::warning, {var},
               "certificate " + describe(c) + " in " + f.path +
                   " is not a CA (no basicConstraints CA:TRUE)",
               "a leaf in the trust bundle trusts only itself, and OpenSSL will not use it to "
               "verify other client certificates");
    }
    check_validity(c, var, "client CA", "client-ca", true, options, sink);
  }
}

}  // namespace

Finding& FindingSink::add(std::string code, Severity severity, std::vector<std::string> variables,
                          std::string message, std::string hint) {
  Finding f{std::move(code),    severity,        std::move(variables), {},
            std::move(message), std::move(hint), std::nullopt};
  if (!f.variables.empty()) {
    if (const EnvValue* v = env_.find(f.variables.front())) f.origin = v->origin;
  }
  out_.push_back(std::move(f));
  return out_.back();
}

void check_credentials(const TlsConfig& tls, const CredentialPaths& paths,
                       const EvaluateOptions& options, FileInspector& files, FindingSink& sink) {
  const FileFacts cert = files.inspect(tls.cert_file);
  const FileFacts key = files.inspect(tls.key_file);
  check_serving_cert(cert, paths.cert_variable, options, sink);
  check_key(key, paths.key_variable, sink);
  if (const auto leaf = misplaced_leaf(cert, key)) {
    // The pair is right but the file is not leaf first: the server takes the first certificate
    // as its own and fails as if the key did not match (credential_rules.hpp).
    sink.add("cert-chain-out-of-order", Severity::error, {paths.cert_variable},
             paths.cert_variable + " file " + cert.path + " lists " +
                 describe(cert.certificates.front()) + " first and the leaf " +
                 describe(cert.certificates[*leaf]) + " as certificate " +
                 std::to_string(*leaf + 1) +
                 ": the server sends the first certificate as its own, and loading fails with "
                 "\"tls: private key does not match public key\"",
             "put the leaf first, then each issuer after the certificate it signed (cat leaf.crt "
             "intermediate.crt > tls.crt); the key and the certificates are otherwise right");
  } else if (!key_matches_certificate(cert, key)) {
    sink.add("cert-key-mismatch", Severity::error, {paths.cert_variable, paths.key_variable},
             "the private key in " + key.path + " does not match the certificate in " + cert.path,
             "the server fails with \"tls: private key does not match public key\"; pair the "
             "files from the same issuance");
  }
  if (!paths.ca_variable.empty()) {
    check_client_ca(files.inspect(tls.client_ca_file), paths.ca_variable, options, sink);
  }
}

void check_tls_library(const TlsConfig& tls, const TlsLibrary& library,
                       const std::string& curves_variable, FindingSink& sink) {
  if (openssl_group_tuples_affected(library.version_number)) {
    sink.add("tls-library-cve-2026-2673", Severity::warning, {},
             "promtls is linked with " + library.version +
                 ", which loses the tuples of a group list written with DEFAULT "
                 "(CVE-2026-2673); promtls serve writes its groups out and is not affected, but "
                 "other servers using this library may be",
             "update OpenSSL to 3.5.6 or 3.6.2 or later (a distribution build may carry the fix "
             "under an older version number)");
  }
  if (!tls.curves || library.has_x25519mlkem768) return;
  if (std::find(tls.curves->begin(), tls.curves->end(), kX25519MLKEM768) == tls.curves->end()) {
    return;
  }
  sink.add("curve-unsupported-by-tls-library", Severity::warning, {curves_variable},
           "X25519MLKEM768 is requested but promtls' " + library.version +
               " cannot negotiate it; promtls serve drops it (knative's Go server does not)",
           "keep X25519 in the list so promtls serve and its clients share a group");
}

namespace {

// A name of the profile's family: its prefix, or for knative the TLS settings of another knative
// TLS family ("ACTIVATOR_TLS_..."). Eventing's unprefixed family counts by its four names only:
// TLS_* in general is too common a prefix to call every other name a typo.
bool in_family(std::string_view name, Profile profile) {
  if (name.rfind(family_prefix(profile), 0) == 0) return true;
  if (profile != Profile::knative) return false;
  for (const KnativeTlsFamily family : knative_tls_families()) {
    if (prefix(family).empty()) continue;
    if (name.rfind(std::string(prefix(family)) + "TLS_", 0) == 0) return true;
  }
  return false;
}

}  // namespace

void check_unknown_variables(const EnvSnapshot& env, Profile profile, FindingSink& sink) {
  for (const auto& entry : env.entries()) {
    const std::string& name = entry.first;
    // Names are case-sensitive (os.Getenv): a known name in other case is never read.
    if (const std::string shouted = go::to_upper_ascii(name); shouted != name) {
      const VariableSpec* known = find_variable(shouted, profile);
      const bool ours =
          known != nullptr || (find_variable(shouted) == nullptr && in_family(shouted, profile));
      if (!ours) continue;
      const std::string_view guess =
          known != nullptr ? known->name : suggest_variable(shouted, profile);
      sink.add(
          "variable-wrong-case", Severity::warning, {name},
          name + " is not read: variable names are case-sensitive, and " +
              std::string(to_string(profile)) + " reads only upper-case names",
          guess.empty() ? "write it in upper case" : "did you mean " + std::string(guess) + "?");
      continue;
    }
    if (!in_family(name, profile)) continue;
    if (find_variable(name) != nullptr) continue;
    const std::string_view guess = suggest_variable(name, profile);
    sink.add(
        "unknown-variable", Severity::warning, {name},
        name + " is not a variable " + std::string(to_string(profile)) + " reads; it is ignored",
        guess.empty() ? "check the spelling against promtls(1), ENVIRONMENT"
                      : "did you mean " + std::string(guess) + "?");
  }
}

}  // namespace promtls::core::detail
