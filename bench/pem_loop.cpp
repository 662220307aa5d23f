// The baseline of bench/inspect.sh: a bare loop that walks the tree, reads every file and calls
// PEM_read_bio_X509 on it (the full OpenSSL parse, public key included), printing the count.
// Usage: promtls_bench_pem_loop DIR
#include <openssl/err.h>
#include <openssl/pem.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  long parsed = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(argv[1])) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    BIO* bio = ::BIO_new_mem_buf(bytes.data(), static_cast<int>(bytes.size()));
    while (X509* cert = ::PEM_read_bio_X509(bio, nullptr, nullptr, nullptr)) {
      ++parsed;
      ::X509_free(cert);
    }
    ::BIO_free(bio);
    ::ERR_clear_error();
  }
  std::printf("%ld\n", parsed);
  return 0;
}
