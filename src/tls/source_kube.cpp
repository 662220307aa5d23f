// Certificates in Kubernetes objects (sources_detail.hpp): Secrets, ConfigMaps and kubeconfigs.
#include <algorithm>
#include <filesystem>
#include <map>

#include "promtls/core/documents.hpp"
#include "promtls/core/kube.hpp"
#include "sources_detail.hpp"

namespace promtls::tls::detail {
namespace {

using core::Node;

constexpr std::string_view kCertManagerCertificate = "cert-manager.io/certificate-name";

// One value of a Secret or ConfigMap. `encoded` values are base64. Values that are not
// certificates are skipped silently (keys, passwords): nothing of them is ever printed.
// Keystores (cert-manager's keystore.p12 / truststore.p12 / keystore.jks / truststore.jks,
// trust-manager's *.jks) are opened with the passwords of `options`.
void load_object_value(const std::string& source, const std::string& object, const std::string& key,
                       const Node& value, bool encoded, core::CertLocation location,
                       const SourceOptions& options, LoadResult& out) {
  if (value.type() != core::ScalarType::string) return;  // the one scalar rule (documents.hpp)
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

}  // namespace

bool load_documents(std::string_view bytes, const std::string& source, core::FileSystem& fs,
                    LoadResult& out, const SourceOptions& options) {
  const std::vector<core::Document> docs = core::parse_documents(bytes, {.positions = false});
  if (const core::SyntaxError* error = core::first_error(docs)) {
    out.errors.push_back({source, "decode_failed", source + ": " + core::describe(*error)});
    return true;
  }
  bool any = false;
  for (const core::kube::Object& object : core::kube::objects(docs)) {
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

}  // namespace promtls::tls::detail
