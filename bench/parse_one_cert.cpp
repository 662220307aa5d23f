// Baseline for bench/validate.sh: a bare OpenSSL program that reads and parses one certificate.
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cstdio>

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  FILE* f = std::fopen(argv[1], "r");
  if (f == nullptr) return 3;
  X509* cert = PEM_read_X509(f, nullptr, nullptr, nullptr);
  std::fclose(f);
  if (cert == nullptr) return 1;
  X509_free(cert);
  return 0;
}
