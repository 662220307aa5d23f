// Malformed JSON that made yaml-cpp 0.7's LoadAll loop forever while allocating (yaml-cpp #1040,
// issue 18): every reader stops at once with an error naming the file, under a memory bound and a
// deadline, so that a regression fails instead of hanging.
#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <vector>

#include "pki.hpp"
#include "run.hpp"

using namespace promtls::test;

namespace {

struct Reproducer {
  const char* name;
  const char* text;
  std::size_t line;  // where the error is
};

// The known reproducers: 21 bytes with anything after an object's comma, a trailing comma, two
// JSON objects on two lines.
const std::vector<Reproducer> kReproducers{
    {"anything-after.json", "{\"kind\": \"Secret\"},x\n", 1},
    {"trailing-comma.json", "{\"kind\": \"Secret\"},\n", 1},
    {"two-objects.json", "{\"kind\": \"Secret\"}\n{\"kind\": \"Secret\"}\n", 2},
};

// promtls `args` with at most 1 GiB of address space (not under AddressSanitizer, which reserves
// more) and a 20 s deadline.
RunResult bounded(const std::vector<std::string>& args) {
  std::vector<std::string> argv;
#if !defined(__SANITIZE_ADDRESS__)
  argv = {"/usr/bin/prlimit", "--as=1073741824", "--"};
#endif
  argv.push_back(promtls_binary());
  argv.insert(argv.end(), args.begin(), args.end());
  return run(argv, {"PATH=/usr/bin:/bin"}, 20000);
}

}  // namespace

TEST_CASE("inspect reports malformed JSON as an unreadable input, at once and in bounded memory") {
  TempDir dir;
  for (const Reproducer& r : kReproducers) {
    const std::string path = dir.write(r.name, r.text, 0644);
    const auto t0 = std::chrono::steady_clock::now();
    const RunResult result = bounded({"inspect", path});
    INFO(r.name << "\n" << result.out << result.err);
    CHECK(result.exit_code == 3);
    CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(10));
    CHECK((result.out + result.err).find(path + ": line " + std::to_string(r.line)) !=
          std::string::npos);
    CHECK((result.out + result.err).find("after the end of the document") != std::string::npos);
  }
}

TEST_CASE("validate --manifest reports malformed JSON as a syntax error citing file:line") {
  TempDir dir;
  for (const Reproducer& r : kReproducers) {
    const std::string path = dir.write(r.name, r.text, 0644);
    const RunResult result = bounded({"validate", "--manifest", path});
    INFO(r.name << "\n" << result.out << result.err);
    CHECK(result.exit_code == 1);
    CHECK(result.out.find("error manifest-syntax: not valid YAML or JSON: more text after the end "
                          "of the document") != std::string::npos);
    CHECK(result.out.find("(" + path + ":" + std::to_string(r.line) + ")") != std::string::npos);
  }
}
