// Certificates in Kubernetes objects (sources_detail.hpp): Secrets, ConfigMaps and kubeconfigs.
#include <algorithm>
#include <filesystem>
#include <map>

#include "promtls/core/documents.hpp"
#include "sources_detail.hpp"

namespace promtls::tls::detail {
namespace {

using nlohmann::json;

constexpr const char* kTigeraIssuer = "certificates.operator.tigera.io/issuer";
constexpr const char* kTigeraExpiry = "certificates.operator.tigera.io/expiry";
constexpr const char* kTigeraSigner = "certificates.operator.tigera.io/signer";
constexpr const char* kCertManagerCertificate = "cert-manager.io/certificate-name";

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
// Keystores (cert-manager's keystore.p12 / truststore.p12 / keystore.jks / truststore.jks,
// trust-manager's *.jks) are opened with the passwords of `options`.
void load_object_value(const std::string& source, const std::string& object, const std::string& key,
                       const json& value, bool encoded, core::CertLocation location,
                       const SourceOptions& options, LoadResult& out) {
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

std::vector<std::string> sorted_keys(const json* map) {
  std::vector<std::string> keys;
  if (map == nullptr) return keys;
  for (auto it = map->begin(); it != map->end(); ++it) keys.push_back(it.key());
  std::sort(keys.begin(), keys.end());
  return keys;
}

void load_secret(const json& doc, const std::string& source, const SourceOptions& options,
                 LoadResult& out) {
  const json* meta = object_at(doc, "metadata");
  const std::string name = meta != nullptr ? string_at(*meta, "name") : "";
  const std::string ns = meta != nullptr ? string_at(*meta, "namespace") : "";
  const std::string object = "Secret " + (ns.empty() ? "" : ns + "/") + name;
  core::CertLocation base;
  base.filepath = source;
  base.secret_namespace = ns;
  base.secret_name = name;
  if (const json* a = meta != nullptr ? object_at(*meta, "annotations") : nullptr) {
    base.certificate_name = string_at(*a, kCertManagerCertificate);
  }
  const std::size_t before = out.certificates.size();
  std::size_t tls_crt_index = static_cast<std::size_t>(-1);
  for (const auto& [field, encoded] : {std::pair{"data", true}, std::pair{"stringData", false}}) {
    const json* values = object_at(doc, field);
    for (const std::string& key : sorted_keys(values)) {
      core::CertLocation location = base;
      location.secret_key = key;
      const std::size_t first = out.certificates.size();
      load_object_value(source, object, key, (*values)[key], encoded, location, options, out);
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

void load_configmap(const json& doc, const std::string& source, const SourceOptions& options,
                    LoadResult& out) {
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
      load_object_value(source, object, key, (*values)[key], encoded, location, options, out);
    }
  }
}

void load_kubeconfig_entries(const json& doc, const std::string& source, const char* list,
                             const char* inner, const char* data_key, const char* file_key,
                             core::FileSystem& files, LoadResult& out) {
  if (!doc.contains(list) || !doc[list].is_array()) return;
  const std::filesystem::path base = std::filesystem::path(source).parent_path();
  // The contexts naming each entry, for describe_location().
  std::map<std::string, std::string> contexts;
  if (doc.contains("contexts") && doc["contexts"].is_array()) {
    for (const json& context : doc["contexts"]) {
      const json* body = object_at(context, "context");
      if (body == nullptr) continue;
      std::string& names = contexts[string_at(*body, inner)];
      names += (names.empty() ? "" : ", ") + string_at(context, "name");
    }
  }
  for (const json& entry : doc[list]) {
    const std::string name = string_at(entry, "name");
    const json* body = object_at(entry, inner);
    if (body == nullptr) continue;
    const std::string where = std::string(inner) + "/" + name;
    core::CertLocation location;
    location.filepath = source;
    location.embedded_kind = "kubeconfig";
    if (auto it = contexts.find(name); it != contexts.end()) location.kube_context = it->second;
    if (body->contains(data_key)) {
      location.embedded_key = where + "/" + data_key;
      const std::string object = "kubeconfig " + where;
      const std::size_t first = out.certificates.size();
      load_object_value(source, object, data_key, (*body)[data_key], true, location, {}, out);
      if (out.certificates.size() == first) {
        out.errors.push_back(
            {source, "no_certificate_found",
             source + ": kubeconfig " + where + " " + data_key + ": no certificate in value"});
      }
    } else if (body->contains(file_key) && (*body)[file_key].is_string()) {
      std::filesystem::path file = (*body)[file_key].get<std::string>();
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

// A condition's status as written: a string ("True"), or a YAML boolean when a hand-written file
// left it unquoted.
std::string condition_status(const json& condition) {
  if (condition.is_object() && condition.contains("status") && condition["status"].is_boolean()) {
    return condition["status"].get<bool>() ? "True" : "False";
  }
  return string_at(condition, "status");
}

// An operator.tigera.io/v1 TigeraStatus (`kubectl get tigerastatus -o yaml`): its name and
// status.conditions, for tigera_operator_component_status (spec/tigera-metrics.md §3.1).
void load_tigera_status(const json& doc, const std::string& source, LoadResult& out) {
  core::TigeraStatus status;
  const json* meta = object_at(doc, "metadata");
  status.name = meta != nullptr ? string_at(*meta, "name") : "";
  status.source = source;
  const json* body = object_at(doc, "status");
  if (body != nullptr && body->contains("conditions") && (*body)["conditions"].is_array()) {
    for (const json& c : (*body)["conditions"]) {
      status.conditions.push_back({string_at(c, "type"), condition_status(c),
                                   string_at(c, "reason"), string_at(c, "message")});
    }
  }
  out.tigera_statuses.push_back(std::move(status));
}

// Kubernetes objects; returns false when none of the documents is a Secret, ConfigMap,
// kubeconfig or TigeraStatus.
}  // namespace

bool load_documents(std::string_view bytes, const std::string& source, core::FileSystem& fs,
                    LoadResult& out, const SourceOptions& options) {
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
      load_secret(doc, source, options, out);
      any = true;
    } else if (kind == "ConfigMap") {
      load_configmap(doc, source, options, out);
      any = true;
    } else if (kind == "TigeraStatus") {
      load_tigera_status(doc, source, out);
      any = true;
    } else if (kind == "Config" || (doc.is_object() && doc.contains("clusters"))) {
      load_kubeconfig_entries(doc, source, "clusters", "cluster", "certificate-authority-data",
                              "certificate-authority", fs, out);
      load_kubeconfig_entries(doc, source, "users", "user", "client-certificate-data",
                              "client-certificate", fs, out);
      any = true;
    }
  }
  return any;
}

}  // namespace promtls::tls::detail
