// Shared fixture for the `promtls serve` integration tests: a test PKI written to a temp
// directory (server, valid / foreign-CA / expired client certificates) with validity windows
// wide enough for real handshakes judged by the real clock (2020..2099), and helpers to scrape.
#pragma once

#include <catch2/catch.hpp>
#include <map>
#include <regex>
#include <string>
#include <vector>

#include "pki.hpp"
#include "tls_client.hpp"

namespace promtls::test {

inline constexpr std::int64_t k2020 = 1577836800;  // 2020-01-01T00:00:00Z
inline constexpr std::int64_t k2021 = 1609459200;  // 2021-01-01T00:00:00Z
inline constexpr std::int64_t k2099 = 4070908800;  // 2099-01-01T00:00:00Z

struct ServePki {
  TempDir dir;
  Authority ca = Authority::make("promtls-test-ca", KeyKind::ec_p256, k2020, k2099);
  Authority foreign = Authority::make("foreign-ca", KeyKind::ec_p256, k2020, k2099);
  std::string ca_file, server_cert, server_key, client_cert, client_key, foreign_cert, foreign_key,
      expired_cert, expired_key;
  std::string server_pem;  // the server certificate's PEM text

  ServePki() {
    ca_file = dir.write("ca.crt", ca.cert.pem(), 0644);
    issue_server("server", 0x1001);
    issue_client("client", ca, {}, client_cert, client_key);
    issue_client("foreign", foreign, {}, foreign_cert, foreign_key);
    issue_client("expired", ca, k2021, expired_cert, expired_key);
  }

  // Writes <name>.crt/<name>.key for a server certificate with `serial`.
  void issue_server(const std::string& name, std::uint64_t serial) {
    Key key(KeyKind::ec_p256);
    CertSpec spec;
    spec.cn = "localhost";
    spec.not_before = k2020;
    spec.not_after = k2099;
    spec.serial = serial;
    const Cert cert = ca.leaf(spec, key);
    const std::string crt = dir.write(name + ".crt", cert.pem(), 0644);
    const std::string k = dir.write(name + ".key", key.private_pem(), 0600);
    if (name == "server") {
      server_pem = cert.pem();
      server_cert = crt;
      server_key = k;
    }
  }

  void issue_client(const std::string& name, const Authority& issuer, std::int64_t not_after,
                    std::string& cert_out, std::string& key_out) {
    Key key(KeyKind::ec_p256);
    CertSpec spec;
    spec.cn = name + "-client";
    spec.dns = {};
    spec.ips = {};
    spec.eku = {"clientAuth"};
    spec.not_before = k2020;
    spec.not_after = not_after != 0 ? not_after : k2099;
    cert_out = dir.write(name + "-client.crt", issuer.leaf(spec, key).pem(), 0644);
    key_out = dir.write(name + "-client.key", key.private_pem(), 0600);
  }

  std::string log_path(const std::string& name) const { return (dir.path() / name).string(); }

  // --set arguments for the knative TLS variables.
  std::vector<std::string> tls_args(const std::string& auth, bool with_ca = true) const {
    std::vector<std::string> a{"--set", "METRICS_PROMETHEUS_TLS_CERT=" + server_cert, "--set",
                               "METRICS_PROMETHEUS_TLS_KEY=" + server_key};
    if (!auth.empty()) a.insert(a.end(), {"--set", "METRICS_PROMETHEUS_TLS_CLIENT_AUTH=" + auth});
    if (with_ca) a.insert(a.end(), {"--set", "METRICS_PROMETHEUS_TLS_CLIENT_CA_FILE=" + ca_file});
    return a;
  }

  ClientOptions client(const std::string& who = "client") const {
    ClientOptions o;
    o.ca_file = ca_file;
    if (who == "client") {
      o.cert_file = client_cert;
      o.key_file = client_key;
    } else if (who == "foreign") {
      o.cert_file = foreign_cert;
      o.key_file = foreign_key;
    } else if (who == "expired") {
      o.cert_file = expired_cert;
      o.key_file = expired_key;
    }
    return o;
  }
};

// The value of `series` (`name` or `name{label="value",...}`) in `body`, or -1: the sum of
// every sample of `name` whose labels include all the labels `series` gives, so a test names
// only the labels it is about (`promtls_tls_handshakes_total{result="failure",
// reason="unknown_ca"}` counts whatever version and group those handshakes had). Label values
// must not hold a comma or an escaped quote.
inline double sample_value(const std::string& body, const std::string& series) {
  const auto brace = series.find('{');
  const std::string name = series.substr(0, brace);
  std::vector<std::string> wanted;
  if (brace != std::string::npos) {
    const std::string inner = series.substr(brace + 1, series.size() - brace - 2);
    std::size_t start = 0;
    while (start < inner.size()) {
      const auto comma = inner.find(',', start);
      wanted.push_back(inner.substr(start, comma - start));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
  double sum = 0;
  bool found = false;
  std::size_t pos = 0;
  while ((pos = body.find("\n" + name, pos)) != std::string::npos) {
    pos += 1;
    const auto end = body.find('\n', pos);
    const std::string line = body.substr(pos, end - pos);
    pos = end;
    const char next = line.size() > name.size() ? line[name.size()] : '\0';
    if (next != ' ' && next != '{') continue;  // another name that begins with this one
    const auto space = line.rfind(' ');
    const std::string labels = next == '{' ? line.substr(name.size() + 1) : std::string();
    bool all = true;
    for (const std::string& pair : wanted) {
      if (labels.find(pair + ",") != 0 && labels.find("," + pair + ",") == std::string::npos &&
          labels.find("," + pair + "}") == std::string::npos && labels.find(pair + "}") != 0) {
        all = false;
        break;
      }
    }
    if (!all) continue;
    sum += std::stod(line.substr(space + 1));
    found = true;
  }
  return found ? sum : -1;
}

}  // namespace promtls::test
