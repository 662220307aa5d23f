// Skipping a test that cannot run against the libraries it was built with, saying why.
// Catch2 v3 (Debian 13) has SKIP, which ctest reports as a skipped test. Catch2 v2 (Debian 12)
// has none: the test warns with the reason and returns, and tests/CMakeLists.txt has ctest
// report a test whose output carries that warning's marker as skipped. Skip at the start of a
// test, before any assertion, so that a skip never hides a failure.
#pragma once

#include <catch2/catch.hpp>
#include <promtls/tls/pem.hpp>

#if CATCH_VERSION_MAJOR >= 3
#define PROMTLS_SKIP(reason) SKIP(reason)
#else
// The marker is tests/CMakeLists.txt's SKIP_REGULAR_EXPRESSION.
#define PROMTLS_SKIP(reason)                  \
  do {                                        \
    WARN("promtls-test-skipped: " << reason); \
    return;                                   \
  } while (false)
#endif

// Skips the calling test unless the linked OpenSSL offers X25519MLKEM768 (OpenSSL 3.5 and later).
#define PROMTLS_REQUIRE_MLKEM()                                                             \
  do {                                                                                      \
    const ::promtls::core::TlsLibrary promtls_library_ = ::promtls::tls::library_info();    \
    if (!promtls_library_.has_x25519mlkem768)                                               \
      PROMTLS_SKIP("needs X25519MLKEM768, which " << promtls_library_.version               \
                                                  << " does not offer (OpenSSL 3.5 does)"); \
  } while (false)
