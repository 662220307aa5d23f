#include "promtls/tls/sources.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <glob.h>
#include <openssl/pkcs12.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <filesystem>
#include <map>
#include <set>
#include <thread>

#include "detail/io.hpp"
#include "detail/openssl.hpp"
#include "promtls/core/documents.hpp"
#include "promtls/core/go.hpp"
#include "promtls/tls/fast_cert.hpp"
#include "promtls/tls/pem.hpp"

namespace promtls::tls {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr const char* kTigeraIssuer = "certificates.operator.tigera.io/issuer";
constexpr const char* kTigeraExpiry = "certificates.operator.tigera.io/expiry";
constexpr const char* kTigeraSigner = "certificates.operator.tigera.io/signer";

std::string reason_for(int err) {
  switch (err) {
    case ENOENT:
      return "not_found";
    case EACCES:
    case EPERM:
      return "permission_denied";
    default:
      return "read_failed";
  }
}

// Reads a whole file: open, then reads into `bytes` (certificates are small: it starts with 8 KiB
// and grows, which saves an fstat per file); `err` is the errno of the failing call, `op` its
// name.
bool read_whole_file(const std::string& path, std::string& bytes, int& err, const char*& op) {
  op = "open";
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    err = errno;
    return false;
  }
  op = "read";
  err = detail::read_to_end(fd, bytes);
  ::close(fd);
  return err == 0;
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
}

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

struct Pkcs12Deleter {
  void operator()(PKCS12* p) const noexcept { ::PKCS12_free(p); }
};

// PKCS#12: the MAC tells which password is right; then the certificate bags are read (the key
// is decrypted by PKCS12_parse and freed at once, never exposed).
bool load_pkcs12(std::string_view bytes, const std::string& source, const SourceOptions& options,
                 LoadResult& out) {
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  std::unique_ptr<PKCS12, Pkcs12Deleter> p12(
      ::d2i_PKCS12(nullptr, &p, static_cast<long>(bytes.size())));
  ::ERR_clear_error();
  if (!p12) return false;
  std::vector<const char*> candidates{nullptr, ""};
  for (const std::string& pw : options.passwords) candidates.push_back(pw.c_str());
  const char* password = nullptr;
  bool found = false;
  if (::PKCS12_mac_present(p12.get()) == 0) {
    found = true;  // no integrity password; try the candidates on the bags below
  } else {
    for (const char* candidate : candidates) {
      const int len = candidate == nullptr ? 0 : -1;
      if (::PKCS12_verify_mac(p12.get(), candidate, len) == 1) {
        password = candidate;
        found = true;
        break;
      }
    }
  }
  ::ERR_clear_error();
  if (!found) {
    out.errors.push_back({source, "bad_passphrase",
                          source + ": PKCS#12 password is wrong (tried the empty password" +
                              (options.passwords.empty() ? "" : " and the given ones") + ")"});
    return true;
  }
  EVP_PKEY* pkey = nullptr;
  X509* cert = nullptr;
  STACK_OF(X509)* ca = nullptr;
  if (::PKCS12_parse(p12.get(), password, &pkey, &cert, &ca) != 1) {
    ::ERR_clear_error();
    out.errors.push_back({source, "bad_pkcs12", source + ": PKCS#12 bags cannot be decrypted"});
    return true;
  }
  ::EVP_PKEY_free(pkey);
  std::vector<X509*> all;
  if (cert != nullptr) all.push_back(cert);
  for (int i = 0; ca != nullptr && i < sk_X509_num(ca); ++i) all.push_back(sk_X509_value(ca, i));
  std::size_t index = 0;
  for (X509* x : all) {
    unsigned char* der = nullptr;
    const int len = ::i2d_X509(x, &der);
    core::LocatedCert located;
    if (len > 0 && read_certificate_fast(std::string_view(reinterpret_cast<char*>(der),
                                                          static_cast<std::size_t>(len)),
                                         located.cert, nullptr, options.detail)) {
      located.location.filepath = source;
      located.location.embedded_kind = "pkcs12";
      located.location.embedded_key = std::to_string(index++);
      out.certificates.push_back(std::move(located));
    }
    ::OPENSSL_free(der);
  }
  ::X509_free(cert);
  sk_X509_pop_free(ca, ::X509_free);
  ::ERR_clear_error();
  if (all.empty()) {
    out.errors.push_back(
        {source, "no_certificate_found", source + ": PKCS#12 holds no certificate"});
  }
  return true;
}

