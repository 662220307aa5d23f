// Kubernetes manifests (manifest.hpp). The objects, their pod templates and every value's
// position come from the one reader of Kubernetes objects (kube.hpp), which is what lets findings
// cite file:line.
#include "promtls/core/manifest.hpp"

#include <algorithm>
#include <array>
#include <deque>
#include <iterator>
#include <memory>
#include <utility>

#include "promtls/core/documents.hpp"
#include "promtls/core/json_stream.hpp"
#include "promtls/core/kube.hpp"
#include "promtls/core/monitor.hpp"
#include "promtls/core/scrape_config.hpp"

namespace promtls::core {
namespace {

using kube::EnvFromSource;
using kube::EnvVar;

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

// A workload's pod template and the input it comes from.
struct PodSpec {
  kube::PodTemplate pod;
  const ManifestInput* input = nullptr;
};

// A repeated key in any mapping of `node`: the API server's strict decoding refuses the object
// ("json: duplicate field"), while a reader that looks a key up silently gets the first. One
// finding per repeated key, citing both lines.
void duplicate_keys(const Node& node, const ManifestInput& input, std::vector<Finding>& out,
                    int depth = 0) {
  if (depth > 200) return;  // the parser's depth guard already bounds real input
  if (node.is_sequence()) {
    for (const Node& item : node.items()) duplicate_keys(item, input, out, depth + 1);
    return;
  }
  if (!node.is_mapping()) return;
  std::vector<const Node::Entry*> seen;
  for (const Node::Entry& entry : node.entries()) {
    if (entry.key_is_scalar) {
      const auto it = std::find_if(seen.begin(), seen.end(),
                                   [&](const Node::Entry* e) { return e->key == entry.key; });
      if (it == seen.end()) {
        seen.push_back(&entry);
      } else {
        // Two on one line (JSON on one line) are told apart by their columns.
        const Position first = (*it)->key_position;
        const Position second = entry.key_position;
        const auto at = [&](const Position& p) {
          std::string text = std::to_string(p.line);
          if (first.line == second.line && p.column != 0) text += ":" + std::to_string(p.column);
          return text;
        };
        out.push_back(Finding{"manifest-duplicate-key",
                              Severity::error,
                              {},
                              input.name,
                              "the key \"" + entry.key + "\" appears twice in one mapping (lines " +
                                  at(first) + " and " + at(second) +
                                  "): the API server refuses the object, and promtls would " +
                                  "only see the first value",
                              "keep one \"" + entry.key + "\" entry",
                              Origin{Origin::Kind::manifest, input.name, second.line, {}}});
      }
    }
    duplicate_keys(entry.value, input, out, depth + 1);
  }
}

class Reader {
 public:
  ManifestSet out;

  explicit Reader(const ManifestReadOptions& options) : options_(options) {}

