// Typed Kubernetes objects over document trees (kube.hpp).
#include "promtls/core/kube.hpp"

#include <cstdlib>

namespace promtls::core::kube {
namespace {

constexpr std::string_view kTigeraIssuer = "certificates.operator.tigera.io/issuer";
constexpr std::string_view kTigeraExpiry = "certificates.operator.tigera.io/expiry";
constexpr std::string_view kTigeraSigner = "certificates.operator.tigera.io/signer";

// Lists inside Lists are flattened too, this deep at most (the parser bounds nesting anyway).
constexpr int kMaxListDepth = 64;

void flatten(const Node& node, std::size_t document_line, int depth, std::vector<Object>& out) {
  if (!node.is_mapping()) return;
  const std::string kind = node["kind"].scalar_or();
  const Node& items = node["items"];
  if (items.is_sequence() && kind.ends_with("List") && depth < kMaxListDepth) {
    for (const Node& item : items.items()) flatten(item, document_line, depth + 1, out);
    return;
  }
  Object object;
  object.node = &node;
  object.kind = kind;
  object.api_version = node["apiVersion"].scalar_or();
  const Node& meta = node["metadata"];
  object.name = meta["name"].scalar_or();
  object.namespace_name = meta["namespace"].scalar_or();
  object.position = node.position();
  object.document_line = document_line;
  out.push_back(std::move(object));
}

std::vector<KeyValue> key_values(const Node& map) {
  std::vector<KeyValue> out;
  if (!map.is_mapping()) return out;
  out.reserve(map.entries().size());
  for (const Node::Entry& entry : map.entries()) out.push_back({entry.key, &entry.value});
  return out;
}

const Node* mapping_at(const Node& node, std::string_view key) {
  const Node* found = node.find(key);
  return found != nullptr && found->is_mapping() ? found : nullptr;
}

bool holds_containers(const Node* spec) {
  return spec != nullptr && spec->is_mapping() &&
         ((*spec)["containers"].is_sequence() || (*spec)["initContainers"].is_sequence());
}

// The pod spec of an object (see PodTemplate), or nullptr.
const Node* pod_spec_of(const Object& object) {
  const Node* spec = mapping_at(*object.node, "spec");
  if (spec == nullptr) return nullptr;
  if (object.kind == "Pod" || object.kind == "Revision") {
    return holds_containers(spec) ? spec : nullptr;
  }
  const auto child = [](const Node* node, std::string_view key) -> const Node* {
    return node != nullptr ? mapping_at(*node, key) : nullptr;
  };
  if (const Node* pod = child(child(spec, "template"), "spec"); holds_containers(pod)) return pod;
  const Node* job = child(child(child(spec, "jobTemplate"), "spec"), "template");
  if (const Node* pod = child(job, "spec"); holds_containers(pod)) return pod;
  return nullptr;
}

EnvVar env_var(const Node& e) {
  EnvVar var;
  var.name = e["name"].scalar_or();
  var.value = e.find("value");
  const Node* from = mapping_at(e, "valueFrom");
  if (from != nullptr) {
    var.value_from = from;
    var.position = from->position();
    if (const Node* r = mapping_at(*from, "configMapKeyRef")) {
      var.from = EnvVar::From::config_map_key;
      var.ref_name = (*r)["name"].scalar_or();
      var.ref_key = (*r)["key"].scalar_or();
    } else if (const Node* s = mapping_at(*from, "secretKeyRef")) {
      var.from = EnvVar::From::secret_key;
      var.ref_name = (*s)["name"].scalar_or();
      var.ref_key = (*s)["key"].scalar_or();
    } else if (const Node* f = mapping_at(*from, "fieldRef")) {
      var.from = EnvVar::From::field;
      var.ref_name = (*f)["fieldPath"].scalar_or();
    } else if (const Node* rr = mapping_at(*from, "resourceFieldRef")) {
      var.from = EnvVar::From::resource_field;
      var.ref_name = (*rr)["resource"].scalar_or();
    } else {
      var.from = EnvVar::From::other;
    }
  } else {
    var.position = var.value != nullptr ? var.value->position() : e.position();
  }
  return var;
}

Container container(const Node& c, bool init, std::size_t index) {
  Container out;
  out.name = c["name"].scalar_or();
  out.image = c["image"].scalar_or();
  out.init = init;
  out.index = index;
  out.position = c.position();
  for (const Node& m : c["volumeMounts"].items()) {
    if (!m.is_mapping()) continue;
    if (auto path = m["mountPath"].scalar()) {
      out.volume_mounts.push_back({m["name"].scalar_or(), *path, m["subPath"].scalar_or()});
    }
  }
  for (const Node& source : c["envFrom"].items()) {
    if (!source.is_mapping()) continue;
    EnvFromSource from;
    from.prefix = source["prefix"].scalar_or();
    from.position = source.position();
    if (const Node* ref = mapping_at(source, "configMapRef")) {
      from.kind = EnvFromSource::Kind::config_map;
      from.name = (*ref)["name"].scalar_or();
    } else if (const Node* sref = mapping_at(source, "secretRef")) {
      from.kind = EnvFromSource::Kind::secret;
      from.name = (*sref)["name"].scalar_or();
    }
    out.env_from.push_back(std::move(from));
  }
  for (const Node& e : c["env"].items()) {
    if (!e.is_mapping()) continue;
    EnvVar var = env_var(e);
    if (!var.name.empty()) out.env.push_back(std::move(var));
  }
  for (const Node& p : c["ports"].items()) {
    if (p.is_mapping()) {
      out.ports.push_back({p["name"].scalar_or(), p["containerPort"].scalar_or(), p.position()});
    }
  }
  return out;
}

SecretProjection projection(const Node& secret, std::string_view name_key) {
  SecretProjection p;
  p.secret_name = secret[name_key].scalar_or();
  p.default_mode = file_mode(secret["defaultMode"]);
  if (const Node& items = secret["items"]; items.is_sequence()) {
    p.items.emplace();
    for (const Node& item : items.items()) {
      if (!item.is_mapping()) continue;
      p.items->push_back({item["key"].scalar_or(), item["path"].scalar(), file_mode(item["mode"])});
    }
  }
  return p;
}

Volume volume(const Node& v) {
  Volume out;
  out.name = v["name"].scalar_or();
  const auto config_map = [](const Node& node) {
    SecretProjection p = projection(node, "name");
    p.config_map = true;
    return p;
  };
  if (const Node* secret = mapping_at(v, "secret")) {
    out.secrets.push_back(projection(*secret, "secretName"));
  }
  if (const Node* cm = mapping_at(v, "configMap")) out.secrets.push_back(config_map(*cm));
  if (const Node* projected = mapping_at(v, "projected")) {
    for (const Node& source : (*projected)["sources"].items()) {
      if (const Node* secret = mapping_at(source, "secret")) {
        out.secrets.push_back(projection(*secret, "name"));
      } else if (const Node* cm = mapping_at(source, "configMap")) {
        out.secrets.push_back(config_map(*cm));
      }
    }
  }
  return out;
}

Kubeconfig::Entry kubeconfig_entry(const Node& entry, const Node& body, std::string_view data_key,
                                   std::string_view file_key) {
  Kubeconfig::Entry out;
  out.name = entry["name"].scalar_or();
  out.data = body.find(data_key);
  if (out.data == nullptr) out.file = body[file_key].string();
  return out;
}

}  // namespace

const Node& Object::metadata() const { return (*node)["metadata"]; }
const Node& Object::labels() const { return metadata()["labels"]; }
const Node& Object::annotations() const { return metadata()["annotations"]; }

std::vector<Object> objects(const std::vector<Document>& documents) {
  std::vector<Object> out;
  for (const Document& document : documents) {
    if (!document.error) flatten(document.root, document.first_line, 0, out);
  }
  return out;
}

std::optional<Secret> secret(const Object& object) {
  if (object.kind != "Secret") return std::nullopt;
  Secret s;
  s.object = object;
  s.type = (*object.node)["type"].scalar_or();
  s.data = key_values((*object.node)["data"]);
  s.string_data = key_values((*object.node)["stringData"]);
  return s;
}

std::optional<ConfigMap> config_map(const Object& object) {
  if (object.kind != "ConfigMap") return std::nullopt;
  ConfigMap c;
  c.object = object;
  c.data = key_values((*object.node)["data"]);
  c.binary_data = key_values((*object.node)["binaryData"]);
  return c;
}

std::optional<Kubeconfig> kubeconfig(const Object& object) {
  const Node& doc = *object.node;
  if (object.kind != "Config" && doc.find("clusters") == nullptr) return std::nullopt;
  Kubeconfig k;
  for (const Node& context : doc["contexts"].items()) {
    if (const Node* body = mapping_at(context, "context")) {
      k.contexts.push_back({context["name"].scalar_or(), (*body)["cluster"].scalar_or(),
                            (*body)["user"].scalar_or()});
    }
  }
  for (const Node& entry : doc["clusters"].items()) {
    if (const Node* body = mapping_at(entry, "cluster")) {
      k.clusters.push_back(
          kubeconfig_entry(entry, *body, "certificate-authority-data", "certificate-authority"));
    }
  }
  for (const Node& entry : doc["users"].items()) {
    if (const Node* body = mapping_at(entry, "user")) {
      k.users.push_back(
          kubeconfig_entry(entry, *body, "client-certificate-data", "client-certificate"));
    }
  }
  return k;
}

std::optional<PodTemplate> pod_template(const Object& object) {
  const Node* spec = pod_spec_of(object);
  if (spec == nullptr) return std::nullopt;
  PodTemplate pod;
  pod.owner = object;
  const Node& top = (*object.node)["spec"];
  if (object.kind == "Pod" || object.kind == "Revision") {
    pod.labels = &object.labels();
  } else if (&top["template"]["spec"] == spec) {
    pod.labels = &top["template"]["metadata"]["labels"];
  } else {
    pod.labels = &top["jobTemplate"]["spec"]["template"]["metadata"]["labels"];
  }
  for (const std::string_view field : {"initContainers", "containers"}) {
    std::size_t index = 0;
    for (const Node& c : (*spec)[field].items()) {
      if (c.is_mapping()) pod.containers.push_back(container(c, field == "initContainers", index));
      ++index;
    }
  }
  for (const Node& v : (*spec)["volumes"].items()) {
    if (v.is_mapping()) pod.volumes.push_back(volume(v));
  }
  return pod;
}

std::optional<unsigned> file_mode(const Node& node) {
  const auto text = node.scalar();
  if (!text) return std::nullopt;
  return static_cast<unsigned>(std::strtoul(text->c_str(), nullptr, 0));
}

std::optional<TigeraSecretMetadata> tigera_secret_metadata(const Secret& secret) {
  const Node& annotations = secret.object.annotations();
  const Node& labels = secret.object.labels();
  const Node* issuer = annotations.is_mapping() ? annotations.find(kTigeraIssuer) : nullptr;
  const Node* expiry = annotations.is_mapping() ? annotations.find(kTigeraExpiry) : nullptr;
  const bool signer = labels.is_mapping() && labels.find(kTigeraSigner) != nullptr;
  if (issuer == nullptr && expiry == nullptr && !signer) return std::nullopt;
  TigeraSecretMetadata m;
  m.name = secret.object.name;
  m.namespace_ = secret.object.namespace_name;
  m.has_signer_label = signer;
  // Present but not a string: the annotation is there with an empty value.
  if (issuer != nullptr) m.issuer = issuer->string().value_or("");
  if (expiry != nullptr) m.expiry = expiry->string().value_or("");
  return m;
}

std::optional<TigeraStatus> tigera_status(const Object& object, const std::string& source) {
  if (object.kind != "TigeraStatus") return std::nullopt;
  TigeraStatus status;
  status.name = object.name;
  status.source = source;
  const Node* body = mapping_at(*object.node, "status");
  if (body == nullptr) return status;
  for (const Node& c : (*body)["conditions"].items()) {
    const Node& s = c["status"];
    std::string value = s.string().value_or("");
    if (const auto b = s.boolean()) value = *b ? "True" : "False";
    status.conditions.push_back({c["type"].string().value_or(""), std::move(value),
                                 c["reason"].string().value_or(""),
                                 c["message"].string().value_or("")});
  }
  return status;
}

}  // namespace promtls::core::kube