// Certificates in one value (PEM, or DER when `der_ok`); the location is filled by the caller.
std::vector<core::CertInfo> certificates_in(std::string_view bytes, bool der_ok, std::size_t& bad) {
  std::vector<core::CertInfo> certs = read_pem_certificates_fast(bytes, nullptr, &bad);
  if (certs.empty() && bad == 0 && der_ok) {
    core::CertInfo der;
    if (read_certificate_fast(bytes, der)) certs.push_back(std::move(der));
  }
  return certs;
}

std::string string_at(const json& j, const char* key) {
  if (!j.is_object() || !j.contains(key) || !j[key].is_string()) return {};
  return j[key].get<std::string>();
}

const json* object_at(const json& j, const char* key) {
  if (!j.is_object() || !j.contains(key) || !j[key].is_object()) return nullptr;
  return &j[key];
}

// One value of a Secret or ConfigMap. `encoded` values are base64. Values that are not
// certificates are skipped silently (keys, passwords): nothing of them is ever printed.
void load_object_value(const std::string& source, const std::string& object, const std::string& key,
                       const json& value, bool encoded, core::CertLocation location,
                       LoadResult& out) {
  if (!value.is_string()) return;
  std::string decoded;
  std::string_view bytes = value.get_ref<const std::string&>();
  if (encoded) {
    const auto d = core::base64_decode(bytes);
    if (!d) {
      out.errors.push_back({source, "decode_failed",
                            source + ": " + object + " key " + key + ": value is not base64"});
      return;
    }
    decoded = *d;
    bytes = decoded;
  }
  const bool certificate_key = key == "tls.crt" || key == "ca.crt" || key.ends_with(".crt") ||
                               key.ends_with(".pem") || key.ends_with(".der");
  if (!certificate_key && !has_pem_certificate(bytes)) return;
  std::size_t bad = 0;
  std::vector<core::CertInfo> certs = certificates_in(bytes, certificate_key, bad);
  if (bad > 0) {
    out.errors.push_back({source, "bad_pem",
                          source + ": " + object + " key " + key + ": " + std::to_string(bad) +
                              " CERTIFICATE block(s) do not parse"});
  } else if (certs.empty() && (key == "tls.crt" || key == "ca.crt") && !bytes.empty()) {
    out.errors.push_back({source, "no_certificate_found",
                          source + ": " + object + " key " + key + ": no certificate in value"});
  }
  for (core::CertInfo& cert : certs) {
    out.certificates.push_back({std::move(cert), location});
  }
}

std::vector<std::string> sorted_keys(const json* map) {
  std::vector<std::string> keys;
  if (map == nullptr) return keys;
  for (auto it = map->begin(); it != map->end(); ++it) keys.push_back(it.key());
  std::sort(keys.begin(), keys.end());
  return keys;
}