  void read(std::span<const ManifestInput> inputs, std::span<const DirectorySecret> directories) {
    // Documents are read one at a time and freed (for_each_document()); a List document larger
    // than options_.stream_lists_over is read an item at a time (list_items()). A workload is
    // evaluated when it arrives, against the ConfigMaps and Secrets read so far; a lookup that
    // found nothing is remembered, and the workload is read again at the end when the whole input
    // set has what it missed. The findings come in the order of a reader that holds every
    // document: those of the documents themselves, then those of their ConfigMaps and Secrets,
    // then the monitors'.
    for (std::size_t i = 0; i < inputs.size(); ++i) {
      const ManifestInput& input = inputs[i];
      for_each_document(
          input.text,
          [&](Document& doc, const DocumentSource& source) {
            ++out.documents;
            document(doc, source, i, input, nullptr);
          },
          options_.stream_lists_over,
          [&](const DocumentSource& source) { return list_items(source, i, input); });
    }
    out.findings.insert(out.findings.end(), std::make_move_iterator(later_findings_.begin()),
                        std::make_move_iterator(later_findings_.end()));
    later_findings_.clear();
    jobs_.insert(jobs_.end(), std::make_move_iterator(later_jobs_.begin()),
                 std::make_move_iterator(later_jobs_.end()));
    // After the manifests' own: a Secret of the input wins over a directory of the same name.
    for (const DirectorySecret& d : directories) {
      ConfigMap cm{"Secret", {}, d.name, {}};
      for (const auto& [key, bytes] : d.files) {
        cm.data.emplace_back(key, ConfigMapEntry{bytes, d.dir + "/" + key, 0});
      }
      secrets_.push_back(cm);
      cm.kind = "ConfigMap";
      config_maps_.push_back(std::move(cm));
    }
    // The workloads that missed what the whole input set has are read again: alone, from the
    // tree kept, or (the items of a streamed List) in one more pass over their List.
    for (Workload& w : workloads_) {
      w.redo = std::any_of(w.misses.begin(), w.misses.end(), [&](const Miss& m) {
        return (m.secret ? find_secret(m.ns, m.name) : find_config_map(m.ns, m.name)) != nullptr;
      });
    }
    for (std::size_t i = 0; i < workloads_.size();) {
      const Workload& w = workloads_[i];
      if (!w.redo) {
        ++i;
      } else if (w.list_item) {
        std::size_t end = i + 1;
        while (end < workloads_.size() && workloads_[end].list_item &&
               workloads_[end].source.text.data() == w.source.text.data()) {
          ++end;
        }
        redo_list(i, end, inputs);
        i = end;
      } else {
        std::vector<Document> tree;
        if (w.held == nullptr) tree.push_back(parse_again(w.source));
        const std::vector<kube::Object> objects = kube::objects(w.held ? *w.held : tree);
        redo(w, objects.at(w.object), inputs);
        ++i;
      }
    }
    ScrapeObjects scrape = std::move(scrape_);
    scrape.jobs = std::move(jobs_);
    for (const Workload& w : workloads_) {
      scrape.pods.push_back({&w.reach->pod, inputs[w.input].name, w.first_target});
    }
    const FindKey find_key = [this](bool secret, const std::string& ns, const std::string& name,
                                    const std::string& key,
                                    std::string& missing) -> std::optional<std::string> {
      const ConfigMap* object = secret ? find_secret(ns, name) : find_config_map(ns, name);
      const std::string what = secret ? "Secret" : "ConfigMap";
      if (object == nullptr) {
        missing = "the " + what + " is not in the input or --secret-dir";
        return std::nullopt;
      }
      for (const auto& [k, entry] : object->data) {
        if (k == key) return entry.value;
      }
      missing = "the " + what + " has no key " + key;
      return std::nullopt;
    };
    out.scrape_paths = follow_monitors(scrape, find_key, out.findings);
  }

 private:
  // A Secret or ConfigMap a workload looked up and did not find (yet).
  struct Miss {
    bool secret = false;
    std::string ns, name;
  };
  // What a monitor needs of a pod template (scrape_path.cpp): its owner's names and position,
  // its labels, and its containers' names and ports; no pointer into the tree, which is freed.
  struct Reach {
    kube::PodTemplate pod;
    Node labels;
  };
  // A workload read: where to read it again, and which targets it gave.
  struct Workload {
    std::size_t input = 0;
    DocumentSource source;
    const std::vector<Document>* held = nullptr;  // its document when kept (not alone)
    bool list_item = false;  // an item of a streamed List (source): read again by redo_list()
    std::size_t object = 0;  // among kube::objects() of the document (of the List's items)
    std::size_t first_target = 0;
    std::vector<Miss> misses;
    bool redo = false;
    std::unique_ptr<Reach> reach;
  };
  // Where the items of a streamed List go: their objects are counted across the List.
  struct ListItems {
    std::size_t objects = 0;
  };
  // How much every list held before a streamed List began (list_items() undoes it).
  struct Mark {
    std::size_t targets, findings, workloads, monitors, services, later_findings, later_jobs, jobs,
        config_maps, secrets, held;
  };

  static std::unique_ptr<Reach> reach_of(const kube::PodTemplate& pod) {
    auto reach = std::make_unique<Reach>();
    reach->pod.owner = pod.owner;
    reach->pod.owner.node = nullptr;
    for (const kube::Container& c : pod.containers) {
      kube::Container slim;
      slim.name = c.name;
      slim.init = c.init;
      slim.index = c.index;
      slim.position = c.position;
      slim.ports = c.ports;
      reach->pod.containers.push_back(std::move(slim));
    }
    if (pod.labels != nullptr) {
      reach->labels = *pod.labels;
      reach->pod.labels = &reach->labels;
    }
    return reach;
  }

