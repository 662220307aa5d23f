// Kubernetes manifests (manifest.hpp). yaml-cpp reads both YAML and JSON and gives every node
// its position (YAML::Mark), which is what lets findings cite file:line.
#include "promtls/core/manifest.hpp"

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <utility>

#include "promtls/core/documents.hpp"

namespace promtls::core {
namespace {

// One document of a stream: its text and the 0-based line it starts at.
struct Chunk {
  std::size_t first_line = 0;
  std::string_view text;
};

bool is_marker(std::string_view line, std::string_view marker) {
  return line.substr(0, 3) == marker &&
         (line.size() == 3 || line[3] == ' ' || line[3] == '\t' || line[3] == '\r');
}

// Splits a stream at "---" / "..." lines, so that a document that does not parse does not stop
// the others. A marker at column 0 always ends a document in YAML (block scalars are indented).
std::vector<Chunk> split_documents(std::string_view text) {
  std::vector<Chunk> chunks;
  std::size_t start = 0;
  std::size_t start_line = 0;
  std::size_t pos = 0;
  std::size_t line = 0;
  while (pos < text.size()) {
    std::size_t eol = text.find('\n', pos);
    if (eol == std::string_view::npos) eol = text.size();
    const std::string_view current = text.substr(pos, eol - pos);
    const bool start_marker = is_marker(current, "---");
    const bool end_marker = is_marker(current, "...");
    if ((start_marker || end_marker) && pos > start) {
      chunks.push_back({start_line, text.substr(start, pos - start)});
      start = pos;
      start_line = line;
    }
    if (end_marker) {  // the "..." line itself belongs to no document
      start = std::min(eol + 1, text.size());
      start_line = line + 1;
    }
    pos = eol + 1;
    ++line;
  }
  if (start < text.size()) chunks.push_back({start_line, text.substr(start)});
  return chunks;
}

// The string Kubernetes would see for a scalar, or nullopt for a non-scalar.
std::optional<std::string> scalar(const YAML::Node& node) {
  if (!node || !node.IsScalar()) return std::nullopt;
  return node.Scalar();
}

std::string scalar_or(const YAML::Node& node, std::string fallback = {}) {
  auto v = scalar(node);
  return v ? *v : std::move(fallback);
}

// A plain (unquoted) scalar that YAML resolves to a number, boolean or null: Kubernetes
// rejects it where a string is required (env[].value, ConfigMap data).
bool plain_non_string(const YAML::Node& node) {
  if (!node.IsScalar() || node.Tag() != "?") return false;
  const std::string& v = node.Scalar();
  static constexpr std::array kWords{"true", "false", "True", "False", "TRUE", "FALSE", "yes",
                                     "no",   "Yes",   "No",   "YES",   "NO",   "on",    "off",
                                     "On",   "Off",   "ON",   "OFF",   "null", "Null",  "NULL",
                                     "~",    "y",     "n",    "Y",     "N"};
  for (const char* w : kWords) {
    if (v == w) return true;
  }
  if (v.empty()) return false;
  std::size_t i = (v[0] == '+' || v[0] == '-') ? 1 : 0;
  if (i == v.size()) return false;
  bool digit = false;
  bool dot = false;
  for (; i < v.size(); ++i) {
    const char c = v[i];
    if (c >= '0' && c <= '9') {
      digit = true;
    } else if (c == '.' && !dot) {
      dot = true;
    } else if ((c == 'e' || c == 'E') && digit) {
      // 1e3, 1.5e-3
      std::size_t j = i + 1;
      if (j < v.size() && (v[j] == '+' || v[j] == '-')) ++j;
      if (j == v.size()) return false;
      for (; j < v.size(); ++j) {
        if (v[j] < '0' || v[j] > '9') return false;
      }
      return true;
    } else {
      return false;
    }
  }
  return digit;
}

struct ConfigMapEntry {
  std::string value;
  std::string file;
  std::size_t line = 0;
};
// A ConfigMap or a Secret: the key/value objects envFrom and valueFrom read.
struct ConfigMap {
  std::string kind;  // "ConfigMap" or "Secret"
  std::string namespace_name;
  std::string name;
  std::vector<std::pair<std::string, ConfigMapEntry>> data;
};

// A workload's pod spec and who it belongs to, found while walking documents.
struct PodSpec {
  YAML::Node spec;
  std::string kind;
  std::string namespace_name;
  std::string name;
  std::size_t line_offset = 0;
  const ManifestInput* input = nullptr;
};

bool holds_containers(const YAML::Node& spec) {
  if (!spec || !spec.IsMap()) return false;
  const YAML::Node containers = spec["containers"];
  const YAML::Node init = spec["initContainers"];
  return (containers && containers.IsSequence()) || (init && init.IsSequence());
}

// The pod spec of an object: a Pod's spec; a Knative Revision's spec (RevisionSpec embeds the
// PodSpec); else spec.template.spec (the built-in workloads, Knative Service and Configuration,
// Argo Rollouts, OpenKruise, ...) or spec.jobTemplate.spec.template.spec (CronJob and its
// look-alikes), whichever holds containers.
YAML::Node pod_spec_of(const YAML::Node& object, const std::string& kind) {
  const YAML::Node spec = object["spec"];
  if (!spec || !spec.IsMap()) return {};
  if (kind == "Pod" || kind == "Revision") return holds_containers(spec) ? spec : YAML::Node();
  const auto child = [](const YAML::Node& node, const char* key) {
    return node && node.IsMap() && node[key] && node[key].IsMap() ? node[key] : YAML::Node();
  };
  if (const YAML::Node pod = child(child(spec, "template"), "spec"); holds_containers(pod)) {
    return pod;
  }
  const YAML::Node job = child(child(child(spec, "jobTemplate"), "spec"), "template");
  if (const YAML::Node pod = child(job, "spec"); holds_containers(pod)) return pod;
  return {};
}

// A repeated key in any mapping of `node`: the API server's strict decoding refuses the object
// ("json: duplicate field"), while yaml-cpp keeps both entries and `node[key]` silently gives the
// first. One finding per repeated key, citing both lines.
void duplicate_keys(const YAML::Node& node, std::size_t offset, const ManifestInput& input,
                    std::vector<Finding>& out, int depth = 0) {
  if (depth > 200) return;  // the parser's depth guard already bounds real input
  if (node.IsSequence()) {
    for (const YAML::Node& item : node) duplicate_keys(item, offset, input, out, depth + 1);
    return;
  }
  if (!node.IsMap()) return;
  struct Seen {
    std::string key;
    YAML::Mark mark;
  };
  std::vector<Seen> seen;
  const auto line_of_mark = [offset](const YAML::Mark& m) {
    return m.is_null() ? offset + 1 : offset + static_cast<std::size_t>(m.line) + 1;
  };
  for (const auto& kv : node) {
    if (kv.first.IsScalar()) {
      const std::string& key = kv.first.Scalar();
      const YAML::Mark mark = kv.first.Mark();
      const auto it = std::find_if(seen.begin(), seen.end(),
                                   [&](const Seen& entry) { return entry.key == key; });
      if (it == seen.end()) {
        seen.push_back({key, mark});
      } else {
        // Two on one line (JSON on one line) are told apart by their columns.
        const std::size_t first = line_of_mark(it->mark);
        const std::size_t second = line_of_mark(mark);
        const auto at = [&](const YAML::Mark& m, std::size_t line) {
          std::string text = std::to_string(line);
          if (first == second && !m.is_null()) text += ":" + std::to_string(m.column + 1);
          return text;
        };
        out.push_back(Finding{"manifest-duplicate-key",
                              Severity::error,
                              {},
                              input.name,
                              "the key \"" + key + "\" appears twice in one mapping (lines " +
                                  at(it->mark, first) + " and " + at(mark, second) +
                                  "): the API server refuses the object, and promtls would " +
                                  "only see the first value",
                              "keep one \"" + key + "\" entry",
                              Origin{Origin::Kind::manifest, input.name, second, {}}});
      }
    }
    duplicate_keys(kv.second, offset, input, out, depth + 1);
  }
}

class Reader {
 public:
  ManifestSet out;

