// Writes N ECDSA P-256 leaf certificates (PEM, one per file) signed by one CA into a directory
// tree of 100 certificates per subdirectory: the input of bench/inspect.sh.
// Usage: promtls_bench_make_tree DIR [N] [CN_PREFIX]   (CN_PREFIX: "host-"; bench/serve_watch.sh
// makes replacements with another)
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <filesystem>
#include <string>

namespace {

X509* make_cert(EVP_PKEY* key, EVP_PKEY* ca_key, X509* ca, const std::string& cn, long serial,
                long not_after_days) {
  X509* cert = ::X509_new();
  ::X509_set_version(cert, 2);
  ::ASN1_INTEGER_set(::X509_get_serialNumber(cert), serial);
  X509_NAME* name = ::X509_get_subject_name(cert);
  ::X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char*>("promtls bench"), -1, -1, 0);
  ::X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  ::X509_set_issuer_name(cert, ca != nullptr ? ::X509_get_subject_name(ca) : name);
  // Fixed window: 2026-01-01 plus not_after_days.
  ::ASN1_TIME_set(::X509_getm_notBefore(cert), 1767225600);
  ::ASN1_TIME_set(::X509_getm_notAfter(cert), 1767225600 + not_after_days * 86400);
  ::X509_set_pubkey(cert, key);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  ::X509V3_set_ctx(&ctx, ca != nullptr ? ca : cert, cert, nullptr, nullptr, 0);
  const std::string san = "DNS:" + cn + ",IP:127.0.0.1";
  const char* exts[][2] = {{"basicConstraints", ca != nullptr ? "CA:FALSE" : "critical,CA:TRUE"},
                           {"extendedKeyUsage", "serverAuth,clientAuth"},
                           {"subjectAltName", san.c_str()}};
  for (const auto& e : exts) {
    X509_EXTENSION* ext = ::X509V3_EXT_conf(nullptr, &ctx, e[0], e[1]);
    ::X509_add_ext(cert, ext, -1);
    ::X509_EXTENSION_free(ext);
  }
  ::X509_sign(cert, ca_key, ::EVP_sha256());
  return cert;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s DIR [N]\n", argv[0]);
    return 2;
  }
  const std::filesystem::path dir = argv[1];
  const long n = argc > 2 ? std::stol(argv[2]) : 10000;
  const std::string prefix = argc > 3 ? argv[3] : "host-";
  EVP_PKEY* ca_key = ::EVP_EC_gen("P-256");
  X509* ca = make_cert(ca_key, ca_key, nullptr, "promtls bench CA", 1, 3650);
  for (long i = 0; i < n; ++i) {
    EVP_PKEY* key = ::EVP_EC_gen("P-256");
    X509* cert =
        make_cert(key, ca_key, ca, prefix + std::to_string(i) + ".bench.test", i + 2, 30 + i % 700);
    const std::filesystem::path sub = dir / ("d" + std::to_string(i / 100));
    std::filesystem::create_directories(sub);
    const std::string file = (sub / ("cert-" + std::to_string(i) + ".pem")).string();
    FILE* f = std::fopen(file.c_str(), "w");
    ::PEM_write_X509(f, cert);
    std::fclose(f);
    ::X509_free(cert);
    ::EVP_PKEY_free(key);
  }
  ::X509_free(ca);
  ::EVP_PKEY_free(ca_key);
  return 0;
}