  // One document as it arrives (or one item of a streamed List, `list` set): its own findings,
  // its ConfigMaps and Secrets, its workloads (evaluated now), its monitors and Services (kept,
  // with the tree they point into).
  void document(Document& doc, const DocumentSource& source, std::size_t index,
                const ManifestInput& input, ListItems* list) {
    if (doc.error) {
      if (list == nullptr) recover_items(source, index, input);
      syntax_finding(*doc.error, input);
      return;
    }
    duplicate_keys(doc.root, input, out.findings);
    // A Prometheus configuration file among the manifests (prometheus.yml in a tree).
    if (list == nullptr && doc.root.is_mapping() && doc.root.find("scrape_configs") != nullptr &&
        doc.root.find("kind") == nullptr) {
      prometheus_config(doc.root, input, {}, {}, 0);
    }
    auto documents = std::make_unique<std::vector<Document>>();
    documents->push_back(std::move(doc));
    const std::vector<kube::Object> objects = kube::objects(*documents);
    std::swap(out.findings, later_findings_);
    std::swap(jobs_, later_jobs_);
    for (const kube::Object& object : objects) collect_key_values(object, input);
    std::swap(out.findings, later_findings_);
    std::swap(jobs_, later_jobs_);
    bool keep = false;
    const std::size_t first_object = list ? list->objects : 0;
    for (std::size_t k = 0; k < objects.size(); ++k) {
      const kube::Object& object = objects[k];
      if (auto pod = kube::pod_template(object)) {
        const PodSpec spec{std::move(*pod), &input};
        Workload w{
            index, source, nullptr,           list != nullptr, first_object + k, out.targets.size(),
            {},    false,  reach_of(spec.pod)};
        misses_ = &w.misses;
        for (const kube::Container& c : spec.pod.containers)
          out.targets.push_back(container(spec, c));
        misses_ = nullptr;
        // A document that cannot be read again alone is kept while it may have to be.
        if (!source.alone && list == nullptr && !w.misses.empty()) {
          w.held = documents.get();
          keep = true;
        }
        workloads_.push_back(std::move(w));
      } else if (auto m = monitor::monitor(object)) {
        scrape_.monitors.push_back({std::move(*m), input.name});
        keep = true;
      } else if (auto service = monitor::service(object)) {
        scrape_.services.push_back({std::move(*service), input.name});
        keep = true;
      }
    }
    if (list != nullptr) list->objects += objects.size();
    if (keep) held_.push_back(std::move(documents));
  }

  // The items of a List document read an item at a time (stream_yaml(), with the positions the
  // whole document would give), each as document() reads a document. The result is the same as
  // reading the List whole, which is done instead (after undoing what its items did) when the
  // document turns out not to be a List, or does not parse as a stream (a syntax error, an alias
  // to an anchor of another item). Duplicate keys of the List's own mapping are reported where
  // the whole reader reports them: those before its items first.
  bool list_items(const DocumentSource& source, std::size_t index, const ManifestInput& input) {
    const Mark mark = mark_now();
    ListItems list;
    JsonStreamEvents events;
    events.item = [&](std::size_t, Node& item) {
      Document doc{source.first_line + 1, std::move(item), std::nullopt};
      document(doc, source, index, input, &list);
    };
    JsonStreamResult result = stream_list(source, events);
    if (result.error || !result.streamed_items || !result.top.is_mapping() ||
        !result.top["kind"].scalar_or().ends_with("List") || !result.top["items"].is_sequence()) {
      undo(mark);
      return false;
    }
    ++out.documents;
    ++out.streamed_lists;
    std::vector<Node::Entry> before;
    for (const Node::Entry& entry : result.top.entries()) {
      if (entry.key_is_scalar && entry.key == "items") break;
      before.push_back(entry);
    }
    std::vector<Finding> leading;
    duplicate_keys(Node::mapping_at(result.top.position(), std::move(before)), input, leading);
    std::vector<Finding> all;
    duplicate_keys(result.top, input, all);
    out.findings.insert(
        out.findings.begin() + static_cast<std::ptrdiff_t>(mark.findings),
        std::make_move_iterator(all.begin()),
        std::make_move_iterator(all.begin() + static_cast<std::ptrdiff_t>(leading.size())));
    out.findings.insert(
        out.findings.end(),
        std::make_move_iterator(all.begin() + static_cast<std::ptrdiff_t>(leading.size())),
        std::make_move_iterator(all.end()));
    return true;
  }