  void read(std::span<const ManifestInput> inputs) {
    // Documents are parsed once; ConfigMaps are collected before containers are resolved, so
    // that envFrom finds a ConfigMap that comes later in the input.
    std::vector<std::pair<YAML::Node, std::pair<std::size_t, const ManifestInput*>>> docs;
    for (const ManifestInput& input : inputs) {
      for (const Chunk& chunk : split_documents(input.text)) {
        YAML::Node doc;
        try {
          doc = YAML::Load(std::string(chunk.text));
        } catch (const YAML::Exception& e) {
          ++out.documents;
          // yaml-cpp may place the mark just past the document's end; cite its last line then.
          const std::size_t lines =
              static_cast<std::size_t>(std::count(chunk.text.begin(), chunk.text.end(), '\n') +
                                       (chunk.text.empty() || chunk.text.back() == '\n' ? 0 : 1));
          const std::size_t rel =
              e.mark.is_null() ? 0 : static_cast<std::size_t>(std::max(e.mark.line, 0));
          const std::size_t line = chunk.first_line + std::min(rel, lines == 0 ? 0 : lines - 1) + 1;
          Finding f{
              "manifest-syntax",
              Severity::error,
              {},
              input.name,
              "not valid YAML or JSON: " + (dynamic_cast<const YAML::DeepRecursion*>(&e) != nullptr
                                                ? std::string("nested more than 2000 levels deep")
                                                : e.msg),
              "fix the document; the other documents are still checked",
              Origin{Origin::Kind::manifest, input.name, line, {}}};
          out.findings.push_back(std::move(f));
          continue;
        } catch (const std::exception& e) {  // yaml-cpp may throw others on hostile input
          ++out.documents;
          out.findings.push_back(
              Finding{"manifest-syntax",
                      Severity::error,
                      {},
                      input.name,
                      std::string("not valid YAML or JSON: ") + e.what(),
                      {},
                      Origin{Origin::Kind::manifest, input.name, chunk.first_line + 1, {}}});
          continue;
        }
        if (!doc || doc.IsNull()) continue;  // an empty document (comments only)
        ++out.documents;
        duplicate_keys(doc, chunk.first_line, input, out.findings);
        docs.emplace_back(doc, std::make_pair(chunk.first_line, &input));
      }
    }
    for (const auto& [doc, where] : docs) collect(doc, where.first, *where.second, true);
    for (const auto& [doc, where] : docs) collect(doc, where.first, *where.second, false);
  }

