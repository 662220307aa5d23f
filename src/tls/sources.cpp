// Certificate sources (sources.hpp): sniffing one file's bytes, and the walk that collects the
// files (core::PathWalker, core/fs.hpp) and reads them in parallel. PKCS#12 is in
// source_pkcs12.cpp, Kubernetes objects in source_kube.cpp.
#include "promtls/tls/sources.hpp"

#include <algorithm>
#include <atomic>
#include <thread>

#include "promtls/tls/disk.hpp"
#include "promtls/tls/fast_cert.hpp"
#include "promtls/tls/pem.hpp"
#include "sources_detail.hpp"

namespace promtls::tls {
namespace detail {

// A BEGIN line of a block the one list (is_certificate_block(), pem.hpp) reads as a certificate.
bool has_pem_certificate(std::string_view bytes) {
  constexpr std::string_view kBegin = "-----BEGIN ";
  for (std::size_t at = bytes.find(kBegin); at != std::string_view::npos;
       at = bytes.find(kBegin, at + 1)) {
    const std::size_t name = at + kBegin.size();
    const std::size_t end = bytes.find("-----", name);
    if (end == std::string_view::npos) return false;
    if (is_certificate_block(bytes.substr(name, end - name))) return true;
  }
  return false;
}

// Kubernetes objects: JSON, or YAML whose top level names a kind or apiVersion.
bool looks_like_documents(std::string_view bytes) {
  const std::size_t first = bytes.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return false;
  if (bytes[first] == '{' || bytes[first] == '[') return true;
  for (const std::string_view key : {"kind:", "apiVersion:", "clusters:", "users:"}) {
    if (bytes.substr(first, key.size()) == key) return true;
    if (bytes.find("\n" + std::string(key)) != std::string_view::npos) return true;
  }
  return false;
}

std::vector<core::CertInfo> certificates_in(std::string_view bytes, bool der_ok, std::size_t& bad) {
  std::vector<core::CertInfo> certs = read_pem_certificates_fast(bytes, nullptr, &bad);
  if (certs.empty() && bad == 0 && der_ok) {
    core::CertInfo der;
    if (read_certificate_fast(bytes, der)) certs.push_back(std::move(der));
  }
  return certs;
}

}  // namespace detail

namespace {

core::FileSystem& files_of(const SourceOptions& options) {
  return options.files != nullptr ? *options.files : real_file_system();
}

void append(LoadResult& out, LoadResult&& more) {
  const std::size_t offset = out.certificates.size();
  out.certificates.insert(out.certificates.end(),
                          std::make_move_iterator(more.certificates.begin()),
                          std::make_move_iterator(more.certificates.end()));
  out.errors.insert(out.errors.end(), std::make_move_iterator(more.errors.begin()),
                    std::make_move_iterator(more.errors.end()));
  for (TigeraSecret& s : more.tigera_secrets) {
    if (s.cert_index != static_cast<std::size_t>(-1)) s.cert_index += offset;
    out.tigera_secrets.push_back(std::move(s));
  }
  out.tigera_statuses.insert(out.tigera_statuses.end(),
                             std::make_move_iterator(more.tigera_statuses.begin()),
                             std::make_move_iterator(more.tigera_statuses.end()));
}

// Collects the files of the walk in order (walk errors keep their place among them), then reads
// and parses them, in parallel for large trees (parsing is CPU-bound and independent per file),
// and appends every result in collection order.
class Collector {
 public:
  Collector(const SourceOptions& options, LoadResult& out)
      : options_(options),
        out_(out),
        walker_(files_of(options), core::WalkOptions{options.recursive},
                core::WalkVisitor{
                    [this](const std::string& path, const core::FileStat&) {
                      flush_errors();
                      slots_.push_back({path, {}, false});
                    },
                    [this](const std::string& path, std::string_view reason, std::string message) {
                      out_.errors.push_back({path, std::string(reason), std::move(message)});
                    }}) {}

  void path(const std::string& p) {
    if (p == "-") {
      read_stdin();
      return;
    }
    walker_.walk(p);
  }