  // The items a document that does not parse holds before its syntax error, read as a streamed
  // List's are: `kubectl get -o json` cut off mid-way still has its earlier containers checked.
  // (Its kind may come after the items, so any top-level "items" counts.)
  void recover_items(const DocumentSource& source, std::size_t index, const ManifestInput& input) {
    ListItems list;
    JsonStreamEvents events;
    events.item = [&](std::size_t, Node& item) {
      Document doc{source.first_line + 1, std::move(item), std::nullopt};
      document(doc, source, index, input, &list);
    };
    stream_list(source, events);
  }

  static JsonStreamResult stream_list(const DocumentSource& source,
                                      const JsonStreamEvents& events) {
    std::string_view rest = source.text;
    const JsonInput input = [&rest](char* buffer, std::size_t capacity) {
      const std::size_t n = std::min(capacity, rest.size());
      std::copy_n(rest.data(), n, buffer);
      rest.remove_prefix(n);
      return n;
    };
    JsonStreamOptions options;
    options.first_line = source.first_line;
    return stream_yaml(input, events, options);
  }

  // Workloads [begin, end) of one streamed List, read again in one more pass over it.
  void redo_list(std::size_t begin, std::size_t end, std::span<const ManifestInput> inputs) {
    const DocumentSource source = workloads_[begin].source;
    std::size_t objects = 0;
    std::size_t next = begin;
    JsonStreamEvents events;
    events.item = [&](std::size_t, Node& item) {
      std::vector<Document> tree;
      tree.push_back(Document{source.first_line + 1, std::move(item), std::nullopt});
      const std::vector<kube::Object> found = kube::objects(tree);
      for (; next < end && workloads_[next].object < objects + found.size(); ++next) {
        const Workload& w = workloads_[next];
        if (w.redo) redo(w, found.at(w.object - objects), inputs);
      }
      objects += found.size();
    };
    stream_list(source, events);
  }

  // The targets of workload `w` evaluated again, from `object`, its object read again.
  void redo(const Workload& w, const kube::Object& object, std::span<const ManifestInput> inputs) {
    auto pod = kube::pod_template(object);
    if (!pod) return;  // cannot happen: the same tree
    const PodSpec spec{std::move(*pod), &inputs[w.input]};
    std::size_t next = w.first_target;
    for (const kube::Container& c : spec.pod.containers)
      out.targets.at(next++) = container(spec, c);
  }

  Mark mark_now() const {
    return {out.targets.size(),
            out.findings.size(),
            workloads_.size(),
            scrape_.monitors.size(),
            scrape_.services.size(),
            later_findings_.size(),
            later_jobs_.size(),
            jobs_.size(),
            config_maps_.size(),
            secrets_.size(),
            held_.size()};
  }
  template <typename T>
  static void truncate(std::vector<T>& v, std::size_t n) {
    v.erase(v.begin() + static_cast<std::ptrdiff_t>(n), v.end());
  }
  void undo(const Mark& m) {
    truncate(out.targets, m.targets);
    truncate(out.findings, m.findings);
    truncate(workloads_, m.workloads);
    truncate(scrape_.monitors, m.monitors);
    truncate(scrape_.services, m.services);
    truncate(later_findings_, m.later_findings);
    truncate(later_jobs_, m.later_jobs);
    truncate(jobs_, m.jobs);
    truncate(config_maps_, m.config_maps);
    truncate(secrets_, m.secrets);
    truncate(held_, m.held);
  }

  const ManifestReadOptions& options_;
  std::vector<std::unique_ptr<std::vector<Document>>> held_;  // trees still pointed into
  std::vector<Workload> workloads_;
  std::vector<Miss>* misses_ = nullptr;           // where lookups that fail are recorded
  ScrapeObjects scrape_;                          // monitors and Services, as they arrive
  std::vector<Finding> later_findings_;           // of ConfigMaps and Secrets
  std::vector<ScrapeObjects::JobAt> later_jobs_;  // of ConfigMaps' and Secrets' configurations

  std::vector<ConfigMap> config_maps_;
  std::vector<ConfigMap> secrets_;
  std::vector<ScrapeObjects::JobAt> jobs_;  // of every Prometheus configuration read