 private:
  std::vector<ConfigMap> config_maps_;
  std::vector<ConfigMap> secrets_;

  static std::size_t line_of(const YAML::Node& node, std::size_t offset) {
    const YAML::Mark m = node.Mark();
    return m.is_null() ? offset + 1 : offset + static_cast<std::size_t>(m.line) + 1;
  }

  // First pass (`config_maps`): ConfigMaps only; second pass: workloads.
  void collect(const YAML::Node& object, std::size_t offset, const ManifestInput& input,
               bool config_maps) {
    if (!object.IsMap()) return;
    const std::string kind = scalar_or(object["kind"]);
    const YAML::Node items = object["items"];
    if (items && items.IsSequence() && (kind == "List" || kind.ends_with("List"))) {
      for (const YAML::Node& item : items) collect(item, offset, input, config_maps);
      return;
    }
    const YAML::Node meta = object["metadata"];
    std::string ns;
    std::string name;
    if (meta && meta.IsMap()) {
      ns = scalar_or(meta["namespace"]);
      name = scalar_or(meta["name"]);
    }
    if (config_maps) {
      if (kind == "ConfigMap")
        config_maps_.push_back(key_values(object, kind, ns, name, offset, input));
      if (kind == "Secret") secrets_.push_back(key_values(object, kind, ns, name, offset, input));
      return;
    }
    const YAML::Node spec = pod_spec_of(object, kind);
    if (!spec) return;
    PodSpec pod{spec, kind, ns, name, offset, &input};
    for (const char* field : {"initContainers", "containers"}) {
      const YAML::Node list = spec[field];
      if (!list || !list.IsSequence()) continue;
      std::size_t index = 0;
      for (const YAML::Node& c : list) {
        if (c.IsMap()) container(pod, c, std::string_view(field) == "initContainers", index);
        ++index;
      }
    }
  }

