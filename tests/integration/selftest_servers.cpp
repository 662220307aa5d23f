#include "selftest_servers.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "run.hpp"

namespace promtls::test {
namespace {

constexpr std::int64_t kYear2000 = 946684800;   // 2000-01-01T00:00:00Z
constexpr std::int64_t kYear2099 = 4102444799;  // 2099-12-31T23:59:59Z

// A server started in `dir`, its output in dir/`log`, stopped with SIGTERM and a second to exit.
std::unique_ptr<Process> start_in(const std::string& dir, std::vector<std::string> argv,
                                  const std::string& log) {
  ProcessOptions options;
  options.argv = std::move(argv);
  options.cwd = dir;
  options.log_path = dir + "/" + log;
  options.stop_grace_ms = 1000;
  return std::make_unique<Process>(std::move(options));
}

}  // namespace

CertSpec wide_spec(const std::string& cn) {
  CertSpec spec;
  spec.cn = cn;
  spec.not_before = kYear2000;
  spec.not_after = kYear2099;
  return spec;
}

ServerFiles::ServerFiles(const CertSpec& server_spec, const std::string& metrics_body) {
  ServerFiles& f = *this;
  // nginx workers drop privileges when the tests run as root: let them read the content.
  ::chmod(f.dir.path().c_str(), 0755);
  const Authority authority =
      Authority::make("selftest-ca", KeyKind::ec_p256, kYear2000, kYear2099);
  const Key server_key(KeyKind::ec_p256);
  const Key client_private(KeyKind::ec_p256);
  f.cert = f.dir.write("server.crt", authority.leaf(server_spec, server_key).pem());
  f.key = f.dir.write("server.key", server_key.private_pem());
  f.ca = f.dir.write("ca.crt", authority.cert.pem(), 0644);
  f.client_cert =
      f.dir.write("client.crt", authority.leaf(wide_spec("selftest-client"), client_private).pem());
  f.client_key = f.dir.write("client.key", client_private.private_pem());
  f.metrics = f.dir.write("metrics", metrics_body, 0644);
}

Nginx start_nginx(const ServerFiles& files, const std::string& verify,
                  const std::string& protocols) {
  const std::string d = files.dir.path().string();
  Nginx n;
  for (int attempt = 0; attempt < 3; ++attempt) {
    n.port = free_port();
    std::ostringstream conf;
    conf << "worker_processes 1;\npid " << d << "/nginx.pid;\nerror_log " << d
         << "/error.log;\nevents { worker_connections 256; }\nhttp {\n  access_log off;\n"
         << "  client_body_temp_path " << d << "/body;\n  proxy_temp_path " << d << "/proxy;\n"
         << "  fastcgi_temp_path " << d << "/fastcgi;\n  uwsgi_temp_path " << d << "/uwsgi;\n"
         << "  scgi_temp_path " << d << "/scgi;\n"
         << "  server {\n    listen 127.0.0.1:" << n.port << " ssl;\n"
         << "    ssl_certificate " << files.cert << ";\n    ssl_certificate_key " << files.key
         << ";\n    ssl_protocols " << protocols << ";\n"
         << "    ssl_client_certificate " << files.ca << ";\n    ssl_verify_client " << verify
         << ";\n    keepalive_requests 100000;\n"
         << "    location = /metrics {\n      types { }\n"
         << "      default_type \"text/plain; version=0.0.4\";\n      alias " << files.metrics
         << ";\n    }\n  }\n}\n";
    files.dir.write("nginx.conf", conf.str(), 0644);
    n.process = start_in(
        d, {"nginx", "-p", d, "-e", d + "/error.log", "-c", d + "/nginx.conf", "-g", "daemon off;"},
        "nginx.out");
    if (n.process->wait_listening(n.port)) return n;
    n.process.reset();
  }
  throw std::runtime_error("nginx did not start; see " + d + "/error.log");
}

SServer start_s_server(const ServerFiles& files, const std::vector<std::string>& extra) {
  const std::string d = files.dir.path().string();
  SServer s;
  for (int attempt = 0; attempt < 3; ++attempt) {
    s.port = free_port();
    std::vector<std::string> argv{
        "openssl", "s_server", "-accept", "127.0.0.1:" + std::to_string(s.port),
        "-cert",   files.cert, "-key",    files.key,
        "-WWW",    "-quiet"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    s.process = start_in(d, argv, "s_server.out");
    if (s.process->wait_listening(s.port)) return s;
    s.process.reset();
  }
  throw std::runtime_error("openssl s_server did not start");
}

NodeExporter start_node_exporter(const ServerFiles& files, const std::string& client_auth_type,
                                 const std::string& min_version) {
  const std::string d = files.dir.path().string();
  files.dir.write("web.yml",
                  "tls_server_config:\n  cert_file: " + files.cert + "\n  key_file: " + files.key +
                      "\n  client_auth_type: " + client_auth_type +
                      "\n  client_ca_file: " + files.ca + "\n  min_version: " + min_version + "\n",
                  0644);
  NodeExporter n;
  for (int attempt = 0; attempt < 3; ++attempt) {
    n.port = free_port();
    n.process = start_in(
        d,
        {"prometheus-node-exporter", "--web.listen-address=127.0.0.1:" + std::to_string(n.port),
         "--web.config.file=" + d + "/web.yml", "--collector.disable-defaults",
         "--collector.loadavg", "--collector.time"},
        "node_exporter.out");
    if (n.process->wait_listening(n.port)) return n;
    n.process.reset();
  }
  throw std::runtime_error("prometheus-node-exporter did not start");
}

std::string node_exporter_missing_certificate_alert() {
  const RunResult r = run({"/usr/bin/prometheus-node-exporter", "--version"});
  const std::string text = r.out + r.err;
  const auto at = text.find("go version:");
  if (at == std::string::npos) throw std::runtime_error("no Go version in: " + text);
  std::istringstream version(text.substr(at + std::string("go version:").size()));
  std::string go;  // e.g. "go1.24.4"
  version >> go;
  int major = 0;
  int minor = 0;
  if (std::sscanf(go.c_str(), "go%d.%d", &major, &minor) != 2) {
    throw std::runtime_error("cannot read the Go version " + go);
  }
  return major == 1 && minor <= 19 ? "bad certificate" : "certificate required";
}

}  // namespace promtls::test