  // Reads a Prometheus configuration: `root` of a file `input`, or of the text of a ConfigMap's or
  // Secret's key (`source` names it, `namespace_name` is the object's), whose line L is line
  // `line_offset` + L of the input (0 and the key's line when the text's lines cannot be mapped:
  // base64, or a quoted string). A configuration Prometheus would refuse is a finding.
  void prometheus_config(const Node& root, const ManifestInput& input, const std::string& source,
                         const std::string& namespace_name, std::size_t line_offset,
                         std::size_t fixed_line = 0) {
    const auto line_of = [&](std::size_t line) {
      return fixed_line ? fixed_line : line + line_offset;
    };
    std::string error;
    std::size_t error_line = 0;
    const std::optional<ScrapeConfig> config =
        read_scrape_config(root, source.empty() ? input.name : source, {}, error, error_line);
    if (!config) {
      invalid_config(input, error, line_of(error_line));
      return;
    }
    for (const ScrapeJob& job : config->jobs) {
      jobs_.push_back({job, input.name, line_of(job.line), source, namespace_name});
    }
  }

  void invalid_config(const ManifestInput& input, std::string error, std::size_t line) {
    out.findings.push_back(
        Finding{"scrape-config-invalid",
                Severity::error,
                {},
                input.name,
                "Prometheus would refuse this configuration: " + std::move(error),
                "fix the configuration (promtool check config reads it as Prometheus does); "
                "its jobs are not followed",
                Origin{Origin::Kind::manifest, input.name, line, {}}});
  }

  // The prometheus.yml (or prometheus.yaml) key of a ConfigMap or Secret, as the Prometheus
  // Operator (additionalScrapeConfigs aside) and the helm charts ship a Prometheus configuration.
  void embedded_config(const kube::Object& object, const ConfigMap& values,
                       const std::vector<kube::KeyValue>& written, const ManifestInput& input) {
    for (const auto& [key, entry] : values.data) {
      if (key != "prometheus.yml" && key != "prometheus.yaml") continue;
      const std::string source =
          object.kind + " " + (object.namespace_name.empty() ? "" : object.namespace_name + "/") +
          object.name + " key " + key;
      // A literal block scalar (|) starts on the line after its indicator: its lines map.
      std::size_t offset = 0;
      for (const kube::KeyValue& kv : written) {
        if (kv.key != key || kv.value == nullptr) continue;
        if (indicator_at(input.text, kv.value->position()) == '|')
          offset = kv.value->position().line;
      }
      const std::vector<Document> documents = parse_documents(entry.value);
      if (const SyntaxError* syntax = first_error(documents)) {
        invalid_config(input, source + ": " + describe(*syntax),
                       offset ? offset + syntax->line : entry.line);
        continue;
      }
      if (documents.size() > 1) {
        invalid_config(input, source + ": a Prometheus configuration is one YAML document",
                       entry.line);
        continue;
      }
      if (documents.empty()) continue;
      prometheus_config(documents.front().root, input, source, object.namespace_name, offset,
                        offset ? 0 : entry.line);
    }
  }

  // The character at `at` (1-based line and column) of `text`, or '\0'.
  static char indicator_at(std::string_view text, const Position& at) {
    if (at.line == 0 || at.column == 0) return '\0';
    std::size_t start = 0;
    for (std::size_t line = 1; line < at.line; ++line) {
      start = text.find('\n', start);
      if (start == std::string_view::npos) return '\0';
      ++start;
    }
    const std::size_t i = start + at.column - 1;
    return i < text.size() ? text[i] : '\0';
  }

  void syntax_finding(const SyntaxError& error, const ManifestInput& input) {
    out.findings.push_back(
        Finding{"manifest-syntax",
                Severity::error,
                {},
                input.name,
                "not valid YAML or JSON: " + error.message,
                error.from_parser ? "fix the document; the other documents are still checked" : "",
                Origin{Origin::Kind::manifest, input.name, error.line, {}}});
  }

  void collect_key_values(const kube::Object& object, const ManifestInput& input) {
    if (auto cm = kube::config_map(object)) {
      config_maps_.push_back(key_values(object, cm->data, {}, input));
      embedded_config(object, config_maps_.back(), cm->data, input);
    } else if (auto secret = kube::secret(object)) {
      secrets_.push_back(key_values(object, secret->data, secret->string_data, input));
      // data is base64: only stringData's lines map.
      embedded_config(object, secrets_.back(), secret->string_data, input);
    }
  }