  // The entries of a ConfigMap (data) or a Secret (data, base64-decoded, then stringData, which
  // the API server merges over data). A Secret value that is not base64 is an error finding: the
  // API server refuses the object.
  ConfigMap key_values(const YAML::Node& object, const std::string& kind, const std::string& ns,
                       const std::string& name, std::size_t offset, const ManifestInput& input) {
    ConfigMap cm{kind, ns, name, {}};
    const auto put = [&cm](std::string key, ConfigMapEntry entry) {
      for (auto& [k, e] : cm.data) {
        if (k == key) {
          e = std::move(entry);
          return;
        }
      }
      cm.data.emplace_back(std::move(key), std::move(entry));
    };
    const YAML::Node data = object["data"];
    if (data && data.IsMap()) {
      for (const auto& kv : data) {
        std::string value = scalar_or(kv.second);
        const std::size_t line = line_of(kv.second, offset);
        if (kind == "Secret") {
          auto decoded = base64_decode(value);
          if (!decoded) {
            out.findings.push_back(
                Finding{"manifest-secret-not-base64",
                        Severity::error,
                        {},
                        input.name,
                        "Secret " + name + " key " + scalar_or(kv.first) +
                            ": the value is not base64, so the API server refuses the Secret",
                        "put plain text under stringData, or encode it with base64",
                        Origin{Origin::Kind::manifest, input.name, line, {}}});
            continue;
          }
          value = std::move(*decoded);
        }
        put(scalar_or(kv.first), ConfigMapEntry{std::move(value), input.name, line});
      }
    }
    const YAML::Node string_data = object["stringData"];
    if (kind == "Secret" && string_data && string_data.IsMap()) {
      for (const auto& kv : string_data) {
        put(scalar_or(kv.first),
            ConfigMapEntry{scalar_or(kv.second), input.name, line_of(kv.second, offset)});
      }
    }
    return cm;
  }

  // The files a Secret puts into a volume: every key, or only `items` (key -> path), with the
  // item's mode, else the volume's defaultMode, else 0644.
  static std::vector<std::pair<std::string, MountedFile>> secret_files(const ConfigMap& secret,
                                                                       const YAML::Node& source) {
    unsigned default_mode = 0644;
    if (auto mode = scalar(source["defaultMode"])) {
      default_mode = static_cast<unsigned>(std::strtoul(mode->c_str(), nullptr, 0));
    }
    const std::string object = "Secret " +
                               (secret.namespace_name.empty() ? "" : secret.namespace_name + "/") +
                               secret.name;
    std::vector<std::pair<std::string, MountedFile>> out;  // (path in the volume, file)
    const YAML::Node items = source["items"];
    if (items && items.IsSequence()) {
      for (const YAML::Node& item : items) {
        const std::string key = scalar_or(item["key"]);
        for (const auto& [k, entry] : secret.data) {
          if (k != key) continue;
          unsigned mode = default_mode;
          if (auto m = scalar(item["mode"])) {
            mode = static_cast<unsigned>(std::strtoul(m->c_str(), nullptr, 0));
          }
          out.push_back({scalar_or(item["path"], key),
                         MountedFile{{}, entry.value, object + " key " + key, mode}});
        }
      }
      return out;
    }
    for (const auto& [key, entry] : secret.data) {
      out.push_back({key, MountedFile{{}, entry.value, object + " key " + key, default_mode}});
    }
    return out;
  }

  // Records the Secret-backed files of the volume `volume` mounted at `mount_path` (with
  // `sub_path`, one file of it) in the container: a `secret` volume, or the `secret` sources of
  // a `projected` volume, whose Secret is in the input set.
  void secret_mount(const PodSpec& pod, const std::string& volume, const std::string& mount_path,
                    const std::string& sub_path, ManifestTarget& t) const {
    const YAML::Node volumes = pod.spec["volumes"];
    if (!volumes || !volumes.IsSequence()) return;
    std::vector<std::pair<std::string, MountedFile>> files;
    bool backed = false;
    for (const YAML::Node& v : volumes) {
      if (!v.IsMap() || scalar_or(v["name"]) != volume) continue;
      std::vector<std::pair<std::string, YAML::Node>> sources;  // (Secret name, source)
      if (const YAML::Node secret = v["secret"]; secret && secret.IsMap()) {
        sources.emplace_back(scalar_or(secret["secretName"]), secret);
      }
      if (const YAML::Node projected = v["projected"]; projected && projected.IsMap()) {
        if (const YAML::Node list = projected["sources"]; list && list.IsSequence()) {
          for (const YAML::Node& source : list) {
            if (const YAML::Node secret = source["secret"]; secret && secret.IsMap()) {
              sources.emplace_back(scalar_or(secret["name"]), secret);
            }
          }
        }
      }
      // Only a volume all of whose Secrets are in the input is known file by file.
      backed = !sources.empty();
      for (const auto& [name, source] : sources) {
        const ConfigMap* secret = find_secret(pod.namespace_name, name);
        if (secret == nullptr) {
          backed = false;
          break;
        }
        for (auto& file : secret_files(*secret, source)) files.push_back(std::move(file));
      }
    }
    if (!backed) return;
    std::string base = mount_path;
    while (base.size() > 1 && base.back() == '/') base.pop_back();
    t.secret_mount_paths.push_back(base);
    for (auto& [name, file] : files) {
      if (!sub_path.empty()) {
        if (name != sub_path) continue;
        file.path = base;
      } else {
        file.path = base == "/" ? "/" + name : base + "/" + name;
      }
      t.secret_files.push_back(std::move(file));
    }
  }

