// Certificate sources (sources.hpp): sniffing one file's bytes, and the walk that collects the
// files (core::PathWalker, core/fs.hpp) and reads them in parallel. PKCS#12 is in
// source_pkcs12.cpp, Kubernetes objects in source_kube.cpp.
#include "promtls/tls/sources.hpp"

#include <openssl/x509.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <thread>

#include "detail/openssl.hpp"
#include "promtls/core/documents.hpp"
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

// Kubernetes objects: JSON, or YAML whose top level names a kind or apiVersion (the key plain or
// quoted, as YAML writers that quote every string write it).
bool looks_like_documents(std::string_view bytes) {
  const std::size_t first = bytes.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return false;
  if (bytes[first] == '{' || bytes[first] == '[') return true;
  for (const std::string_view name : {"kind", "apiVersion", "clusters", "users"}) {
    for (const std::string_view quote : {"", "\"", "'"}) {
      const std::string key = std::string(quote) + std::string(name) + std::string(quote) + ":";
      if (bytes.substr(first, key.size()) == key) return true;
      if (bytes.find("\n" + key) != std::string_view::npos) return true;
    }
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

std::string_view pem_kind(std::string_view bytes) {
  constexpr std::string_view kBegin = "-----BEGIN ";
  std::string_view kind;
  bool parameters = false;
  for (std::size_t at = bytes.find(kBegin); at != std::string_view::npos;
       at = bytes.find(kBegin, at + 1)) {
    const std::size_t name_at = at + kBegin.size();
    const std::size_t end = bytes.find("-----", name_at);
    if (end == std::string_view::npos) return {};
    const std::string_view name = bytes.substr(name_at, end - name_at);
    std::string_view this_kind;
    if (is_private_key_block(name)) {
      this_kind = "private_key";
    } else if (name == "PUBLIC KEY" || name == "RSA PUBLIC KEY") {
      this_kind = "public_key";
    } else if (name == "CERTIFICATE REQUEST" || name == "NEW CERTIFICATE REQUEST") {
      this_kind = "certificate_request";
    } else if (name == "X509 CRL") {
      this_kind = "crl";
    } else if (name == "EC PARAMETERS" || name == "DH PARAMETERS" ||
               name == "X9.42 DH PARAMETERS" || name == "DSA PARAMETERS") {
      parameters = true;  // beside a key ("openssl ecparam -genkey"), the key names the file
      continue;
    } else {
      return {};  // a block we do not know, or a certificate block ("X509 CERTIFICATE")
    }
    if (kind.empty()) kind = this_kind;
    at = end;
  }
  return !kind.empty() ? kind : parameters ? "key_parameters" : std::string_view{};
}

std::string_view der_kind(std::string_view bytes) {
  if (bytes.empty() || bytes.size() > (1u << 24)) return {};
  const auto* const begin = reinterpret_cast<const unsigned char*>(bytes.data());
  const long size = static_cast<long>(bytes.size());
  // Each decoder must consume every byte: a prefix that happens to decode is not the file.
  const auto whole = [&](auto decode, auto free) {
    const unsigned char* p = begin;
    auto* object = decode(&p, size);
    const bool ok = object != nullptr && p == begin + size;
    if (object != nullptr) free(object);
    ::ERR_clear_error();
    return ok;
  };
  if (whole([](const unsigned char** p, long n) { return ::d2i_X509_CRL(nullptr, p, n); },
            ::X509_CRL_free)) {
    return "crl";
  }
  if (whole([](const unsigned char** p, long n) { return ::d2i_X509_REQ(nullptr, p, n); },
            ::X509_REQ_free)) {
    return "certificate_request";
  }
  if (whole([](const unsigned char** p, long n) { return ::d2i_PUBKEY(nullptr, p, n); },
            ::EVP_PKEY_free)) {
    return "public_key";
  }
  if (whole([](const unsigned char** p, long n) { return ::d2i_AutoPrivateKey(nullptr, p, n); },
            ::EVP_PKEY_free) ||
      whole([](const unsigned char** p, long n) { return ::d2i_X509_SIG(nullptr, p, n); },
            ::X509_SIG_free)) {
    return "private_key";  // PKCS#8, traditional, or encrypted PKCS#8
  }
  return {};
}

bool looks_like_env_file(std::string_view bytes) {
  if (bytes.find('\0') != std::string_view::npos) return false;
  bool any = false;
  std::size_t start = 0;
  while (start < bytes.size()) {
    std::size_t end = bytes.find('\n', start);
    if (end == std::string_view::npos) end = bytes.size();
    std::string_view line = bytes.substr(start, end - start);
    start = end + 1;
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) {
      line.remove_suffix(1);
    }
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
    if (line.empty() || line.front() == '#') continue;
    if (line.starts_with("export ")) line.remove_prefix(7);
    const std::size_t eq = line.find('=');
    if (eq == 0 || eq == std::string_view::npos) return false;
    const std::string_view name = line.substr(0, eq);
    const auto word = [](char c) {
      return c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    };
    if (name.front() >= '0' && name.front() <= '9') return false;
    if (!std::all_of(name.begin(), name.end(), word)) return false;
    any = true;
  }
  return any;
}

bool kubernetes_objects(std::string_view bytes) {
  const std::vector<core::Document> docs = core::parse_documents(bytes, {.positions = false});
  if (docs.empty() || core::first_error(docs) != nullptr) return false;
  return std::all_of(docs.begin(), docs.end(), [](const core::Document& doc) {
    const auto is_named = [&doc](const char* key) {
      return !doc.root[key].string().value_or("").empty();
    };
    return doc.root.is_mapping() && is_named("kind") && is_named("apiVersion");
  });
}

}  // namespace detail