  // The entries of a ConfigMap (data) or a Secret (data, base64-decoded, then stringData, which
  // the API server merges over data). A Secret value that is not base64 is an error finding: the
  // API server refuses the object.
  ConfigMap key_values(const kube::Object& object, const std::vector<kube::KeyValue>& data,
                       const std::vector<kube::KeyValue>& string_data, const ManifestInput& input) {
    ConfigMap cm{object.kind, object.namespace_name, object.name, {}};
    const auto put = [&cm](std::string key, ConfigMapEntry entry) {
      for (auto& [k, e] : cm.data) {
        if (k == key) {
          e = std::move(entry);
          return;
        }
      }
      cm.data.emplace_back(std::move(key), std::move(entry));
    };
    const bool secret = object.kind == "Secret";
    for (const kube::KeyValue& kv : data) {
      std::string value = kv.value->scalar_or();
      const std::size_t line = kv.value->position().line;
      if (secret) {
        auto decoded = base64_decode(value);
        if (!decoded) {
          out.findings.push_back(
              Finding{"manifest-secret-not-base64",
                      Severity::error,
                      {},
                      input.name,
                      "Secret " + object.name + " key " + kv.key +
                          ": the value is not base64, so the API server refuses the Secret",
                      "put plain text under stringData, or encode it with base64",
                      Origin{Origin::Kind::manifest, input.name, line, {}}});
          continue;
        }
        value = std::move(*decoded);
      }
      put(kv.key, ConfigMapEntry{std::move(value), input.name, line});
    }
    for (const kube::KeyValue& kv : string_data) {
      put(kv.key, ConfigMapEntry{kv.value->scalar_or(), input.name, kv.value->position().line});
    }
    return cm;
  }

  // The files a Secret puts into a volume: every key, or only `items` (key -> path), with the
  // item's mode, else the volume's defaultMode, else 0644.
  static std::vector<std::pair<std::string, MountedFile>> secret_files(
      const ConfigMap& secret, const kube::SecretProjection& source) {
    const unsigned default_mode = source.default_mode.value_or(0644);
    const std::string object = secret.kind + " " +
                               (secret.namespace_name.empty() ? "" : secret.namespace_name + "/") +
                               secret.name;
    std::vector<std::pair<std::string, MountedFile>> out;  // (path in the volume, file)
    if (source.items) {
      for (const kube::KeyToPath& item : *source.items) {
        for (const auto& [k, entry] : secret.data) {
          if (k != item.key) continue;
          out.push_back(
              {item.path.value_or(item.key), MountedFile{{},
                                                         entry.value,
                                                         object + " key " + item.key,
                                                         item.mode.value_or(default_mode)}});
        }
      }
      return out;
    }
    for (const auto& [key, entry] : secret.data) {
      out.push_back({key, MountedFile{{}, entry.value, object + " key " + key, default_mode}});
    }
    return out;
  }