  // The object called `name` in namespace `ns` (an object or reference without a namespace
  // matches any).
  static const ConfigMap* find_in(const std::vector<ConfigMap>& objects, const std::string& ns,
                                  const std::string& name) {
    for (const ConfigMap& object : objects) {
      if (object.name == name &&
          (object.namespace_name == ns || object.namespace_name.empty() || ns.empty())) {
        return &object;
      }
    }
    return nullptr;
  }
  const ConfigMap* find_secret(const std::string& ns, const std::string& name) const {
    return find_in(secrets_, ns, name);
  }
  const ConfigMap* find_config_map(const std::string& ns, const std::string& name) const {
    return find_in(config_maps_, ns, name);
  }

  void container(const PodSpec& pod, const YAML::Node& c, bool init, std::size_t index) {
    ManifestTarget t;
    t.file = pod.input->name;
    t.line = line_of(c, pod.line_offset);
    t.kind = pod.kind;
    t.namespace_name = pod.namespace_name;
    t.workload = pod.name;
    t.container = scalar_or(c["name"]);
    t.image = scalar_or(c["image"]);
    t.init_container = init;
    t.index = index;
    const std::string label = t.label();
    const auto origin_at = [&](std::size_t line, std::string context = {}) {
      return Origin{Origin::Kind::manifest, t.file, line, context.empty() ? label : context};
    };
    const auto info = [&](std::string code, std::string name, std::string message, std::size_t line,
                          std::string hint = {}) {
      t.findings.push_back(Finding{
          std::move(code),
          Severity::info,
          name.empty() ? std::vector<std::string>{} : std::vector<std::string>{std::move(name)},
          {},
          std::move(message),
          std::move(hint),
          origin_at(line)});
    };

    if (const YAML::Node mounts = c["volumeMounts"]; mounts && mounts.IsSequence()) {
      for (const YAML::Node& m : mounts) {
        if (m.IsMap()) {
          if (auto path = scalar(m["mountPath"])) {
            t.mount_paths.push_back(*path);
            secret_mount(pod, scalar_or(m["name"]), *path, scalar_or(m["subPath"]), t);
          }
        }
      }
    }

    // envFrom first: env entries take precedence over it (Kubernetes API reference, EnvFromSource).
    if (const YAML::Node from = c["envFrom"]; from && from.IsSequence()) {
      for (const YAML::Node& source : from) {
        if (!source.IsMap()) continue;
        const std::string prefix = scalar_or(source["prefix"]);
        const std::size_t line = line_of(source, pod.line_offset);
        if (const YAML::Node ref = source["configMapRef"]; ref && ref.IsMap()) {
          const std::string name = scalar_or(ref["name"]);
          if (const ConfigMap* cm = find_config_map(pod.namespace_name, name)) {
            for (const auto& [key, entry] : cm->data) {
              set(t, prefix + key, entry.value,
                  Origin{Origin::Kind::manifest, entry.file, entry.line,
                         label + ", from ConfigMap " + name});
            }
          } else {
            info("envfrom-unresolved", {},
                 "envFrom configMapRef " + name +
                     ": the ConfigMap is not in the input, so the variables it sets are unknown",
                 line, "pass the ConfigMap's manifest too (another --manifest)");
          }
        } else if (const YAML::Node sref = source["secretRef"]; sref && sref.IsMap()) {
          const std::string name = scalar_or(sref["name"]);
          if (const ConfigMap* secret = find_secret(pod.namespace_name, name)) {
            for (const auto& [key, entry] : secret->data) {
              set(t, prefix + key, entry.value,
                  Origin{Origin::Kind::manifest, entry.file, entry.line,
                         label + ", from Secret " + name});
            }
          } else {
            info("envfrom-unresolved", {},
                 "envFrom secretRef " + name +
                     ": the Secret is not in the input, so the variables it sets are unknown",
                 line, "pass the Secret's manifest too (another --manifest)");
          }
        }
      }
    }

    if (const YAML::Node env = c["env"]; env && env.IsSequence()) {
      for (const YAML::Node& e : env) {
        if (!e.IsMap()) continue;
        const std::string name = scalar_or(e["name"]);
        if (name.empty()) continue;
        const YAML::Node value = e["value"];
        const YAML::Node from = e["valueFrom"];
        if (from && from.IsMap()) {
          value_from(t, name, from, line_of(from, pod.line_offset), label);
          continue;
        }
        const std::size_t line = line_of(value ? value : e, pod.line_offset);
        if (value && plain_non_string(value)) {
          t.findings.push_back(Finding{
              "manifest-value-not-string",
              Severity::error,
              {name},
              {},
              "env " + name + " has the unquoted value " + value.Scalar() +
                  ", which YAML reads as a number, boolean or null: the API server rejects the "
                  "manifest (env values must be strings)",
              "quote it: value: \"" + value.Scalar() + "\"",
              origin_at(line)});
        }
        set(t, name, expand(t, value ? scalar_or(value) : std::string()), origin_at(line));
      }
    }
    out.targets.push_back(std::move(t));
  }

