// The README's comparison with promtool is measured, not claimed: for the same certificate,
// key and settings, Debian's `promtool check web-config` (exporter-toolkit's web.Validate)
// reports SUCCESS where promtls validate finds the error the server would hit later.
#include <catch2/catch.hpp>

#include "pki.hpp"
#include "run.hpp"

using namespace promtls::test;

namespace {

struct Case {
  std::string name;
  std::string web_config;              // exporter-toolkit's tls_server_config
  std::vector<std::string> variables;  // the same setting for knative
  std::string code;                    // what promtls validate reports
};

struct Files {
  TempDir dir;
  Authority ca = Authority::make("compare-ca");
  Key key{KeyKind::ec_p256};
  std::string cert, expired, key_file, garbage;
  Files() {
    cert = dir.write("server.crt", ca.leaf(CertSpec{}, key).pem());
    CertSpec old;
    old.not_before = kNow - 400 * kDay;
    old.not_after = kNow - kDay;
    expired = dir.write("expired.crt", ca.leaf(old, key).pem());
    key_file = dir.write("server.key", key.private_pem());
    garbage = dir.write("garbage-ca.pem", "not a certificate\n");
  }
};

}  // namespace

TEST_CASE("promtool check web-config accepts three configurations promtls validate refuses") {
  Files f;
  const std::string P = "METRICS_PROMETHEUS_";
  const std::vector<Case> cases = {
      {"minimum TLS version above the maximum",
       "  cert_file: " + f.cert + "\n  key_file: " + f.key_file +
           "\n  min_version: TLS13\n  max_version: TLS12\n",
       {P + "TLS_MIN_VERSION=1.3", P + "TLS_MAX_VERSION=1.2"},
       "tls-min-above-max"},
      {"a client CA file without a certificate",
       "  cert_file: " + f.cert + "\n  key_file: " + f.key_file +
           "\n  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: " + f.garbage +
           "\n",
       {P + "TLS_CLIENT_AUTH=require", P + "TLS_CLIENT_CA_FILE=" + f.garbage},
       "client-ca-no-certificates"},
      {"an expired serving certificate",
       "  cert_file: " + f.expired + "\n  key_file: " + f.key_file + "\n",
       {P + "TLS_CERT=" + f.expired},
       "cert-expired"},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    const std::string config = f.dir.write("web-config.yml", "tls_server_config:\n" + c.web_config);
    const RunResult promtool =
        run({"/usr/bin/promtool", "check", "web-config", config}, {"PATH=/usr/bin:/bin"});
    INFO(promtool.out << promtool.err);
    CHECK(promtool.exit_code == 0);
    CHECK(promtool.err.find("SUCCESS") != std::string::npos);

    std::vector<std::string> args = {"validate", "--no-env",
                                     "--at",     "2027-01-01T00:00:00Z",
                                     "--set",    P + "TLS_CERT=" + f.cert,
                                     "--set",    P + "TLS_KEY=" + f.key_file};
    for (const auto& v : c.variables) {
      args.push_back("--set");
      args.push_back(v);
    }
    const RunResult promtls = run_promtls(args);
    INFO(promtls.out << promtls.err);
    CHECK(promtls.exit_code == 1);
    CHECK(promtls.out.find("error " + c.code + " ") != std::string::npos);
  }
}
