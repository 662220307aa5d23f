// Kubernetes objects, typed, over the document trees of documents.hpp: the one reader of
// Secrets, ConfigMaps, kubeconfigs, workloads' pod templates, List objects, and of what the
// Tigera operator reads from Secrets and TigeraStatus objects. The manifest reader (validate),
// inspect's sources and serve's watcher all read objects through it.
//
// Every type here is a view: it points into the Document nodes it was read from, which must
// outlive it. Values keep their node, so that a reader can cite its position and choose what it
// accepts (Node::string() by the one scalar rule, or Node::scalar()). Nothing is decoded here
// (Secret data stays base64 until a reader decodes it). objects() holds one small view per object
// of the stream; a reader that must not hold a whole List (the scale issue) can take the same
// views one at a time. Performs no I/O; reentrant; the views are read-only and thread-safe.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "promtls/core/documents.hpp"
#include "promtls/core/license.hpp"
#include "promtls/core/tigera_status.hpp"

namespace promtls::core::kube {

// Any object: a document's top-level mapping, or an item of a List.
struct Object {
  const Node* node = nullptr;  // the object's mapping
  std::string kind;            // the scalars as written ("" when absent)
  std::string api_version;
  std::string name;  // metadata.name
  std::string namespace_name;
  Position position;              // of the mapping
  std::size_t document_line = 1;  // first line of the document holding it

  // metadata, metadata.labels and metadata.annotations (null nodes when absent).
  const Node& metadata() const;
  const Node& labels() const;
  const Node& annotations() const;
};

// The objects of the documents that parsed, in order; a List (a kind ending in "List" with an
// `items` sequence) is replaced by its items, Lists inside Lists too. Documents that are not
// mappings are left out.
std::vector<Object> objects(const std::vector<Document>& documents);

// One key of a Secret's data or stringData, a ConfigMap's data or binaryData.
struct KeyValue {
  std::string key;
  const Node* value = nullptr;  // as written: base64 text for Secret data and binaryData
};

struct Secret {
  Object object;
  std::string type;                   // "kubernetes.io/tls"; "" when absent
  std::vector<KeyValue> data;         // document order; repeated keys kept
  std::vector<KeyValue> string_data;  // the API server merges it over data
};
// The Secret, when object.kind is "Secret".
std::optional<Secret> secret(const Object& object);

struct ConfigMap {
  Object object;
  std::vector<KeyValue> data;
  std::vector<KeyValue> binary_data;  // base64
};
// The ConfigMap, when object.kind is "ConfigMap".
std::optional<ConfigMap> config_map(const Object& object);

// A kubeconfig (kind Config, or any object with `clusters`): the certificates of its clusters
// (certificate-authority-data / certificate-authority) and users (client-certificate-data /
// client-certificate), and the contexts that name them.
struct Kubeconfig {
  struct Entry {
    std::string name;
    const Node* data = nullptr;       // the *-data value when present (base64), any type
    std::optional<std::string> file;  // the file reference, when a string and no data is given
  };
  struct Context {
    std::string name;
    std::string cluster;
    std::string user;
  };
  std::vector<Entry> clusters;  // entries whose `cluster` (`user`) is a mapping
  std::vector<Entry> users;
  std::vector<Context> contexts;  // contexts whose `context` is a mapping
};
std::optional<Kubeconfig> kubeconfig(const Object& object);

// What a pod template's containers read from the objects around them.
struct EnvVar {
  std::string name;
  const Node* value = nullptr;       // `value` as written, nullptr when absent
  const Node* value_from = nullptr;  // `valueFrom` when a mapping
  Position position;                 // of value, else valueFrom, else the entry
  // valueFrom's reference: which one, and its name/key (configMapKeyRef, secretKeyRef),
  // fieldPath (fieldRef) or resource (resourceFieldRef).
  enum class From { none, config_map_key, secret_key, field, resource_field, other };
  From from = From::none;
  std::string ref_name;
  std::string ref_key;
};
struct EnvFromSource {
  enum class Kind { config_map, secret, other };
  Kind kind = Kind::other;
  std::string name;  // configMapRef.name or secretRef.name
  std::string prefix;
  Position position;
};
struct VolumeMount {
  std::string name;
  std::string mount_path;
  std::string sub_path;
};
struct KeyToPath {
  std::string key;
  std::optional<std::string> path;  // nullopt: the key
  std::optional<unsigned> mode;
};
// A Secret (or ConfigMap) a volume projects: a `secret` or `configMap` volume, or such a source
// of a `projected` one.
struct SecretProjection {
  bool config_map = false;  // a ConfigMap's data, not a Secret's
  std::string secret_name;
  std::optional<unsigned> default_mode;
  std::optional<std::vector<KeyToPath>> items;  // nullopt: every key
};
struct Volume {
  std::string name;
  std::vector<SecretProjection> secrets;
};
// containers[].ports[]: the name a Service's targetPort or a monitor's port may use.
struct ContainerPort {
  std::string name;            // "" when absent
  std::string container_port;  // as written ("9090")
  Position position;
};
struct Container {
  std::string name;   // may be empty
  std::string image;  // may be empty
  bool init = false;
  std::size_t index = 0;  // among the pod's containers (or init containers), non-mappings counted
  Position position;
  std::vector<VolumeMount> volume_mounts;  // those with a mountPath
  std::vector<EnvFromSource> env_from;     // mappings only, in order
  std::vector<EnvVar> env;                 // entries with a non-empty name, in order
  std::vector<ContainerPort> ports;        // mappings only, in order
};
// A workload's pod template: a Pod's or a Knative Revision's spec (RevisionSpec embeds the
// PodSpec); else spec.template.spec (the built-in workloads, Knative Service and Configuration,
// Argo Rollouts, OpenKruise, ...) or spec.jobTemplate.spec.template.spec (CronJob and its
// look-alikes), whichever holds containers.
struct PodTemplate {
  Object owner;
  std::vector<Container> containers;  // init containers first, then containers
  std::vector<Volume> volumes;        // mappings only
  // The pod's labels: a Pod's metadata.labels, else the template's metadata.labels (a null
  // node when absent).
  const Node* labels = nullptr;
};
std::optional<PodTemplate> pod_template(const Object& object);

// A mode as Kubernetes writes it in YAML (0644 octal, 420 decimal, 0x1a4); nullopt when the
// value is not a scalar.
std::optional<unsigned> file_mode(const Node& node);

// What the Tigera operator's certificate collector reads from a Secret (spec/tigera-metrics.md
// §3.2): the signer label and the issuer and expiry annotations. nullopt when the Secret has none
// of the three. The one reader of these names, for inspect and serve alike.
std::optional<TigeraSecretMetadata> tigera_secret_metadata(const Secret& secret);

// An operator.tigera.io/v1 TigeraStatus (`kubectl get tigerastatus -o yaml`), when object.kind
// is "TigeraStatus": its name and status.conditions (spec §3.1). A condition status written as a
// YAML boolean reads as "True" / "False".
std::optional<TigeraStatus> tigera_status(const Object& object, const std::string& source);

}  // namespace promtls::core::kube