  static void set(ManifestTarget& t, const std::string& name, std::string value, Origin origin) {
    t.unresolved.erase(name);
    t.env.set(name, std::move(value), std::move(origin));
  }

  // The kubelet's $(VAR) expansion: a reference to a variable defined earlier is replaced by its
  // value, $$ is a literal $, and any other reference is kept as written.
  static std::string expand(ManifestTarget& t, const std::string& value) {
    if (value.find('$') == std::string::npos) return value;
    std::string out;
    for (std::size_t i = 0; i < value.size(); ++i) {
      if (value[i] == '$' && i + 1 < value.size()) {
        if (value[i + 1] == '$') {
          out += '$';
          ++i;
          continue;
        }
        if (value[i + 1] == '(') {
          const std::size_t close = value.find(')', i + 2);
          if (close != std::string::npos) {
            const std::string ref = value.substr(i + 2, close - i - 2);
            if (const EnvValue* v = t.env.find(ref)) {
              out += v->value;
              i = close;
              continue;
            }
          }
        }
      }
      out += value[i];
    }
    return out;
  }

  void value_from(ManifestTarget& t, const std::string& name, const YAML::Node& from,
                  std::size_t line, const std::string& label) {
    std::string what = "valueFrom";
    if (const YAML::Node r = from["configMapKeyRef"]; r && r.IsMap()) {
      const std::string cm_name = scalar_or(r["name"]);
      const std::string key = scalar_or(r["key"]);
      if (const ConfigMap* cm = find_config_map(t.namespace_name, cm_name)) {
        for (const auto& [k, entry] : cm->data) {
          if (k == key) {
            set(t, name, entry.value,
                Origin{Origin::Kind::manifest, entry.file, entry.line,
                       label + ", from ConfigMap " + cm_name});
            return;
          }
        }
      }
      what = "configMapKeyRef " + cm_name + "/" + key;
    } else if (const YAML::Node sr = from["secretKeyRef"]; sr && sr.IsMap()) {
      const std::string secret_name = scalar_or(sr["name"]);
      const std::string key = scalar_or(sr["key"]);
      if (const ConfigMap* secret = find_secret(t.namespace_name, secret_name)) {
        for (const auto& [k, entry] : secret->data) {
          if (k == key) {
            set(t, name, entry.value,
                Origin{Origin::Kind::manifest, entry.file, entry.line,
                       label + ", from Secret " + secret_name});
            return;
          }
        }
      }
      what = "secretKeyRef " + secret_name + "/" + key;
    } else if (const YAML::Node fr = from["fieldRef"]; fr && fr.IsMap()) {
      what = "fieldRef " + scalar_or(fr["fieldPath"]);
    } else if (const YAML::Node rr = from["resourceFieldRef"]; rr && rr.IsMap()) {
      what = "resourceFieldRef " + scalar_or(rr["resource"]);
    }
    // Set but unknown: present and non-empty, so presence rules (cert/key pairing) still hold.
    t.env.set(name, "$(" + what + ")", Origin{Origin::Kind::manifest, t.file, line, label});
    t.unresolved[name] = what;
  }
};

// The variables naming the serving certificate, key and client CA of a profile.
struct PathVariables {
  std::string_view cert;
  std::string_view key;
  std::string_view ca;
};
PathVariables path_variables(Profile profile) {
  if (profile == Profile::tigera) {
    return {name(Var::tigera_tls_cert_file), name(Var::tigera_tls_key_file),
            name(Var::tigera_tls_ca_file)};
  }
  return {name(Var::knative_tls_cert), name(Var::knative_tls_key),
          name(Var::knative_tls_client_ca_file)};
}

bool under_mount(std::string_view path, const std::vector<std::string>& mounts) {
  for (std::string_view m : mounts) {
    while (m.size() > 1 && m.back() == '/') m.remove_suffix(1);
    if (m == "/" && !path.empty() && path.front() == '/') return true;
    if (path == m) return true;
    if (path.size() > m.size() && path.substr(0, m.size()) == m && path[m.size()] == '/') {
      return true;
    }
  }
  return false;
}

}  // namespace

std::string ManifestTarget::label() const {
  std::string out = kind + " ";
  out += namespace_name.empty() ? workload : namespace_name + "/" + workload;
  out += init_container ? ", init container " : ", container ";
  out += container.empty() ? "#" + std::to_string(index + 1) : container;
  return out;
}

Origin ManifestTarget::origin() const {
  return Origin{Origin::Kind::manifest, file, line, label()};
}

ManifestSet parse_manifests(std::span<const ManifestInput> inputs) {
  Reader reader;
  reader.read(inputs);
  return std::move(reader.out);
}

namespace {

// The credential files of a container as the Secrets of the input put them there.
class MountedFiles final : public FileInspector {
 public:
  MountedFiles(const ManifestTarget& target, DescribeCredentials describe)
      : target_(target), describe_(describe) {}
  FileFacts inspect(const std::string& path) override {
    for (const MountedFile& file : target_.secret_files) {
      if (file.path != path) continue;
      FileFacts facts = describe_(file.bytes, path);
      facts.mode = file.mode;
      return facts;
    }
    FileFacts missing;
    missing.path = path;
    missing.read_error = "open " + path + ": no such file or directory";
    return missing;
  }

