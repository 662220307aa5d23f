// Kubernetes manifests as validate inputs: every container and init container of the workloads
// in a set of YAML or JSON streams, with the environment Kubernetes would give it.
//
// parse_manifests() takes the bytes of each input (the cli reads files and stdin) and performs no
// I/O. It reads one document at a time (for_each_document()), keeping what the checks across
// documents need, not the trees; the result is the same as if every document were held. A List
// (`kubectl get -o yaml|json`) over ManifestReadOptions::stream_lists_over bytes is read an item at
// a time (stream_yaml()), with the positions and findings reading it whole gives; one that does not
// stream (not a List, a syntax error, an alias across items) is read whole instead. It never throws
// for bad input: a document that does not parse becomes an error finding naming file:line, and the
// other documents are still read, as are the items of a List (`kubectl get` cut off) before the
// error; a mapping that repeats a key is an error finding citing both lines (the API server's
// strict decoding refuses it). Pod templates: a Pod's or a Knative Revision's spec, and
// spec.template.spec or spec.jobTemplate.spec.template.spec of any other object when it holds
// containers (the built-in workloads, Knative Service and Configuration, and CRDs shaped like
// them), also inside List objects. Environment: envFrom first (configMapRef and secretRef resolved
// from a ConfigMap or Secret of the same input set; Secret data is base64-decoded, stringData
// merged over it), then env in order, later entries overriding earlier ones as the kubelet does;
// $(VAR) references in values are expanded as the kubelet does. Values from valueFrom that promtls
// cannot see (fieldRef, resourceFieldRef, a key reference to an absent ConfigMap or Secret) are
// "set but unknown".
//
// evaluate_manifest_target() validates one container with file and clock checks off (the files
// live in the pod), except that a credential path outside every volumeMount is a warning; and
// when every credential file the configuration reads lies under a volume mount backed by a Secret
// or ConfigMap of the input set, the certificate checks run on their data, as the component will
// see it (a key they lack is a file that does not exist), given a way to describe credential bytes
// (`describe`; the cli passes tls::describe_credentials).
// All functions are reentrant; results are plain values.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "promtls/core/config.hpp"
#include "promtls/core/env.hpp"
#include "promtls/core/finding.hpp"
#include "promtls/core/profile.hpp"
#include "promtls/core/scrape_path.hpp"

namespace promtls::core {

// One input stream: its name as findings cite it ("deploy.yaml", "-" for stdin) and its bytes.
struct ManifestInput {
  std::string name;
  std::string text;
};

// A file the kubelet would project into a container from a Secret or ConfigMap of the input set (a
// `secret` or `configMap` volume, or such a source of a `projected` volume), at the path the
// container sees.
struct MountedFile {
  std::string path;      // mountPath + "/" + (item path or key), or mountPath itself with subPath
  std::string bytes;     // the Secret's value (data decoded, or stringData)
  std::string from;      // "Secret ns/name key tls.crt", for findings
  unsigned mode = 0644;  // items[].mode, else defaultMode, else 0644 (the API default)
};

// One container of one workload, with its resolved environment.
struct ManifestTarget {
  std::string file;
  std::size_t line = 0;  // 1-based line of the container entry
  std::string kind;      // "StatefulSet"
  std::string namespace_name;
  std::string workload;   // metadata.name
  std::string container;  // may be empty (Knative names it when it is deployed)
  std::string image;      // the container's image, "" when not given
  std::size_t index = 0;  // position among the pod's containers (or init containers)
  bool init_container = false;
  EnvSnapshot env;  // every value cites file:line and this container
  // Variables set through valueFrom (or $(VAR) of such a variable) that promtls cannot resolve,
  // with what they refer to ("secretKeyRef metrics-tls/cert").
  std::map<std::string, std::string, std::less<>> unresolved;
  std::vector<std::string> mount_paths;  // volumeMounts[].mountPath
  // The mount paths backed by a Secret of the input set, and the files the Secrets put there.
  std::vector<std::string> secret_mount_paths;
  std::vector<MountedFile> secret_files;
  std::vector<Finding> findings;  // about this container's env sources

  // "StatefulSet mon/app, container app" ("init container x" for init containers; "container #1"
  // for one without a name).
  std::string label() const;
  // {manifest, file, line, label()}.
  Origin origin() const;
};

struct ManifestSet {
  std::vector<ManifestTarget> targets;  // in input, document and container order
  std::vector<Finding> findings;        // not about one container: syntax errors and the like
  std::size_t documents = 0;            // documents read (parsed or not)
  std::size_t streamed_lists = 0;       // of them, Lists read an item at a time
  // Every ServiceMonitor and PodMonitor endpoint, followed to the containers it reaches
  // (scrape_path.hpp); validate_manifests() judges them.
  std::vector<ScrapePath> scrape_paths;
};

// A Secret given as a directory (validate --secret-dir DIR: DIR/NAME holds the keys of the Secret
// or ConfigMap NAME, one file per key, as a Secret volume does). It stands for a Secret or
// ConfigMap of that name in any namespace, after those of the manifests.
struct DirectorySecret {
  std::string name;
  std::string dir;                                         // "secrets/metrics-tls", for findings
  std::vector<std::pair<std::string, std::string>> files;  // key -> bytes
};

struct ManifestReadOptions {
  // A List document (`kubectl get ... -o yaml|json`) longer than this is read an item at a time,
  // so that memory follows its largest item, not the List; the result is the same.
  std::size_t stream_lists_over = std::size_t{1} << 20;
};

// Reads every input. See the header comment for what is recognised.
ManifestSet parse_manifests(std::span<const ManifestInput> inputs,
                            std::span<const DirectorySecret> directories = {},
                            const ManifestReadOptions& options = {});

// Validates one container under `profile` (nullopt: --profile auto, decided per container by
// choose_profile() below and reported by profile_findings(); of two profiles, the first). Findings
// that carry no origin of their own cite the container. `describe` turns a credential file's bytes
// into facts (scrape_path.hpp).

Evaluation evaluate_manifest_target(const ManifestTarget& target, std::optional<Profile> profile,
                                    const EvaluateOptions& options,
                                    DescribeCredentials describe = nullptr);

// The profiles to check one container under: core::choose_profile() of its variables (valueFrom
// counts as set) and its workload (image, container name, workload name).
ProfileChoice choose_profile(const ManifestTarget& target, std::optional<Profile> profile);

// Validates one container under `profile`, one of `choice.profiles`, as above; the choice's
// findings (profile_findings()) come first in the report of its first profile.
Evaluation evaluate_manifest_target(const ManifestTarget& target, const ProfileChoice& choice,
                                    Profile profile, const EvaluateOptions& options,
                                    DescribeCredentials describe = nullptr);

}  // namespace promtls::core