  // Records the Secret- or ConfigMap-backed files of the volume `volume` mounted at `mount_path`
  // (with `sub_path`, one file of it) in the container: a `secret` volume, or the `secret` sources
  // of a `projected` volume, whose Secret is in the input set.
  void secret_mount(const PodSpec& spec, const kube::VolumeMount& mount, ManifestTarget& t) const {
    std::vector<std::pair<std::string, MountedFile>> files;
    bool backed = false;
    for (const kube::Volume& v : spec.pod.volumes) {
      if (v.name != mount.name) continue;
      // Only a volume all of whose Secrets are in the input is known file by file.
      backed = !v.secrets.empty();
      for (const kube::SecretProjection& source : v.secrets) {
        const ConfigMap* secret =
            source.config_map ? find_config_map(spec.pod.owner.namespace_name, source.secret_name)
                              : find_secret(spec.pod.owner.namespace_name, source.secret_name);
        if (secret == nullptr) {
          backed = false;
          break;
        }
        for (auto& file : secret_files(*secret, source)) files.push_back(std::move(file));
      }
    }
    if (!backed) return;
    std::string base = mount.mount_path;
    while (base.size() > 1 && base.back() == '/') base.pop_back();
    t.secret_mount_paths.push_back(base);
    for (auto& [name, file] : files) {
      if (!mount.sub_path.empty()) {
        if (name != mount.sub_path) continue;
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
    return found(find_in(secrets_, ns, name), true, ns, name);
  }
  const ConfigMap* find_config_map(const std::string& ns, const std::string& name) const {
    return found(find_in(config_maps_, ns, name), false, ns, name);
  }
  const ConfigMap* found(const ConfigMap* object, bool secret, const std::string& ns,
                         const std::string& name) const {
    if (object == nullptr && misses_ != nullptr) misses_->push_back(Miss{secret, ns, name});
    return object;
  }

  ManifestTarget container(const PodSpec& spec, const kube::Container& c) {
    const kube::Object& owner = spec.pod.owner;
    ManifestTarget t;
    t.file = spec.input->name;
    t.line = c.position.line;
    t.kind = owner.kind;
    t.namespace_name = owner.namespace_name;
    t.workload = owner.name;
    t.container = c.name;
    t.image = c.image;
    t.init_container = c.init;
    t.index = c.index;
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

    for (const kube::VolumeMount& m : c.volume_mounts) {
      t.mount_paths.push_back(m.mount_path);
      secret_mount(spec, m, t);
    }

    // envFrom first: env entries take precedence over it (Kubernetes API reference, EnvFromSource).
    for (const EnvFromSource& source : c.env_from) {
      if (source.kind == EnvFromSource::Kind::other) continue;
      const bool secret = source.kind == EnvFromSource::Kind::secret;
      const std::string what = secret ? "Secret" : "ConfigMap";
      const ConfigMap* object = secret ? find_secret(owner.namespace_name, source.name)
                                       : find_config_map(owner.namespace_name, source.name);
      if (object == nullptr) {
        info("envfrom-unresolved", {},
             "envFrom " + std::string(secret ? "secretRef " : "configMapRef ") + source.name +
                 ": the " + what + " is not in the input, so the variables it sets are unknown",
             source.position.line, "pass the " + what + "'s manifest too (another --manifest)");
        continue;
      }
      for (const auto& [key, entry] : object->data) {
        set(t, source.prefix + key, entry.value,
            Origin{Origin::Kind::manifest, entry.file, entry.line,
                   label + ", from " + what + " " + source.name});
      }
    }

    for (const EnvVar& e : c.env) {
      if (e.value_from != nullptr) {
        value_from(t, e, label);
        continue;
      }
      // A number, boolean or null written unquoted (the one scalar rule, documents.hpp); null
      // is an absent value, which Kubernetes accepts.
      const Node* value = e.value;
      if (value != nullptr && value->plain() && value->type() != ScalarType::string) {
        t.findings.push_back(Finding{
            "manifest-value-not-string",
            Severity::error,
            {e.name},
            {},
            "env " + e.name + " has the unquoted value " + value->text() +
                ", which YAML reads as a number, boolean or null: the API server rejects the "
                "manifest (env values must be strings)",
            "quote it: value: \"" + value->text() + "\"",
            origin_at(e.position.line)});
      }
      set(t, e.name, expand(t, value != nullptr ? value->scalar_or() : std::string()),
          origin_at(e.position.line));
    }
    return t;
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

  void value_from(ManifestTarget& t, const EnvVar& e, const std::string& label) {
    std::string what = "valueFrom";
    const std::string& name = e.name;
    switch (e.from) {
      case EnvVar::From::config_map_key:
      case EnvVar::From::secret_key: {
        const bool secret = e.from == EnvVar::From::secret_key;
        const ConfigMap* object = secret ? find_secret(t.namespace_name, e.ref_name)
                                         : find_config_map(t.namespace_name, e.ref_name);
        if (object != nullptr) {
          for (const auto& [k, entry] : object->data) {
            if (k == e.ref_key) {
              set(t, name, entry.value,
                  Origin{Origin::Kind::manifest, entry.file, entry.line,
                         label + (secret ? ", from Secret " : ", from ConfigMap ") + e.ref_name});
              return;
            }
          }
        }
        what = (secret ? "secretKeyRef " : "configMapKeyRef ") + e.ref_name + "/" + e.ref_key;
        break;
      }
      case EnvVar::From::field:
        what = "fieldRef " + e.ref_name;
        break;
      case EnvVar::From::resource_field:
        what = "resourceFieldRef " + e.ref_name;
        break;
      case EnvVar::From::none:
      case EnvVar::From::other:
        break;
    }
    // Set but unknown: present and non-empty, so presence rules (cert/key pairing) still hold.
    t.env.set(name, "$(" + what + ")",
              Origin{Origin::Kind::manifest, t.file, e.position.line, label});
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

ManifestSet parse_manifests(std::span<const ManifestInput> inputs,
                            std::span<const DirectorySecret> directories,
                            const ManifestReadOptions& options) {
  Reader reader(options);
  reader.read(inputs, directories);
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
