// Certificates in Kubernetes objects (sources_detail.hpp): Secrets, ConfigMaps and kubeconfigs.
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <filesystem>
#include <map>

#include "promtls/core/documents.hpp"
#include "promtls/core/json_stream.hpp"
#include "promtls/core/kube.hpp"
#include "promtls/tls/disk.hpp"
#include "sources_detail.hpp"

namespace promtls::tls::detail {
namespace {

using core::Node;

constexpr std::string_view kCertManagerCertificate = "cert-manager.io/certificate-name";

// A key whose value is read whatever it holds: certificates by name, keystores by extension.
bool certificate_key(std::string_view key) {
  return key == "tls.crt" || key == "ca.crt" || key.ends_with(".crt") || key.ends_with(".pem") ||
         key.ends_with(".der");
}
bool named_key(std::string_view key) {
  return certificate_key(key) || key.ends_with(".jks") || key.ends_with(".p12") ||
         key.ends_with(".pfx");
}

// Whether the base64 `text` of a value under another key may decode to what load_object_value()
// reads there: a keystore (its magic number first) or a BEGIN line of a certificate block
// anywhere. Decoding costs an allocation and a pass; this is a pass over the text only. Exact,
// not a guess: "-----BEGIN " at a decoded offset of 0, 1 or 2 modulo 3 puts the base64 of
// "-----BEGI", "---BEGIN " or "----BEGIN" on a 4-character boundary of the text. Text with
// whitespace or other characters (before the '=' that ends base64_decode()) is decoded, for
// its error or its certificates.
bool may_hold_certificate(std::string_view text) {
  text = text.substr(0, text.find('='));
  static const auto kAlphabet = [] {
    std::array<bool, 256> table{};
    for (const char c :
         std::string_view("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")) {
      table[static_cast<unsigned char>(c)] = true;
    }
    return table;
  }();
  for (const char c : text) {
    if (!kAlphabet[static_cast<unsigned char>(c)]) return true;
  }
  if (text.starts_with("/u3+") || text.starts_with("zs7O")) return true;  // JKS, JCEKS
  constexpr std::string_view kLead = "LS0t";  // "---", common to the three
  for (const void* hit = ::memmem(text.data(), text.size(), kLead.data(), kLead.size());
       hit != nullptr;) {
    const std::size_t at = static_cast<std::size_t>(static_cast<const char*>(hit) - text.data());
    const std::string_view rest = text.substr(at);
    if (at % 4 == 0 && (rest.starts_with("LS0tLS1CRUdJ") || rest.starts_with("LS0tQkVHSU4g") ||
                        rest.starts_with("LS0tLUJFR0lO"))) {
      return true;
    }
    hit = ::memmem(rest.data() + 1, rest.size() - 1, kLead.data(), kLead.size());
  }
  return false;
}

// One value of a Secret or ConfigMap. `encoded` values are base64. Values that are not
// certificates are skipped silently (keys, passwords): nothing of them is ever printed.
// Keystores (cert-manager's keystore.p12 / truststore.p12 / keystore.jks / truststore.jks,
// trust-manager's *.jks) are opened with the passwords of `options`.
void load_object_value(const std::string& source, const std::string& object, const std::string& key,
                       const Node& value, bool encoded, core::CertLocation location,
                       const SourceOptions& options, LoadResult& out) {
  if (value.type() != core::ScalarType::string) return;  // the one scalar rule (documents.hpp)
  if (encoded && !named_key(key) && !may_hold_certificate(value.text())) return;
  std::string decoded;
  std::string_view bytes = value.text();
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
  if (!bytes.empty()) {
    const std::string what = source + ": " + object + " key " + key;
    SourceOptions full = options;  // objects are always read in full (sources.hpp)
    full.detail = CertDetail::full;
    if (load_keystore(bytes, source, what, location, full, out)) return;  // by magic
    if (key.ends_with(".jks")) {
      out.errors.push_back({source, "bad_keystore", what + ": not a JKS or JCEKS keystore"});
      return;
    }
    if (key.ends_with(".p12") || key.ends_with(".pfx")) {
      if (!load_pkcs12(bytes, source, what, location, full, out)) {
        out.errors.push_back({source, "bad_pkcs12", what + ": not PKCS#12"});
      }
      return;
    }
  }
  const bool by_name = certificate_key(key);
  if (!by_name && !has_pem_certificate(bytes)) return;
  std::size_t bad = 0;
  std::vector<core::CertInfo> certs = certificates_in(bytes, by_name, bad);
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

// The values of an object in key order; of a key given twice, the last.
std::vector<core::kube::KeyValue> sorted(std::vector<core::kube::KeyValue> values) {
  std::stable_sort(values.begin(), values.end(),
                   [](const auto& a, const auto& b) { return a.key < b.key; });
  std::vector<core::kube::KeyValue> out;
  for (core::kube::KeyValue& value : values) {
    if (!out.empty() && out.back().key == value.key) {
      out.back() = std::move(value);
    } else {
      out.push_back(std::move(value));
    }
  }
  return out;
}

std::string object_name(const char* kind, const core::kube::Object& object) {
  return std::string(kind) + " " +
         (object.namespace_name.empty() ? "" : object.namespace_name + "/") + object.name;
}

void load_secret(const core::kube::Secret& secret, const std::string& source,
                 const SourceOptions& options, LoadResult& out) {
  const std::string object = object_name("Secret", secret.object);
  core::CertLocation base;
  base.filepath = source;
  base.secret_namespace = secret.object.namespace_name;
  base.secret_name = secret.object.name;
  if (const Node& a = secret.object.annotations(); a.is_mapping()) {
    base.certificate_name = a[kCertManagerCertificate].string().value_or("");
  }
  std::size_t tls_crt_index = static_cast<std::size_t>(-1);
  for (const auto& [values, encoded] :
       {std::pair{&secret.data, true}, std::pair{&secret.string_data, false}}) {
    for (const core::kube::KeyValue& value : sorted(*values)) {
      // Helm's release record (base64 of gzip, often megabytes) is never a certificate.
      if (secret.type == "helm.sh/release.v1" && !named_key(value.key)) continue;
      core::CertLocation location = base;
      location.secret_key = value.key;
      const std::size_t first = out.certificates.size();
      load_object_value(source, object, value.key, *value.value, encoded, location, options, out);
      if (value.key == "tls.crt" && out.certificates.size() > first) tls_crt_index = first;
    }
  }
  // The Tigera operator's metadata (spec §3.2), reported and cross-checked by inspect.
  if (auto metadata = core::kube::tigera_secret_metadata(secret)) {
    out.tigera_secrets.push_back(TigeraSecret{std::move(*metadata), tls_crt_index});
  }
}

void load_configmap(const core::kube::ConfigMap& config_map, const std::string& source,
                    const SourceOptions& options, LoadResult& out) {
  const std::string object = object_name("ConfigMap", config_map.object);
  for (const auto& [values, encoded] :
       {std::pair{&config_map.data, false}, std::pair{&config_map.binary_data, true}}) {
    for (const core::kube::KeyValue& value : sorted(*values)) {
      core::CertLocation location;
      location.filepath = source;
      location.configmap_namespace = config_map.object.namespace_name;
      location.configmap_name = config_map.object.name;
      location.configmap_key = value.key;
      load_object_value(source, object, value.key, *value.value, encoded, location, options, out);
    }
  }
}

void load_kubeconfig_entries(const core::kube::Kubeconfig& config,
                             const std::vector<core::kube::Kubeconfig::Entry>& entries,
                             bool clusters, const std::string& source, core::FileSystem& files,
                             LoadResult& out) {
  const std::string inner = clusters ? "cluster" : "user";
  const std::string data_key = clusters ? "certificate-authority-data" : "client-certificate-data";
  const std::string file_key = clusters ? "certificate-authority" : "client-certificate";
  const std::filesystem::path base = std::filesystem::path(source).parent_path();
  // The contexts naming each entry, for describe_location().
  std::map<std::string, std::string> contexts;
  for (const core::kube::Kubeconfig::Context& context : config.contexts) {
    std::string& names = contexts[clusters ? context.cluster : context.user];
    names += (names.empty() ? "" : ", ") + context.name;
  }
  for (const core::kube::Kubeconfig::Entry& entry : entries) {
    const std::string where = inner + "/" + entry.name;
    core::CertLocation location;
    location.filepath = source;
    location.embedded_kind = "kubeconfig";
    if (auto it = contexts.find(entry.name); it != contexts.end())
      location.kube_context = it->second;
    if (entry.data != nullptr) {
      location.embedded_key = where + "/" + data_key;
      const std::string object = "kubeconfig " + where;
      const std::size_t first = out.certificates.size();
      load_object_value(source, object, data_key, *entry.data, true, location, {}, out);
      if (out.certificates.size() == first) {
        out.errors.push_back(
            {source, "no_certificate_found",
             source + ": kubeconfig " + where + " " + data_key + ": no certificate in value"});
      }
    } else if (entry.file) {
      std::filesystem::path file = *entry.file;
      if (file.is_relative() && source != "-") file = base / file;
      std::string bytes;
      core::FsError error;
      location.embedded_key = where + "/" + file_key;
      if (!files.read_file(file.string(), bytes, error)) {
        out.errors.push_back({source, std::string(error.reason()),
                              source + ": kubeconfig " + where + ": " + error.message()});
        continue;
      }
      std::size_t bad = 0;
      for (core::CertInfo& cert : certificates_in(bytes, true, bad)) {
        out.certificates.push_back({std::move(cert), location});
      }
    }
  }
}

// Secrets, ConfigMaps, TigeraStatus objects and kubeconfigs among `objects`; false when none
// is one of them.
bool load_objects(const std::vector<core::kube::Object>& objects, const std::string& source,
                  core::FileSystem& fs, LoadResult& out, const SourceOptions& options) {
  bool any = false;
  for (const core::kube::Object& object : objects) {
    if (const auto secret = core::kube::secret(object)) {
      load_secret(*secret, source, options, out);
      any = true;
    } else if (const auto config_map = core::kube::config_map(object)) {
      load_configmap(*config_map, source, options, out);
      any = true;
    } else if (auto status = core::kube::tigera_status(object, source)) {
      out.tigera_statuses.push_back(std::move(*status));
      any = true;
    } else if (const auto config = core::kube::kubeconfig(object)) {
      load_kubeconfig_entries(*config, config->clusters, true, source, fs, out);
      load_kubeconfig_entries(*config, config->users, false, source, fs, out);
      any = true;
    }
  }
  return any;
}

// load_objects() over one tree, which it frees.
bool load_tree(Node&& root, const std::string& source, core::FileSystem& fs, LoadResult& out,
               const SourceOptions& options) {
  std::vector<core::Document> docs(1);
  docs[0].root = std::move(root);
  return load_objects(core::kube::objects(docs), source, fs, out, options);
}

std::string bytes_text(std::uint64_t n) {
  if (n >= (1ull << 20) && n % (1ull << 20) == 0) return std::to_string(n >> 20) + " MiB";
  if (n >= (1ull << 10) && n % (1ull << 10) == 0) return std::to_string(n >> 10) + " KiB";
  return std::to_string(n) + " bytes";
}

}  // namespace

bool load_documents(std::string_view bytes, const std::string& source, core::FileSystem& fs,
                    LoadResult& out, const SourceOptions& options) {
  const std::vector<core::Document> docs = core::parse_documents(bytes, {.positions = false});
  if (const core::SyntaxError* error = core::first_error(docs)) {
    out.errors.push_back({source, "decode_failed", source + ": " + core::describe(*error)});
    return true;
  }
  return load_objects(core::kube::objects(docs), source, fs, out, options);
}

StreamEnd load_json_stream(const core::JsonInput& input, const std::string& source,
                           const SourceOptions& options, bool walked, std::uint64_t max_item_bytes,
                           LoadResult& out, std::size_t buffer_bytes, StreamFormat format) {
  core::FileSystem& fs = options.files != nullptr ? *options.files : real_file_system();
  // Each item's results go to `items` at once, and its tree is freed; they are the document's
  // results when the top level turns out to be a List (kubectl writes "kind" after "items").
  LoadResult items;
  bool any_item = false;
  core::JsonStreamEvents events;
  events.item = [&](std::size_t, Node& item) {
    any_item |= load_tree(std::move(item), source, fs, items, options);
  };
  events.oversized = [&](std::size_t index, std::uint64_t bytes) {
    items.errors.push_back({source, "too_large",
                            source + ": items[" + std::to_string(index) + "]: at least " +
                                std::to_string(bytes) + " bytes, larger than " +
                                bytes_text(max_item_bytes) +
                                "; not read (--max-file-size raises the limit)"});
  };
  // Values no reader would decode are never built (Helm's release records above all): exactly
  // those load_object_value() returns on at once, in pure base64 with nothing after its padding.
  events.drop = [](std::string_view field, std::string_view key, std::string_view text) {
    if (field != "data" && field != "binaryData" && field != "stringData") return false;
    const std::size_t pad = text.find('=');
    return !named_key(key) &&
           (pad == std::string_view::npos ||
            text.find_first_not_of('=', pad) == std::string_view::npos) &&
           !may_hold_certificate(text);
  };
  const core::JsonStreamOptions stream{.buffer_bytes = buffer_bytes,
                                       .max_item_bytes = max_item_bytes};
  core::JsonStreamResult result = format == StreamFormat::yaml
                                      ? core::stream_yaml(input, events, stream)
                                      : core::stream_json(input, events, stream);
  const std::string kind = result.top["kind"].scalar_or();
  const bool list = result.streamed_items && result.top.is_mapping() && kind.ends_with("List");
  if (result.several_documents) return StreamEnd::several_documents;
  if (result.error) {
    out = std::move(items);  // every item before the error
    out.errors.push_back({source, result.too_large ? "too_large" : "decode_failed",
                          source + ": " + core::describe(*result.error) + " (after " +
                              std::to_string(result.items) +
                              (result.items == 1 ? " item)" : " items)")});
    return StreamEnd::malformed;
  }
  const auto named = [&](const char* key) {
    return !result.top[key].string().value_or("").empty();
  };
  const bool named_object = result.top.is_mapping() && named("kind") && named("apiVersion");
  bool any = any_item;
  if (list) {
    out = std::move(items);
  } else {  // one object, whose "items" (if any) no reader looks at
    any = load_tree(std::move(result.top), source, fs, out, options);
  }
  if (any) {
    if (walked && out.certificates.empty() && out.errors.empty() && out.skipped.empty() &&
        out.tigera_secrets.empty() && out.tigera_statuses.empty()) {
      out.skipped.push_back({source, "kubernetes_objects"});
    }
  } else if (walked && named_object) {
    out.skipped.push_back({source, "kubernetes_objects"});
  } else {
    out.errors.push_back({source, "no_certificate_found",
                          source + ": no Secret, ConfigMap or kubeconfig in the documents"});
  }
  return StreamEnd::read;
}

bool stream_file(const std::string& path, const SourceOptions& options, bool walked,
                 LoadResult& out) {
  core::FsError error;
  core::FileStat st;
  const int fd = open_regular_file(path, error, &st);
  if (fd < 0) return false;  // the whole-file reader says why
  char head[4096];
  int err = 0;
  const ssize_t peeked = ::pread(fd, head, sizeof head, 0);
  const std::string_view start(head, peeked > 0 ? static_cast<std::size_t>(peeked) : 0);
  const std::size_t first = start.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) {
    ::close(fd);
    return false;
  }
  const StreamFormat format = start[first] == '{' ? StreamFormat::json : StreamFormat::yaml;
  if (format == StreamFormat::yaml && !looks_like_documents(start)) {
    ::close(fd);
    return false;  // no Kubernetes YAML: the whole-file reader says what it is
  }
  const std::uint64_t limit = RealFileSystem::max_file_bytes();
  LoadResult streamed;
  const StreamEnd end = load_json_stream(
      [&](char* buffer, std::size_t capacity) { return read_some(fd, buffer, capacity, err); },
      path, options, walked, limit, streamed, std::size_t{1} << 20, format);
  ::close(fd);
  if (end == StreamEnd::several_documents) {
    if (st.size <= limit) return false;  // the whole-file reader reads every document
    error = {EFBIG, "read", path, "too_large",
             "a YAML stream of several documents larger than " + bytes_text(limit) +
                 "; not read (--max-file-size raises the limit; a single List is read an item "
                 "at a time at any size)"};
    streamed = {};
    streamed.errors.push_back({path, std::string(error.reason()), error.message()});
  } else if (err != 0) {
    error = {err, "read", path};
    streamed.errors.push_back({path, std::string(error.reason()), error.message()});
  } else if (end == StreamEnd::malformed && st.size <= limit) {
    // Not JSON, but maybe YAML that begins with '{' (a flow mapping, several documents), or YAML
    // the stream does not take (an alias to another item's anchor): the whole-file reader
    // decides, when it may read the file.
    std::string bytes;
    if (real_file_system().read_file(path, bytes, error) &&
        core::first_error(core::parse_documents(bytes, {.positions = false})) == nullptr) {
      return false;
    }
  }
  out = std::move(streamed);
  return true;
}

bool yaml_list_head(std::string_view head) {
  bool items = false;
  for (std::size_t at = 0, line = 0; at < head.size(); ++line) {
    std::size_t eol = head.find('\n', at);
    if (eol == std::string_view::npos) eol = head.size();
    const std::string_view text = head.substr(at, eol - at);
    // A marker after the first line starts another document, which a stream cannot go back for.
    if (line > 0 && (text.starts_with("---") || text.starts_with("..."))) return false;
    items = items || text == "items:" || text == "items:\r" || text.starts_with("items: ");
    at = eol + 1;
  }
  return items;
}

LoadResult stream_stdin(std::string head, const SourceOptions& options) {
  std::size_t served = 0;
  int err = 0;
  LoadResult out;
  const std::size_t first = head.find_first_not_of(" \t\r\n");
  const StreamFormat format =
      first != std::string::npos && head[first] == '{' ? StreamFormat::json : StreamFormat::yaml;
  const StreamEnd end = load_json_stream(
      [&](char* buffer, std::size_t capacity) -> std::size_t {
        if (served < head.size()) {
          const std::size_t n = std::min(capacity, head.size() - served);
          std::memcpy(buffer, head.data() + served, n);
          served += n;
          if (served == head.size()) std::string().swap(head);
          return n;
        }
        return read_some(STDIN_FILENO, buffer, capacity, err);
      },
      "-", options, false, RealFileSystem::max_file_bytes(), out, std::size_t{1} << 20, format);
  if (end == StreamEnd::several_documents) {
    out = {};
    out.errors.push_back({"-", "too_large",
                          "-: a second document (\"---\") after the first 8 MiB of standard "
                          "input, which is read as a stream of one document; not read (pass it "
                          "as a file, which is read whole up to --max-file-size)"});
  }
  if (err != 0) {
    const core::FsError error{err, "read", "/dev/stdin"};
    out.errors.push_back({"-", "read_failed", error.message()});
  }
  return out;
}

}  // namespace promtls::tls::detail