void load_secret(const json& doc, const std::string& source, LoadResult& out) {
  const json* meta = object_at(doc, "metadata");
  const std::string name = meta != nullptr ? string_at(*meta, "name") : "";
  const std::string ns = meta != nullptr ? string_at(*meta, "namespace") : "";
  const std::string object = "Secret " + (ns.empty() ? "" : ns + "/") + name;
  core::CertLocation base;
  base.filepath = source;
  base.secret_namespace = ns;
  base.secret_name = name;
  const std::size_t before = out.certificates.size();
  std::size_t tls_crt_index = static_cast<std::size_t>(-1);
  for (const auto& [field, encoded] : {std::pair{"data", true}, std::pair{"stringData", false}}) {
    const json* values = object_at(doc, field);
    for (const std::string& key : sorted_keys(values)) {
      core::CertLocation location = base;
      location.secret_key = key;
      const std::size_t first = out.certificates.size();
      load_object_value(source, object, key, (*values)[key], encoded, location, out);
      if (key == "tls.crt" && out.certificates.size() > first) tls_crt_index = first;
    }
  }
  (void)before;
  // The Tigera operator's metadata (spec §3.2), reported and cross-checked by inspect.
  const json* annotations = meta != nullptr ? object_at(*meta, "annotations") : nullptr;
  const json* labels = meta != nullptr ? object_at(*meta, "labels") : nullptr;
  const bool has_issuer = annotations != nullptr && annotations->contains(kTigeraIssuer);
  const bool has_expiry = annotations != nullptr && annotations->contains(kTigeraExpiry);
  const bool has_signer = labels != nullptr && labels->contains(kTigeraSigner);
  if (has_issuer || has_expiry || has_signer) {
    TigeraSecret s;
    s.metadata.name = name;
    s.metadata.namespace_ = ns;
    s.metadata.has_signer_label = has_signer;
    if (has_issuer) s.metadata.issuer = string_at(*annotations, kTigeraIssuer);
    if (has_expiry) s.metadata.expiry = string_at(*annotations, kTigeraExpiry);
    s.cert_index = tls_crt_index;
    out.tigera_secrets.push_back(std::move(s));
  }
}

void load_configmap(const json& doc, const std::string& source, LoadResult& out) {
  const json* meta = object_at(doc, "metadata");
  const std::string name = meta != nullptr ? string_at(*meta, "name") : "";
  const std::string ns = meta != nullptr ? string_at(*meta, "namespace") : "";
  const std::string object = "ConfigMap " + (ns.empty() ? "" : ns + "/") + name;
  for (const auto& [field, encoded] : {std::pair{"data", false}, std::pair{"binaryData", true}}) {
    const json* values = object_at(doc, field);
    for (const std::string& key : sorted_keys(values)) {
      core::CertLocation location;
      location.filepath = source;
      location.configmap_namespace = ns;
      location.configmap_name = name;
      location.configmap_key = key;
      load_object_value(source, object, key, (*values)[key], encoded, location, out);
    }
  }
}

void load_kubeconfig_entries(const json& doc, const std::string& source, const char* list,
                             const char* inner, const char* data_key, const char* file_key,
                             LoadResult& out) {
  if (!doc.contains(list) || !doc[list].is_array()) return;
  const fs::path base = fs::path(source).parent_path();
  for (const json& entry : doc[list]) {
    const std::string name = string_at(entry, "name");
    const json* body = object_at(entry, inner);
    if (body == nullptr) continue;
    const std::string where = std::string(inner) + "/" + name;
    core::CertLocation location;
    location.filepath = source;
    location.embedded_kind = "kubeconfig";
    if (body->contains(data_key)) {
      location.embedded_key = where + "/" + data_key;
      const std::string object = "kubeconfig " + where;
      const std::size_t first = out.certificates.size();
      load_object_value(source, object, data_key, (*body)[data_key], true, location, out);
      if (out.certificates.size() == first) {
        out.errors.push_back(
            {source, "no_certificate_found",
             source + ": kubeconfig " + where + " " + data_key + ": no certificate in value"});
      }
    } else if (body->contains(file_key) && (*body)[file_key].is_string()) {
      fs::path file = (*body)[file_key].get<std::string>();
      if (file.is_relative() && source != "-") file = base / file;
      std::string bytes;
      int err = 0;
      const char* op = "open";
      location.embedded_key = where + "/" + file_key;
      if (!read_whole_file(file.string(), bytes, err, op)) {
        out.errors.push_back({source, reason_for(err),
                              source + ": kubeconfig " + where + ": " +
                                  core::go::path_error(op, file.string(), err)});
        continue;
      }
      std::size_t bad = 0;
      for (core::CertInfo& cert : certificates_in(bytes, true, bad)) {
        out.certificates.push_back({std::move(cert), location});
      }
    }
  }
}

