// What SIGINT gives, with real processes (promtls(1) EXIT STATUS): serve treats it as a stop
// request (drains, exits 0, as on SIGTERM); a long selftest --load, like every other
// subcommand, dies by the signal, which the shell reports as 130 (ExitCode::interrupted).
#include <signal.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "run.hpp"
#include "serve_fixture.hpp"

namespace promtls::test {
namespace {

// promtls::ExitCode::ok and ::interrupted (this target does not link the library; the docs tests
// check the enum against the man page).
constexpr int kExitOk = 0;
constexpr int kExitInterrupted = 130;

TEST_CASE("SIGINT makes serve drain and exit 0, as SIGTERM does") {
  ServePki pki;
  Serve s = start_serve(pki.tls_args("require"), pki.log_path("serve.log"));
  s.process->signal(SIGINT);
  CHECK(s.process->wait(5000) == std::optional<int>(kExitOk));
  const std::string log = s.process->log();
  CHECK(log.find("event=draining signal=SIGINT") != std::string::npos);
  CHECK(log.find("event=stopped") != std::string::npos);
}

TEST_CASE("SIGINT interrupts a running selftest --load: exit status 130") {
  ServePki pki;
  Serve s = start_serve(pki.tls_args("require"), pki.log_path("serve.log"));
  Process load(
      {promtls_binary(), "selftest", "--no-env", "--timeout", "5", "--connect",
       "127.0.0.1:" + std::to_string(s.port), "--ca", pki.ca_file, "--cert", pki.client_cert,
       "--key", pki.client_key, "--load", "100000000", "--concurrency", "2"},
      {}, pki.log_path("selftest.log"));
  // Still running after a moment: the load is long, so the signal lands mid-run.
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  REQUIRE(load.wait(0) == std::nullopt);
  load.signal(SIGINT);
  CHECK(load.wait(5000) == std::optional<int>(kExitInterrupted));
  s.process->signal(SIGTERM);
  CHECK(s.process->wait(5000) == std::optional<int>(0));
}

}  // namespace
}  // namespace promtls::test