 private:
  const ManifestTarget& target_;
  DescribeCredentials describe_;
};

}  // namespace

ProfileChoice choose_profile(const ManifestTarget& target, std::optional<Profile> profile) {
  return choose_profile(target.env, profile,
                        Workload{target.image, target.container, target.workload});
}

Evaluation evaluate_manifest_target(const ManifestTarget& target, std::optional<Profile> profile,
                                    const EvaluateOptions& options, DescribeCredentials describe) {
  const ProfileChoice choice = choose_profile(target, profile);
  return evaluate_manifest_target(target, choice, choice.profiles.front(), options, describe);
}

Evaluation evaluate_manifest_target(const ManifestTarget& target, const ProfileChoice& choice,
                                    Profile chosen, const EvaluateOptions& options,
                                    DescribeCredentials describe) {
  // Unresolvable values: a value the component accepts, so that only presence matters; paths
  // keep their "$(secretKeyRef s/k)" placeholder and are never looked up.
  EnvSnapshot env = env_for(target.env, choice, chosen);
  for (const auto& [name, what] : target.unresolved) {
    if (env.find(name) == nullptr) continue;  // the other profile's TLS_MIN_VERSION
    const VariableSpec* spec = find_variable(name, chosen);
    if (spec == nullptr) spec = find_variable(name);
    if (spec == nullptr || spec->path || spec->assumed_value.empty()) continue;
    std::string assumed(spec->assumed_value);
    // knative: "require" when a CA is given, so that the CA rules stay quiet (R-M3, R-M4).
    if (spec->key == Var::knative_tls_client_auth &&
        env.is_set(core::name(Var::knative_tls_client_ca_file))) {
      assumed = "require";
    }
    env.set(name, assumed, env.find(name)->origin);
  }

  // The choice is said once, with the first profile's report.
  std::vector<Finding> head;
  if (chosen == choice.profiles.front())
    head = profile_findings(choice, target.env, target.origin());
  for (const auto& [name, what] : target.unresolved) {
    if (!belongs_to(name, chosen) || env.find(name) == nullptr) continue;
    const VariableSpec* spec = find_variable(name, chosen);
    std::string message = name + " comes from " + what + ", which promtls cannot read; ";
    if (spec != nullptr && !spec->path && !spec->assumed_value.empty()) {
      message +=
          "it counts as set and is checked as if it were \"" + std::string(env.get(name)) + "\"";
    } else {
      message += "it counts as set and its file is not checked";
    }
    head.push_back(Finding{"value-from-unresolved",
                           Severity::info,
                           {name},
                           {},
                           std::move(message),
                           "check the referenced object's value yourself",
                           env.find(name)->origin});
  }

  Evaluation e = evaluate(env, chosen, options, nullptr);

  // Credential paths: the files are in the pod, so only their mount can be judged, unless every
  // file the configuration reads comes from a Secret of the input: then they are checked.
  const bool reads_files =
      e.config.tls && (e.config.profile != Profile::tigera || e.config.enabled);
  if (reads_files && describe != nullptr && !target.secret_files.empty()) {
    const TlsConfig& paths = e.config.tls_config;
    bool all_known = true;
    bool any = false;
    for (const std::string* path : {&paths.cert_file, &paths.key_file, &paths.client_ca_file}) {
      if (path->empty()) continue;
      any = true;
      all_known = all_known && path->find("$(") == std::string::npos &&
                  under_mount(*path, target.secret_mount_paths);
    }
    if (any && all_known) {
      MountedFiles files(target, describe);
      e = evaluate(env, chosen, options, &files);
      head.push_back(Finding{"secret-files-checked",
                             Severity::info,
                             {},
                             {},
                             "the certificate files were checked as the Secrets of the input "
                             "mount them",
                             {},
                             target.origin()});
    }
  }
  const TlsConfig& tls = e.config.tls_config;
  if (reads_files) {
    const PathVariables vars = path_variables(e.config.profile);
    const std::array<std::pair<std::string_view, const std::string*>, 3> paths{
        std::pair{vars.cert, &tls.cert_file}, std::pair{vars.key, &tls.key_file},
        std::pair{vars.ca, &tls.client_ca_file}};
    for (const auto& [var, path] : paths) {
      if (path->empty() || target.unresolved.count(var) != 0) continue;
      if (under_mount(*path, target.mount_paths)) continue;
      const EnvValue* v = env.find(var);
      Finding f{"path-outside-volume-mounts",
                Severity::warning,
                {std::string(var)},
                {},
                std::string(var) + (v == nullptr ? " (default) " : " ") + *path +
                    " is not under any volumeMount of " +
                    (target.init_container ? "init container " : "container ") + target.container +
                    ": the file will not exist in the pod",
                "mount the Secret that holds it at that directory (unless the image itself "
                "contains the file)",
                v != nullptr ? std::optional<Origin>(v->origin) : std::nullopt};
      e.findings.push_back(std::move(f));
    }
  }

  // A finding cites the first of its variables the manifest sets, else the container.
  for (Finding& f : e.findings) {
    for (std::size_t i = 0; !f.origin && i < f.variables.size(); ++i) {
      if (const EnvValue* v = env.find(f.variables[i])) f.origin = v->origin;
    }
    if (!f.origin) f.origin = target.origin();
  }
  std::vector<Finding> all = target.findings;
  all.insert(all.end(), head.begin(), head.end());
  all.insert(all.end(), std::make_move_iterator(e.findings.begin()),
             std::make_move_iterator(e.findings.end()));
  e.findings = std::move(all);
  return e;
}

}  // namespace promtls::core