// Kubernetes objects; returns false when none of the documents is a Secret, ConfigMap or
// kubeconfig.
bool load_documents(std::string_view bytes, const std::string& source, LoadResult& out) {
  std::string error;
  const auto docs = core::parse_documents(bytes, error);
  if (!docs) {
    out.errors.push_back({source, "decode_failed", source + ": " + error});
    return true;
  }
  bool any = false;
  for (const json& doc : core::flatten_lists(*docs)) {
    const std::string kind = string_at(doc, "kind");
    if (kind == "Secret") {
      load_secret(doc, source, out);
      any = true;
    } else if (kind == "ConfigMap") {
      load_configmap(doc, source, out);
      any = true;
    } else if (kind == "Config" || (doc.is_object() && doc.contains("clusters"))) {
      load_kubeconfig_entries(doc, source, "clusters", "cluster", "certificate-authority-data",
                              "certificate-authority", out);
      load_kubeconfig_entries(doc, source, "users", "user", "client-certificate-data",
                              "client-certificate", out);
      any = true;
    }
  }
  return any;
}

struct FileId {
  dev_t dev;
  ino_t ino;
  bool operator<(const FileId& o) const { return dev != o.dev ? dev < o.dev : ino < o.ino; }
};

class Walker {
 public:
  Walker(const SourceOptions& options, LoadResult& out) : options_(options), out_(out) {}

  void path(const std::string& p) {
    if (p == "-") {
      read_stdin();
      return;
    }
    struct stat st {};
    if (::stat(p.c_str(), &st) != 0) {
      const int err = errno;
      if (p.find_first_of("*?[") != std::string::npos && expand_glob(p)) return;
      struct stat lst {};
      if (::lstat(p.c_str(), &lst) == 0 && S_ISLNK(lst.st_mode)) {
        out_.errors.push_back({p, "broken_symlink", p + ": symbolic link to a missing target"});
        return;
      }
      out_.errors.push_back({p, reason_for(err), core::go::path_error("open", p, err)});
      return;
    }
    if (S_ISDIR(st.st_mode)) {
      directory(p, st, true);
    } else {
      file(p, st);
    }
  }

 private:
  bool expand_glob(const std::string& pattern) {
    glob_t g{};
    const int rc = ::glob(pattern.c_str(), GLOB_NOSORT, nullptr, &g);
    std::vector<std::string> matches;
    if (rc == 0) {
      for (std::size_t i = 0; i < g.gl_pathc; ++i) matches.emplace_back(g.gl_pathv[i]);
    }
    ::globfree(&g);
    if (matches.empty()) {
      out_.errors.push_back({pattern, "not_found", pattern + ": no file matches the pattern"});
      return true;
    }
    std::sort(matches.begin(), matches.end());
    for (const std::string& m : matches) path(m);
    return true;
  }

  void file(const std::string& p, const struct stat& st) {
    if (!seen_files_.insert(FileId{st.st_dev, st.st_ino}).second) return;  // read once
    flush_errors();
    slots_.push_back({p, {}, false});
  }

  // Kubernetes' atomic writer keeps the real files in "..<timestamp>" directories behind a
  // "..data" link; the visible names link through it. Those hidden entries are visited last so
  // every file is reported under its visible name, and only once.
  static bool hidden_k8s(std::string_view name) { return name.starts_with(".."); }

