// The tests' main(), for Catch2 v2 (Debian 12) and v3 (Debian 13): v2 makes it from its single
// header when CATCH_CONFIG_MAIN is defined; v3 ignores that macro and has main() run a session
// (what its Catch2::Catch2WithMain would do).
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>  // Catch2 v2's, or tests/catch2-compat's for v3

#if CATCH_VERSION_MAJOR >= 3
int main(int argc, char* argv[]) { return Catch::Session().run(argc, argv); }
#endif
