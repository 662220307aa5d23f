// serve --watch's body as scrapers get it: gzip when the scraper accepts it (Prometheus sends
// "Accept-Encoding: gzip"), one gzip stream whose certificate part is compressed once per change,
// "Vary: Accept-Encoding", HEAD with the same headers; and a reload of one changed file among
// many, seen by the next scrape.
#include <zlib.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "serve_fixture.hpp"

namespace promtls::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

HttpResponse request(int port, const std::string& method, const std::string& extra) {
  return parse_response(raw_exchange(
      port, method + " /metrics HTTP/1.1\r\nHost: x\r\n" + extra + "Connection: close\r\n\r\n"));
}

// The whole gzip stream inflated; "" (and a failed CHECK) when it is not exactly one stream.
std::string gunzip(const std::string& data) {
  z_stream z{};
  REQUIRE(::inflateInit2(&z, 15 + 16) == Z_OK);
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  std::string out;
  char chunk[65536];
  int rc = Z_OK;
  while (rc == Z_OK) {
    z.next_out = reinterpret_cast<Bytef*>(chunk);
    z.avail_out = sizeof chunk;
    rc = ::inflate(&z, Z_NO_FLUSH);
    out.append(chunk, sizeof chunk - z.avail_out);
  }
  const bool whole = rc == Z_STREAM_END && z.avail_in == 0;
  ::inflateEnd(&z);
  CHECK(whole);
  return whole ? out : std::string();
}

// The certificate families: everything before serve's own families.
std::string certificate_part(const std::string& body) {
  return body.substr(0, body.find("# HELP promtls_build_info"));
}

bool has_header(const HttpResponse& r, const std::string& line) {
  return r.headers.find(line + "\r\n") != std::string::npos;
}

void write_text(const fs::path& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
}

TEST_CASE("serve gzips the metrics for a scraper that accepts gzip, and says it varies") {
  ServePki pki;
  const fs::path dir = pki.dir.path() / "certs";
  fs::create_directory(dir);
  for (int i = 0; i < 50; ++i) {
    const Authority ca =
        Authority::make("gzip-" + std::to_string(i), KeyKind::ec_p256, k2020, k2099);
    write_text(dir / ("c" + std::to_string(i) + ".crt"), ca.cert.pem());
  }
  Serve s = start_serve({"--watch", dir.string()}, pki.log_path("serve.log"));
  REQUIRE(s.process->wait_for_log("sources_loaded", 5000));
  const HttpResponse plain = request(s.port, "GET", "");
  REQUIRE(plain.status == 200);
  CHECK(has_header(plain, "Vary: Accept-Encoding"));
  CHECK(plain.headers.find("Content-Encoding") == std::string::npos);
  CHECK(plain.body.find("subject_CN=\"gzip-49\"") != std::string::npos);

  // Twice: each scrape continues the stream of the once-compressed part.
  for (int i = 0; i < 2; ++i) {
    const HttpResponse gz = request(s.port, "GET", "Accept-Encoding: gzip\r\n");
    REQUIRE(gz.status == 200);
    CHECK(has_header(gz, "Content-Encoding: gzip"));
    CHECK(has_header(gz, "Vary: Accept-Encoding"));
    CHECK(has_header(gz, "Content-Length: " + std::to_string(gz.body.size())));
    CHECK(gz.body.size() * 4 < plain.body.size());
    const std::string text = gunzip(gz.body);
    CHECK(certificate_part(text) == certificate_part(plain.body));
    CHECK(text.find("promtls_http_requests_total{code=\"200\"}") != std::string::npos);
  }
  // Codings as RFC 9110 writes them: a list, weights, case; q=0 refuses.
  CHECK(has_header(request(s.port, "GET", "Accept-Encoding: br, GZIP;q=0.5\r\n"),
                   "Content-Encoding: gzip"));
  CHECK(has_header(request(s.port, "GET", "Accept-Encoding: *\r\n"), "Content-Encoding: gzip"));
  for (const char* refused : {"gzip;q=0", "gzip; q=0.000", "identity", "br, deflate"}) {
    INFO(refused);
    const HttpResponse r =
        request(s.port, "GET", std::string("Accept-Encoding: ") + refused + "\r\n");
    CHECK(r.headers.find("Content-Encoding") == std::string::npos);
    CHECK(certificate_part(r.body) == certificate_part(plain.body));
  }
  // HEAD: GET's headers, no body.
  const HttpResponse head = request(s.port, "HEAD", "Accept-Encoding: gzip\r\n");
  CHECK(head.status == 200);
  CHECK(has_header(head, "Content-Encoding: gzip"));
  CHECK(has_header(head, "Vary: Accept-Encoding"));
  CHECK(head.body.empty());
}

TEST_CASE("one changed file among many is re-read alone and the next scrape shows it") {
  ServePki pki;
  const fs::path dir = pki.dir.path() / "many";
  fs::create_directory(dir);
  const Authority ca = Authority::make("many-ca", KeyKind::ec_p256, k2020, k2099);
  for (int i = 0; i < 200; ++i) write_text(dir / ("c" + std::to_string(i) + ".crt"), ca.cert.pem());
  Serve s = start_serve({"--watch", dir.string()}, pki.log_path("serve.log"));
  REQUIRE(s.process->wait_for_log("sources_loaded", 5000));
  CHECK(s.process->log().find("files_read=200") != std::string::npos);
  const Authority other = Authority::make("changed-ca", KeyKind::ec_p256, k2020, k2099);
  write_text(dir / "c7.crt", other.cert.pem());
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  std::string body;
  while (std::chrono::steady_clock::now() < deadline) {
    body = request(s.port, "GET", "Accept-Encoding: gzip\r\n").body;
    body = gunzip(body);
    if (body.find("subject_CN=\"changed-ca\"") != std::string::npos) break;
    std::this_thread::sleep_for(10ms);
  }
  CHECK(body.find("subject_CN=\"changed-ca\"") != std::string::npos);
  REQUIRE(s.process->wait_for_log("sources_reloaded", 5000));
  CHECK(s.process->log().find("files_read=1\n") != std::string::npos);
}

}  // namespace
}  // namespace promtls::test