  void directory(const std::string& dir, const struct stat& st, bool top) {
    if (!seen_dirs_.insert(FileId{st.st_dev, st.st_ino}).second) return;  // a link loop
    DIR* d = ::opendir(dir.c_str());
    if (d == nullptr) {
      const int err = errno;
      out_.errors.push_back({dir, err == EACCES ? "permission_denied" : "walk_error",
                             core::go::path_error("open", dir, err)});
      return;
    }
    struct Entry {
      std::string name;
      bool hidden;
      unsigned char type;
      ino_t ino;
    };
    std::vector<Entry> entries;
    while (const dirent* e = ::readdir(d)) {
      const std::string_view name = e->d_name;
      if (name == "." || name == "..") continue;
      entries.push_back({std::string(name), hidden_k8s(name), e->d_type, e->d_ino});
    }
    ::closedir(d);
    std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
      return a.hidden != b.hidden ? !a.hidden : a.name < b.name;
    });
    const std::string prefix = dir.ends_with('/') ? dir : dir + "/";
    std::vector<std::string> subdirs;
    for (const Entry& e : entries) {
      std::string p = prefix + e.name;
      if (e.type == DT_REG) {
        // A regular file lives on its directory's device: no stat needed to identify it.
        if (seen_files_.insert(FileId{st.st_dev, e.ino}).second) {
          flush_errors();
          slots_.push_back({std::move(p), {}, false});
        }
        continue;
      }
      if (e.type == DT_DIR) {
        if (options_.recursive || e.hidden) subdirs.push_back(std::move(p));
        continue;
      }
      struct stat est {};  // symbolic links (followed) and file systems without d_type
      if (::stat(p.c_str(), &est) != 0) {
        struct stat lst {};
        if (::lstat(p.c_str(), &lst) == 0 && S_ISLNK(lst.st_mode)) {
          out_.errors.push_back({p, "broken_symlink", p + ": symbolic link to a missing target"});
        }
        continue;
      }
      if (S_ISREG(est.st_mode)) {
        file(p, est);
      } else if (S_ISDIR(est.st_mode)) {
        // Hidden atomic-writer directories are walked (their files are deduplicated) even
        // without --recursive, so a Secret volume works as a plain directory.
        if (options_.recursive || e.hidden) subdirs.push_back(std::move(p));
      }
    }
    (void)top;
    for (const std::string& sub : subdirs) {
      struct stat sst {};
      if (::stat(sub.c_str(), &sst) == 0) directory(sub, sst, false);
    }
  }

  void read_stdin() {
    std::string bytes;
    if (const int err = detail::read_to_end(STDIN_FILENO, bytes, 65536); err != 0) {
      out_.errors.push_back({"-", "read_failed", core::go::path_error("read", "/dev/stdin", err)});
      return;
    }
    flush_errors();
    slots_.push_back({"-", load_bytes(bytes, "-", options_), true});
  }

 public:
  // Reads and parses the collected files, in parallel for large trees (parsing is CPU-bound and
  // independent per file), then appends every result in collection order.
  void finish() {
    flush_errors();
    std::atomic<std::size_t> next{0};
    const auto work = [&] {
      for (std::size_t i = next++; i < slots_.size(); i = next++) {
        Slot& slot = slots_[i];
        if (slot.done) continue;
        thread_local std::string bytes;  // reused: no fresh pages per file
        int err = 0;
        const char* op = "open";
        if (read_whole_file(slot.path, bytes, err, op)) {
          slot.result = load_bytes(bytes, slot.path, options_);
        } else {
          slot.result.errors.push_back(
              {slot.path, reason_for(err), core::go::path_error(op, slot.path, err)});
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
  std::set<FileId> seen_files_;
  std::set<FileId> seen_dirs_;
};

}  // namespace

LoadResult load_bytes(std::string_view bytes, const std::string& source,
                      const SourceOptions& options) {
  LoadResult out;
  // PEM first (the common case, and a PEM file may well contain "kind:" in a comment), then
  // Kubernetes objects, then the binary formats.
  if (has_pem_certificate(bytes) && !looks_like_documents(bytes)) {
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
  if (looks_like_documents(bytes)) {
    if (load_documents(bytes, source, out)) return out;
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
  if (load_pkcs12(bytes, source, options, out)) return out;
  const bool looks_pem = bytes.find("-----BEGIN ") != std::string_view::npos;
  out.errors.push_back(
      {source, looks_pem ? "no_certificate_found" : "decode_failed",
       source + (looks_pem ? ": no CERTIFICATE block in PEM data"
                           : ": neither PEM, DER, PKCS#12 nor Kubernetes objects")});
  return out;
}

LoadResult load_sources(const std::vector<std::string>& paths, const SourceOptions& options) {
  LoadResult out;
  Walker walker(options, out);
  for (const std::string& p : paths) walker.path(p);
  walker.finish();
  return out;
}

}  // namespace promtls::tls