  void finish() {
    flush_errors();
    core::FileSystem& files = files_of(options_);
    std::atomic<std::size_t> next{0};
    const auto work = [&] {
      for (std::size_t i = next++; i < slots_.size(); i = next++) {
        Slot& slot = slots_[i];
        if (slot.done) continue;
        thread_local std::string bytes;  // reused: no fresh pages per file
        core::FsError error;
        if (files.read_file(slot.path, bytes, error)) {
          slot.result = load_bytes(bytes, slot.path, options_);
        } else {
          slot.result.errors.push_back({slot.path, std::string(error.reason()), error.message()});
        }
        slot.done = true;
      }
    };
    const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
    const std::size_t threads = slots_.size() < 256 ? 1 : std::min<std::size_t>(cores, 8);
    std::vector<std::thread> pool;
    for (std::size_t t = 1; t < threads; ++t) pool.emplace_back(work);
    work();
    for (std::thread& t : pool) t.join();
    std::size_t total = 0;
    for (const Slot& slot : slots_) total += slot.result.certificates.size();
    out_.certificates.reserve(out_.certificates.size() + total);
    for (Slot& slot : slots_) append(out_, std::move(slot.result));
    slots_.clear();
  }

 private:
  struct Slot {
    std::string path;
    LoadResult result;  // walk errors, or the file's certificates and errors
    bool done = false;
  };

  void read_stdin() {
    std::string bytes;
    core::FsError error;
    if (!tls::read_stdin(bytes, error)) {
      out_.errors.push_back({"-", "read_failed", error.message()});
      return;
    }
    flush_errors();
    slots_.push_back({"-", load_bytes(bytes, "-", options_), true});
  }

  // Walk errors keep their place among the files' results.
  void flush_errors() {
    if (out_.errors.empty()) return;
    Slot slot{"", {}, true};
    slot.result.errors = std::move(out_.errors);
    out_.errors.clear();
    slots_.push_back(std::move(slot));
  }

  const SourceOptions& options_;
  LoadResult& out_;
  std::vector<Slot> slots_;
  core::PathWalker walker_;
};

}  // namespace

LoadResult load_bytes(std::string_view bytes, const std::string& source,
                      const SourceOptions& options) {
  LoadResult out;
  // PEM first (the common case, and a PEM file may well contain "kind:" in a comment), then
  // Kubernetes objects, then the binary formats.
  if (detail::has_pem_certificate(bytes) && !detail::looks_like_documents(bytes)) {
    std::size_t bad = 0;
    std::vector<core::CertInfo> certs =
        read_pem_certificates_fast(bytes, nullptr, &bad, options.detail);
    if (bad > 0) {
      out.errors.push_back(
          {source, "bad_pem",
           source + ": " + std::to_string(bad) + " CERTIFICATE block(s) do not parse"});
    }
    out.certificates.reserve(certs.size());
    for (core::CertInfo& cert : certs) {
      core::LocatedCert located;
      located.cert = std::move(cert);
      located.location.filepath = source;
      out.certificates.push_back(std::move(located));
    }
    return out;
  }
  if (detail::looks_like_documents(bytes)) {
    if (detail::load_documents(bytes, source, files_of(options), out)) return out;
    out.errors.push_back({source, "no_certificate_found",
                          source + ": no Secret, ConfigMap or kubeconfig in the documents"});
    return out;
  }
  core::CertInfo der;
  if (read_certificate_fast(bytes, der, nullptr, options.detail)) {
    core::LocatedCert located;
    located.cert = std::move(der);
    located.location.filepath = source;
    out.certificates.push_back(std::move(located));
    return out;
  }
  if (detail::load_pkcs12(bytes, source, options, out)) return out;
  const bool looks_pem = bytes.find("-----BEGIN ") != std::string_view::npos;
  out.errors.push_back(
      {source, looks_pem ? "no_certificate_found" : "decode_failed",
       source + (looks_pem ? ": no CERTIFICATE block in PEM data"
                           : ": neither PEM, DER, PKCS#12 nor Kubernetes objects")});
  return out;
}

LoadResult load_sources(const std::vector<std::string>& paths, const SourceOptions& options) {
  LoadResult out;
  Collector collector(options, out);
  for (const std::string& p : paths) collector.path(p);
  collector.finish();
  return out;
}

}  // namespace promtls::tls