namespace {

core::FileSystem& files_of(const SourceOptions& options) {
  return options.files != nullptr ? *options.files : real_file_system();
}

core::WalkOptions walk_options(const SourceOptions& options) {
  core::WalkOptions walk(options.recursive);
  walk.follow_outside_links = options.follow_symlinks;
  walk.include = options.include;
  walk.exclude = options.exclude;
  return walk;
}

// Everything but the certificates; `offset` is the number of certificates before `more`'s.
void append_rest(LoadResult& out, LoadResult&& more, std::size_t offset) {
  out.errors.insert(out.errors.end(), std::make_move_iterator(more.errors.begin()),
                    std::make_move_iterator(more.errors.end()));
  out.skipped.insert(out.skipped.end(), std::make_move_iterator(more.skipped.begin()),
                     std::make_move_iterator(more.skipped.end()));
  out.tigera_statuses.insert(out.tigera_statuses.end(),
                             std::make_move_iterator(more.tigera_statuses.begin()),
                             std::make_move_iterator(more.tigera_statuses.end()));
  for (TigeraSecret& s : more.tigera_secrets) {
    if (s.cert_index != static_cast<std::size_t>(-1)) s.cert_index += offset;
    out.tigera_secrets.push_back(std::move(s));
  }
}

// A skipped kind for people: "a private key".
std::string described(std::string_view kind) {
  if (kind == "private_key") return "a private key";
  if (kind == "public_key") return "a public key";
  if (kind == "certificate_request") return "a certificate request";
  if (kind == "crl") return "a CRL";
  if (kind == "key_parameters") return "key parameters";
  return std::string(kind);
}

// One file's bytes. A `walked` file (met listing a directory or expanding a glob) that holds no
// certificate and is not meant to is skipped (sources.hpp); the same file named on the command
// line is an error.
LoadResult load_file(std::string_view bytes, const std::string& source,
                     const SourceOptions& options, bool walked) {
  LoadResult out;
  const auto not_certificates = [&](std::string_view kind, const char* reason,
                                    const std::string& message) {
    if (walked && !kind.empty()) {
      out.skipped.push_back({source, std::string(kind)});
    } else {
      out.errors.push_back({source, reason, message});
    }
  };
  // PEM first (the common case, and a PEM file may well contain "kind:" in a comment), then
  // Kubernetes objects, then the binary formats.
  std::size_t bad = 0;
  std::vector<core::CertInfo> certs;
  if (detail::has_pem_certificate(bytes) && !detail::looks_like_documents(bytes)) {
    certs = read_pem_certificates_fast(bytes, nullptr, &bad, options.detail);
  }
  // A marker that begins no block (one inside a quoted string) is not PEM: the readers below
  // decide, and one of them reports the file.
  if (!certs.empty() || bad > 0) {
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
    if (detail::load_documents(bytes, source, files_of(options), out, options)) {
      // Secrets without certificate values, a kubeconfig with tokens only: nothing to report.
      if (walked && out.certificates.empty() && out.errors.empty() && out.skipped.empty() &&
          out.tigera_secrets.empty() && out.tigera_statuses.empty()) {
        out.skipped.push_back({source, "kubernetes_objects"});
      }
      return out;
    }
    not_certificates(detail::kubernetes_objects(bytes) ? "kubernetes_objects" : "",
                     "no_certificate_found",
                     source + ": no Secret, ConfigMap or kubeconfig in the documents");
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
  if (detail::load_keystore(bytes, source, options, out)) return out;  // JKS, JCEKS
  if (detail::load_pkcs12(bytes, source, options, out)) return out;
  if (bytes.find("-----BEGIN ") != std::string_view::npos) {
    const std::string_view kind = detail::pem_kind(bytes);
    not_certificates(kind, "no_certificate_found",
                     source + ": no CERTIFICATE block in PEM data" +
                         (kind.empty() ? "" : " (it holds " + described(kind) + ")"));
    return out;
  }
  if (const std::string_view kind = detail::der_kind(bytes); !kind.empty()) {
    not_certificates(kind, "no_certificate_found",
                     source + ": no certificate (it holds " + described(kind) + ", DER)");
    return out;
  }
  if (detail::looks_like_env_file(bytes)) {
    not_certificates("env_file", "no_certificate_found",
                     source + ": no certificate (an env file of NAME=value lines)");
    return out;
  }
  // Anything else stays an error even in a walked directory (sources.hpp says why).
  out.errors.push_back(
      {source, "decode_failed", source + ": neither PEM, DER, PKCS#12 nor Kubernetes objects"});
  return out;
}

// Collects the files of the walk in order (walk errors and excluded files keep their place among
// them), then reads and parses them, in parallel for large trees (parsing is CPU-bound and
// independent per file), and appends every result in collection order.
class Collector {
 public:
  Collector(const SourceOptions& options, LoadResult& out, LoadCache* cache = nullptr,
            const CertificateSink* sink = nullptr)
      : options_(options),
        out_(out),
        cache_(cache),
        sink_(sink),
        walker_(files_of(options), walk_options(options),
                core::WalkVisitor{
                    [this](const std::string& path, const core::FileStat& st) {
                      flush_pending();
                      // The walker visits a named file under the very name it was given. It
                      // stats only what a listing does not identify (links, named paths): a
                      // plain directory entry comes without an mtime.
                      slots_.push_back(slot(path, {}, false, path != root_, st.mtime_ns != 0));
                      slots_.back().size = st.size;
                    },
                    [this](const std::string& path, std::string_view reason, std::string message) {
                      pending_.errors.push_back({path, std::string(reason), std::move(message)});
                    },
                    [this](const std::string& path) {
                      pending_.skipped.push_back({path, "excluded"});
                    },
                    [this](const std::string& path) {
                      if (cache_ != nullptr) directories_.push_back(path);
                    },
                    [this](const std::string& path, std::string_view kind) {
                      pending_.skipped.push_back({path, std::string(kind)});
                    }}) {}

  void path(const std::string& p) {
    if (p == "-") {
      read_stdin();
      return;
    }
    root_ = p;
    const std::size_t before = slots_.size() + pending_.errors.size() + pending_.skipped.size();
    walker_.walk(p);
    // A directory named on the command line with no file in it (a volume not mounted, a
    // wrong path in a mounted tree) is reported, not passed over. A watched directory may
    // stay empty until its files appear.
    if (cache_ == nullptr &&
        slots_.size() + pending_.errors.size() + pending_.skipped.size() == before) {
      pending_.skipped.push_back({p, "empty_directory"});
    }
  }

  // Reads every slot, in parallel for large trees. A cached load keeps the results in the
  // slots for pieces(); any other load hands them over in order as they are done, to the sink or
  // into the result's certificates.
  void finish() {
    flush_pending();
    core::FileSystem& files = files_of(options_);
    const std::size_t n = slots_.size();
    const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
    const std::size_t threads = n < 256 ? 1 : std::min<std::size_t>(cores, 8);
    const auto cancelled = [this] { return options_.cancel != nullptr && options_.cancel->load(); };
    std::atomic<std::size_t> next{0};
    if (cache_ != nullptr) {
      const auto work = [&] {
        for (std::size_t i = next++; i < n && !cancelled(); i = next++) {
          if (!slots_[i].done) read_slot(slots_[i], files);
          slots_[i].done = true;
        }
      };
      std::vector<std::thread> pool;
      for (std::size_t t = 1; t < threads; ++t) pool.emplace_back(work);
      work();
      for (std::thread& t : pool) t.join();
      return;
    }
    CertificateSink collect;
    if (sink_ == nullptr) {
      collect.files = [this](std::size_t count) { out_.certificates.reserve(count); };
      collect.certificate = [this](core::LocatedCert&& c) {
        out_.certificates.push_back(std::move(c));
      };
    }
    const CertificateSink& sink = sink_ != nullptr ? *sink_ : collect;
    // The calling thread hands each slot over once it and those before it are done, reading
    // files itself while the next one is not; `ready` says which are done.
    std::unique_ptr<std::atomic<bool>[]> ready(new std::atomic<bool>[n]);
    for (std::size_t i = 0; i < n; ++i) ready[i].store(slots_[i].done, std::memory_order_relaxed);
    std::mutex ready_mutex;
    std::condition_variable ready_changed;
    std::atomic<bool> consumer_waiting{false};
    const auto read_one = [&](std::size_t i) {
      read_slot(slots_[i], files);
      slots_[i].done = true;
      // Sequentially consistent with the consumer's flag-then-check: either this sees it
      // waiting and wakes it, or its check sees the slot done.
      ready[i].store(true);
      if (consumer_waiting.load()) {
        const std::lock_guard lock(ready_mutex);
        ready_changed.notify_one();
      }
    };
    const auto work = [&] {
      for (std::size_t i = next++; i < n && !cancelled(); i = next++) {
        if (!ready[i].load()) read_one(i);
      }
    };
    if (sink.files) sink.files(n);
    std::vector<std::thread> pool;
    for (std::size_t t = 1; t < threads; ++t) pool.emplace_back(work);
    std::size_t i = 0;
    for (; i < n; ++i) {
      while (!ready[i].load() && !cancelled()) {
        // Another thread is reading it: read one more meanwhile, and wait only when none is
        // left (a wake-up per file would cost more than the file). A stop asked for while
        // waiting is seen within 50 ms.
        if (const std::size_t j = next++; j < n) {
          if (!ready[j].load()) read_one(j);
          continue;
        }
        std::unique_lock lock(ready_mutex);
        consumer_waiting.store(true);
        ready_changed.wait_for(lock, std::chrono::milliseconds(50),
                               [&] { return ready[i].load(); });
        consumer_waiting.store(false);
      }
      if (!ready[i].load()) break;  // stopped
      hand_over(slots_[i], sink);
    }
    for (std::thread& t : pool) t.join();
    // Stopped: what was read before the stop, in order.
    for (; i < n; ++i) {
      if (slots_[i].done) hand_over(slots_[i], sink);
    }
    slots_.clear();
  }

 private:
  // One per file of the walk (100,000 at a time in a large tree): the results and what only
  // cached loads need are allocated when there are any.
  struct Links {
    std::string target;               // the real directory of a link
    std::vector<std::string> others;  // other files it read
  };
  struct Slot {
    std::string path;
    // Walk errors and excluded files, or the file's results; null until read, and again once
    // handed over.
    std::unique_ptr<LoadResult> result;
    bool done = false;
    bool walked = false;
    bool stated = false;                     // the walker stat()ed it: perhaps a link
    std::uint64_t size = 0;                  // as the walker saw it (0: not known)
    std::shared_ptr<const SourceFile> file;  // cached loads: the file's piece
    std::unique_ptr<Links> links;            // cached loads: links met reading it, if any
  };

  static std::uint64_t stream_above() {
    return std::min(detail::kStreamBytes, RealFileSystem::max_file_bytes());
  }

  static Slot slot(std::string path, LoadResult result, bool done, bool walked,
                   bool stated = false) {
    Slot out;
    out.path = std::move(path);
    if (done) out.result = std::make_unique<LoadResult>(std::move(result));
    out.done = done;
    out.walked = walked;
    out.stated = stated;
    return out;
  }

  // Reads one slot's file (worker threads).
  void read_slot(Slot& slot, core::FileSystem& files) {
    thread_local std::string bytes;  // reused: no fresh pages per file
    if (cache_ != nullptr) {
      load_cached(slot, files, bytes);
      return;
    }
    slot.result = std::make_unique<LoadResult>();
    LoadResult& result = *slot.result;
    try {
      core::FsError error;
      if (slot.size > stream_above() && &files == &real_file_system() &&
          detail::stream_file(slot.path, options_, slot.walked, result)) {
        // A large Kubernetes List, one item at a time (issue 17).
      } else if (files.read_file(slot.path, bytes, error)) {
        result = load_file(bytes, slot.path, options_, slot.walked);
      } else if (error.reason() == "too_large" && &files == &real_file_system() &&
                 detail::stream_file(slot.path, options_, slot.walked, result)) {
        // A walked file comes without its size (no stat per entry): a List over the
        // whole-file bound is still read one item at a time.
      } else {
        result.errors.push_back({slot.path, std::string(error.reason()), error.message()});
      }
    } catch (const std::exception& e) {
      // A worker thread must never end the process (std::terminate), and one file never
      // loses the others: the file's error instead.
      result = {};
      result.errors.push_back(
          {slot.path, "internal_error", slot.path + ": reading failed: " + e.what()});
    }
  }

  // A done slot's certificates to the sink, the rest to the result; its memory is freed at once.
  void hand_over(Slot& slot, const CertificateSink& sink) {
    if (!slot.result) return;
    const std::size_t offset = handed_over_;
    for (core::LocatedCert& c : slot.result->certificates) {
      sink.certificate(std::move(c));
      ++handed_over_;
    }
    append_rest(out_, std::move(*slot.result), offset);
    slot.result.reset();
  }

  // A file system that notes every file read but `self` (a kubeconfig's file references).
  class Recording final : public core::FileSystem {
   public:
    Recording(core::FileSystem& files, const std::string& self) : files_(files), self_(self) {}
    bool read_file(const std::string& path, std::string& bytes, core::FsError& error,
                   core::FileStat* stat) override {
      if (path != self_) others.push_back(path);
      return files_.read_file(path, bytes, error, stat);
    }
    bool stat(const std::string& path, core::FileStat& out, core::FsError& error,
              bool follow) override {
      return files_.stat(path, out, error, follow);
    }
    std::string real_path(const std::string& path) override { return files_.real_path(path); }
    bool list_directory(const std::string& path, std::vector<core::DirEntry>& out,
                        core::FsError& error) override {
      return files_.list_directory(path, out, error);
    }
    std::vector<std::string> others;

   private:
    core::FileSystem& files_;
    const std::string& self_;
  };

  static FileKey key_of(const core::FileStat& st) {
    return {st.dev, st.ino, st.size, st.mtime_ns, st.ctime_ns, st.mode};
  }

  static std::string parent_of(const std::string& path) {
    const std::size_t slash = path.rfind('/');
    if (slash == std::string::npos) return ".";
    return slash == 0 ? "/" : path.substr(0, slash);
  }

  // One file of a cached load (worker threads: reads the old cache only).
  void load_cached(Slot& slot, core::FileSystem& files, std::string& bytes) {
    try {
      if (slot.stated) {
        core::FileStat lst;
        core::FsError ignored;
        if (files.stat(slot.path, lst, ignored, false) && lst.type == core::FileType::symlink) {
          if (!slot.links) slot.links = std::make_unique<Links>();
          slot.links->target = parent_of(files.real_path(slot.path));
        }
      }
      core::FileStat st;
      core::FsError error;
      if (files.stat(slot.path, st, error)) {
        const auto it = cache_->files.find(slot.path);
        if (it != cache_->files.end() && it->second.file->key == key_of(st) &&
            !it->second.file->depends_on_others) {
          slot.file = it->second.file;
          return;
        }
      }
      auto file = std::make_shared<SourceFile>();
      file->path = slot.path;
      Recording recording(files, slot.path);
      SourceOptions options = options_;
      options.files = &recording;
      core::FileStat opened;
      if (files.read_file(slot.path, bytes, error, &opened)) {
        // The key of the file read (fstat of the open file): a change while reading shows next
        // time.
        file->key = key_of(opened);
        file->result = load_file(bytes, slot.path, options, slot.walked);
      } else {
        file->result.errors.push_back({slot.path, std::string(error.reason()), error.message()});
      }
      file->depends_on_others = !recording.others.empty();
      if (!recording.others.empty()) {
        if (!slot.links) slot.links = std::make_unique<Links>();
        slot.links->others = std::move(recording.others);
      }
      slot.file = std::move(file);
    } catch (const std::exception& e) {
      auto file = std::make_shared<SourceFile>();
      file->path = slot.path;
      file->depends_on_others = true;  // never reused
      file->result.errors.push_back(
          {slot.path, "internal_error", slot.path + ": reading failed: " + e.what()});
      slot.file = std::move(file);
    }
  }

 public:
  // After finish() of a cached load: the pieces in walk order, and the new cache.
  std::vector<std::shared_ptr<const SourceFile>> pieces() {
    std::vector<std::shared_ptr<const SourceFile>> out;
    out.reserve(slots_.size());
    LoadCache& cache = *cache_;
    const std::uint64_t generation = ++cache.generation;
    cache.reads = 0;
    cache.reused = 0;
    cache.directories = std::move(directories_);
    cache.link_targets.clear();
    for (Slot& slot : slots_) {
      if (!slot.file) {
        // Walk errors, excluded files, standard input: never cached.
        auto piece = std::make_shared<SourceFile>();
        piece->path = slot.path == "-" ? "-" : "";
        if (slot.result) piece->result = std::move(*slot.result);
        out.push_back(std::move(piece));
        continue;
      }
      auto [it, inserted] = cache.files.try_emplace(slot.path);
      if (!inserted && it->second.file == slot.file) {
        ++cache.reused;
      } else {
        ++cache.reads;
      }
      it->second.file = slot.file;
      it->second.generation = generation;
      if (slot.links) {
        if (!slot.links->target.empty())
          cache.link_targets.push_back(std::move(slot.links->target));
        for (std::string& other : slot.links->others)
          cache.link_targets.push_back(std::move(other));
      }
      out.push_back(std::move(slot.file));
    }
    std::erase_if(cache.files, [generation](const auto& entry) {
      return entry.second.generation != generation;
    });
    std::sort(cache.link_targets.begin(), cache.link_targets.end());
    cache.link_targets.erase(std::unique(cache.link_targets.begin(), cache.link_targets.end()),
                             cache.link_targets.end());
    slots_.clear();
    return out;
  }

 private:
  void read_stdin() {
    std::string bytes;
    core::FsError error;
    bool streaming = false;
    if (!tls::read_stdin_head(bytes, stream_above() + 1, streaming, error)) {
      pending_.errors.push_back({"-", "read_failed", error.message()});
      return;
    }
    flush_pending();
    slots_.push_back(slot("-",
                          streaming ? detail::stream_stdin(std::move(bytes), options_)
                                    : load_file(bytes, "-", options_, false),
                          true, false));
  }

  // Walk errors and excluded files keep their place among the files' results.
  void flush_pending() {
    if (pending_.errors.empty() && pending_.skipped.empty()) return;
    Slot done = slot("", std::move(pending_), true, false);
    pending_ = {};
    slots_.push_back(std::move(done));
  }

  const SourceOptions& options_;
  LoadResult& out_;
  LoadCache* cache_;
  const CertificateSink* sink_;
  std::size_t handed_over_ = 0;           // certificates given to sink_
  std::vector<std::string> directories_;  // cached loads: every directory listed
  LoadResult pending_;
  std::string root_;  // the path being walked
  std::vector<Slot> slots_;
  core::PathWalker walker_;
};

}  // namespace

LoadResult load_bytes(std::string_view bytes, const std::string& source,
                      const SourceOptions& options) {
  return load_file(bytes, source, options, false);
}

namespace {

LoadResult load_streamed(std::string_view bytes, const std::string& source,
                         const SourceOptions& options, std::size_t chunk_bytes,
                         std::uint64_t max_item_bytes, detail::StreamFormat format) {
  LoadResult out;
  std::size_t at = 0;
  const detail::StreamEnd end = detail::load_json_stream(
      [&](char* buffer, std::size_t capacity) {
        const std::size_t n = std::min({capacity, chunk_bytes, bytes.size() - at});
        std::memcpy(buffer, bytes.data() + at, n);
        at += n;
        return n;
      },
      source, options, false, max_item_bytes, out, chunk_bytes, format);
  if (end == detail::StreamEnd::several_documents) {
    out = {};
    out.errors.push_back({source, "too_large", source + ": several documents; not streamed"});
  }
  return out;
}

}  // namespace

LoadResult load_json_streamed(std::string_view bytes, const std::string& source,
                              const SourceOptions& options, std::size_t chunk_bytes,
                              std::uint64_t max_item_bytes) {
  return load_streamed(bytes, source, options, chunk_bytes, max_item_bytes,
                       detail::StreamFormat::json);
}

LoadResult load_yaml_streamed(std::string_view bytes, const std::string& source,
                              const SourceOptions& options, std::size_t chunk_bytes,
                              std::uint64_t max_item_bytes) {
  return load_streamed(bytes, source, options, chunk_bytes, max_item_bytes,
                       detail::StreamFormat::yaml);
}

std::vector<std::shared_ptr<const SourceFile>> load_sources_cached(
    const std::vector<std::string>& paths, const SourceOptions& options, LoadCache& cache) {
  LoadResult unused;
  Collector collector(options, unused, &cache);
  for (const std::string& p : paths) collector.path(p);
  collector.finish();
  return collector.pieces();
}

LoadResult load_sources(const std::vector<std::string>& paths, const SourceOptions& options) {
  LoadResult out;
  Collector collector(options, out);
  for (const std::string& p : paths) collector.path(p);
  collector.finish();
  return out;
}

LoadResult load_sources(const std::vector<std::string>& paths, const SourceOptions& options,
                        const CertificateSink& sink) {
  LoadResult out;
  Collector collector(options, out, nullptr, &sink);
  for (const std::string& p : paths) collector.path(p);
  collector.finish();
  return out;
}

}  // namespace promtls::tls
