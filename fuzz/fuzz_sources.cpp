// The source loader (tls/sources.hpp, load_bytes): bytes sniffed as PEM, DER, PKCS#12, JKS or
// JCEKS, or Kubernetes objects and kubeconfigs in YAML or JSON, then what inspect and serve do
// with the certificates: judge them, render the inspect JSON and text, and write the gauges as
// `inspect -o prometheus` does, which must parse as exposition text. File references (kubeconfigs)
// reach a file system that has no files, so no input makes the harness read the machine's.
#include <cerrno>
#include <sstream>
#include <string>
#include <vector>

#include "fuzz_support.hpp"
#include "promtls/core/exposition.hpp"
#include "promtls/core/inspect_report.hpp"
#include "promtls/tls/sources.hpp"

namespace {

class NoFiles final : public promtls::core::FileSystem {
 public:
  bool read_file(const std::string& path, std::string&, promtls::core::FsError& error,
                 promtls::core::FileStat*) override {
    error = {ENOENT, "open", path};
    return false;
  }
  bool stat(const std::string& path, promtls::core::FileStat&, promtls::core::FsError& error,
            bool follow) override {
    error = {ENOENT, follow ? "stat" : "lstat", path};
    return false;
  }
  bool list_directory(const std::string& path, std::vector<promtls::core::DirEntry>&,
                      promtls::core::FsError& error) override {
    error = {ENOENT, "opendir", path};
    return false;
  }
};

constexpr std::int64_t kNow = 1'767'225'600;  // 2026-01-01T00:00:00Z

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace promtls;
  NoFiles files;
  tls::SourceOptions options;
  options.passwords = {"changeit"};  // keytool's usual one: the JKS seeds' integrity digest
  options.files = &files;
  const tls::LoadResult loaded = tls::load_bytes(fuzz::as_text(data, size), "fuzz.in", options);

  core::InspectReport report;
  report.now_unix = kNow;
  report.inputs = {"fuzz.in"};
  for (const core::LocatedCert& located : loaded.certificates) {
    core::InspectedCert inspected;
    inspected.located = located;
    inspected.judgement = core::judge_certificate(located.cert, core::ExpiryPolicy{}, kNow);
    report.certificates.push_back(std::move(inspected));
  }
  for (const tls::SourceError& error : loaded.errors) {
    fuzz::require(!error.reason.empty(), "a source error has a reason");
    report.errors.push_back({error.source, error.reason, error.message});
  }
  for (const tls::SkippedFile& skipped : loaded.skipped) {
    report.skipped.push_back({skipped.source, skipped.kind});
  }
  report.tigera_statuses = loaded.tigera_statuses;
  for (const tls::TigeraSecret& secret : loaded.tigera_secrets) {
    if (secret.cert_index < loaded.certificates.size()) {
      (void)core::check_tigera(secret.metadata, loaded.certificates[secret.cert_index].cert);
    }
  }

  (void)core::inspect_json(report).dump(2);
  (void)core::render_inspect_text(report);
  (void)core::render_inspect_table(report);
  std::ostringstream streamed;
  core::write_inspect_exposition(report, streamed);
  const std::string text = streamed.str();
  fuzz::require(text.starts_with(core::render_exposition(core::inspect_families(report))),
                "the streamed gauges are the rendered families, byte for byte");
  fuzz::require(core::parse_exposition(text).errors.empty(),
                "inspect's gauges parse as exposition text");
  return 0;
}
