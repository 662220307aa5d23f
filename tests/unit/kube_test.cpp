// The one document parser and scalar rule (core/documents.hpp) and the typed Kubernetes objects
// over it (core/kube.hpp): each kind, Lists, multi-document streams, positions.
#include "promtls/core/kube.hpp"

#include <catch2/catch.hpp>
#include <string>

#include "promtls/core/documents.hpp"

using namespace promtls::core;

namespace {

// The only document of `text`, which must parse.
Document one(const std::string& text) {
  auto docs = parse_documents(text);
  REQUIRE(docs.size() == 1);
  REQUIRE_FALSE(docs[0].error);
  return std::move(docs[0]);
}

// The only object of `text`.
struct Parsed {
  std::vector<Document> docs;
  std::vector<kube::Object> objects;
};
Parsed parsed(const std::string& text) {
  Parsed p;
  p.docs = parse_documents(text);
  REQUIRE(first_error(p.docs) == nullptr);
  p.objects = kube::objects(p.docs);
  return p;
}

}  // namespace

TEST_CASE("kube: an unquoted scalar is null, boolean, integer, float or string by one rule") {
  for (const char* text : {"~", "null", "Null", "NULL", ""}) {
    INFO(text);
    CHECK(plain_scalar_type(text) == ScalarType::null);
  }
  for (const char* text : {"true", "False", "TRUE", "yes", "No", "on", "OFF", "y", "N"}) {
    INFO(text);
    CHECK(plain_scalar_type(text) == ScalarType::boolean);
  }
  for (const char* text : {"0", "8080", "+5", "-12", "0644"}) {
    INFO(text);
    CHECK(plain_scalar_type(text) == ScalarType::integer);
  }
  for (const char* text : {"1.5", ".5", "5.", "-0.25", "1e3", "1.5E-3", "+2e+2"}) {
    INFO(text);
    CHECK(plain_scalar_type(text) == ScalarType::floating);
  }
  for (const char* text : {"nulls", "tru", "yes!", "+", ".", "1.2.3", "e3", "1e", "1e3e4", "0x1F",
                           ".inf", "1_000", "2028-01-01T00:00:00Z", "TLS13", "v1"}) {
    INFO(text);
    CHECK(plain_scalar_type(text) == ScalarType::string);
  }
}

TEST_CASE("kube: quoted and block scalars are strings, and so is !!str") {
  const Document doc =
      one("a: \"8080\"\nb: 'true'\nc: |\n  1.5\nd: !!str 42\ne: 42\nf: \"\"\ng: !!int \"7\"\n");
  const Node& root = doc.root;
  CHECK(root["a"].string() == "8080");
  CHECK_FALSE(root["a"].plain());
  CHECK(root["b"].string() == "true");
  CHECK_FALSE(root["b"].boolean());
  CHECK(root["c"].string() == "1.5\n");
  CHECK(root["d"].string() == "42");
  CHECK(root["e"].type() == ScalarType::integer);
  CHECK_FALSE(root["e"].string());
  CHECK(root["e"].scalar() == "42");  // the text as written, for lenient readers
  CHECK(root["f"].string() == "");
  CHECK(root["g"].type() == ScalarType::integer);
}

TEST_CASE("kube: null, booleans and missing keys read as the rule says") {
  const Document doc = one("a: ~\nb:\nc: null\nd: yes\ne: Off\nf: [1]\n");
  const Node& root = doc.root;
  CHECK(root["a"].is_null());
  CHECK(root["b"].is_null());
  CHECK(root["c"].is_null());
  CHECK_FALSE(root["c"].scalar());
  CHECK(root.find("c") != nullptr);  // present, and null
  CHECK(root.find("z") == nullptr);  // absent
  CHECK(root["z"].is_null());
  CHECK(root["d"].boolean() == true);
  CHECK(root["e"].boolean() == false);
  CHECK(root["d"].scalar() == "yes");
  CHECK_FALSE(root["f"].scalar());
  CHECK(root["f"].scalar_or("x") == "x");
  REQUIRE(root["f"].items().size() == 1);
  CHECK(root["f"].items()[0].type() == ScalarType::integer);
}

TEST_CASE("kube: JSON reads as the same tree, its strings quoted and its numbers not") {
  const Document doc = one(R"({"s": "1", "n": 1, "f": 1.5, "b": true, "z": null, "e": "\u00e9"})");
  CHECK(doc.root["s"].string() == "1");
  CHECK(doc.root["n"].type() == ScalarType::integer);
  CHECK(doc.root["f"].type() == ScalarType::floating);
  CHECK(doc.root["b"].boolean() == true);
  CHECK(doc.root["z"].is_null());
  CHECK(doc.root["e"].string() == "\xc3\xa9");
}

TEST_CASE("kube: nodes and keys keep their line and column in the stream") {
  const auto docs = parse_documents("# comment\na: 1\n---\nkind: Pod\nspec:\n  x:   [7, 8]\n");
  REQUIRE(docs.size() == 2);
  CHECK(docs[0].first_line == 1);
  CHECK(docs[1].first_line == 3);
  CHECK(docs[0].root["a"].position() == Position{2, 4});
  const Node& spec = docs[1].root["spec"];
  REQUIRE(spec.entries().size() == 1);
  CHECK(spec.entries()[0].key == "x");
  CHECK(spec.entries()[0].key_position == Position{6, 3});
  CHECK(spec["x"].position() == Position{6, 8});
  CHECK(spec["x"].items()[1].position() == Position{6, 12});
  // JSON on one line: columns tell the keys apart.
  const Document json = one(R"({"a": 1, "b": 2})");
  CHECK(json.root.entries()[0].key_position == Position{1, 2});
  CHECK(json.root.entries()[1].key_position == Position{1, 10});
}

TEST_CASE("kube: a repeated key is kept in the entries and the first one wins a lookup") {
  const Document doc = one("a: 1\nb: 2\na: 3\n");
  REQUIRE(doc.root.entries().size() == 3);
  CHECK(doc.root["a"].text() == "1");
  CHECK(doc.root.entries()[2].key == "a");
  CHECK(doc.root.entries()[2].key_position == Position{3, 1});
}

TEST_CASE("kube: a stream's broken document leaves the others readable") {
  const auto docs = parse_documents("a: 1\n---\nb: [1,\n---\n# only a comment\n---\nc: 3\n...\n");
  REQUIRE(docs.size() == 3);  // the comment-only document is left out
  CHECK(docs[0].root["a"].text() == "1");
  REQUIRE(docs[1].error);
  CHECK(docs[1].root.is_null());
  CHECK(docs[1].error->from_parser);
  CHECK(docs[1].error->line == 3);  // kept inside the document
  CHECK(docs[2].root["c"].text() == "3");
  CHECK(docs[2].first_line == 6);  // a document starts at its "---" line
  REQUIRE(first_error(docs) == &*docs[1].error);
  CHECK(describe(*docs[1].error).starts_with("line "));
  CHECK(describe(*docs[1].error).find(": " + docs[1].error->message) != std::string::npos);
  CHECK(parse_documents("").empty());
  CHECK(parse_documents("---\n~\n---\n").empty());
}

TEST_CASE("kube: aliases that never end or explode are errors, not a hang") {
  const auto self = parse_documents("a: &x [*x]\n");
  REQUIRE(self.size() == 1);
  REQUIRE(self[0].error);
  CHECK_FALSE(self[0].error->from_parser);
  std::string bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  for (char c = 'b'; c <= 'j'; ++c) {
    const std::string prev(1, static_cast<char>(c - 1));
    bomb += std::string(1, c) + ": &" + c + " [*" + prev + ", *" + prev + ", *" + prev + ", *" +
            prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev +
            ", *" + prev + "]\n";
  }
  const auto exploded = parse_documents(bomb);
  REQUIRE(exploded.size() == 1);
  REQUIRE(exploded[0].error);
  CHECK(exploded[0].error->message.find("too many nodes") != std::string::npos);
  // A modest alias is expanded.
  const Document ok = one("base: &b {k: v}\nuse: *b\n");
  CHECK(ok.root["use"]["k"].string() == "v");
}

TEST_CASE("kube: objects flatten Lists, Lists in Lists too, and skip non-mappings") {
  const auto p = parsed(
      "kind: List\nitems:\n- {kind: Secret, metadata: {name: a, namespace: ns}}\n"
      "- kind: SecretList\n  items:\n  - {kind: Secret, metadata: {name: b}}\n- 3\n"
      "---\n- not an object\n---\n"
      R"({"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"c"}})"
      "\n---\nkind: List\nitems: 3\n");
  REQUIRE(p.objects.size() == 4);
  CHECK(p.objects[0].kind == "Secret");
  CHECK(p.objects[0].name == "a");
  CHECK(p.objects[0].namespace_name == "ns");
  CHECK(p.objects[0].position == Position{3, 3});
  CHECK(p.objects[0].document_line == 1);
  CHECK(p.objects[1].name == "b");
  CHECK(p.objects[1].namespace_name.empty());
  CHECK(p.objects[2].kind == "ConfigMap");
  CHECK(p.objects[2].api_version == "v1");
  CHECK(p.objects[2].document_line == 10);
  CHECK(p.objects[3].kind == "List");  // items is not a sequence: an object like any other
}

TEST_CASE("kube: a Secret keeps its type, raw data and stringData with their positions") {
  const auto p = parsed(
      "kind: Secret\nmetadata:\n  name: tls\n  annotations: {a: b}\ntype: kubernetes.io/tls\n"
      "data:\n  tls.crt: aGVsbG8=\n  n: 5\nstringData:\n  plain: text\n");
  REQUIRE(p.objects.size() == 1);
  CHECK_FALSE(kube::config_map(p.objects[0]));
  const auto s = kube::secret(p.objects[0]);
  REQUIRE(s);
  CHECK(s->type == "kubernetes.io/tls");
  REQUIRE(s->data.size() == 2);
  CHECK(s->data[0].key == "tls.crt");
  CHECK(s->data[0].value->string() == "aGVsbG8=");  // still base64: decoding is the reader's
  CHECK(s->data[0].value->position() == Position{7, 12});
  CHECK(s->data[1].value->type() == ScalarType::integer);
  REQUIRE(s->string_data.size() == 1);
  CHECK(s->string_data[0].value->string() == "text");
  CHECK(s->object.annotations()["a"].string() == "b");
  CHECK(s->object.labels().is_null());
}

TEST_CASE("kube: a ConfigMap has data and binaryData, and other kinds are neither") {
  const auto p = parsed(
      "kind: ConfigMap\nmetadata: {name: cm}\ndata: {ca.crt: x}\nbinaryData: {b: eA==}\n---\n"
      "kind: Service\nmetadata: {name: svc}\n");
  REQUIRE(p.objects.size() == 2);
  const auto cm = kube::config_map(p.objects[0]);
  REQUIRE(cm);
  REQUIRE(cm->data.size() == 1);
  CHECK(cm->data[0].key == "ca.crt");
  REQUIRE(cm->binary_data.size() == 1);
  CHECK(cm->binary_data[0].value->string() == "eA==");
  for (const auto& object : p.objects) CHECK_FALSE(kube::secret(object));
  CHECK_FALSE(kube::config_map(p.objects[1]));
  CHECK_FALSE(kube::pod_template(p.objects[1]));
  CHECK_FALSE(kube::kubeconfig(p.objects[1]));
}

TEST_CASE("kube: a kubeconfig has its clusters, users and contexts") {
  const auto p = parsed(
      "apiVersion: v1\nkind: Config\nclusters:\n"
      "- name: prod\n  cluster: {certificate-authority-data: Q0E=, server: https://x}\n"
      "- name: dev\n  cluster: {certificate-authority: ca.pem}\n"
      "- name: broken\n  cluster: 3\n"
      "users:\n- name: admin\n  user: {client-certificate: /u.pem}\n"
      "contexts:\n- name: c1\n  context: {cluster: prod, user: admin}\n- name: bad\n");
  REQUIRE(p.objects.size() == 1);
  const auto k = kube::kubeconfig(p.objects[0]);
  REQUIRE(k);
  REQUIRE(k->clusters.size() == 2);
  CHECK(k->clusters[0].name == "prod");
  REQUIRE(k->clusters[0].data != nullptr);
  CHECK(k->clusters[0].data->string() == "Q0E=");
  CHECK_FALSE(k->clusters[0].file);
  CHECK(k->clusters[1].data == nullptr);
  CHECK(k->clusters[1].file == "ca.pem");
  REQUIRE(k->users.size() == 1);
  CHECK(k->users[0].file == "/u.pem");
  REQUIRE(k->contexts.size() == 1);
  CHECK(k->contexts[0].name == "c1");
  CHECK(k->contexts[0].cluster == "prod");
  CHECK(k->contexts[0].user == "admin");
  // Without kind: Config, `clusters` alone makes it a kubeconfig.
  const auto bare = parsed("clusters: []\n");
  CHECK(kube::kubeconfig(bare.objects[0]));
}

TEST_CASE("kube: pod templates of Pods, Revisions, workloads, CronJobs and look-alike CRDs") {
  const auto p = parsed(
      "kind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: a}]}\n---\n"
      "kind: Revision\nspec: {containers: [{name: r}]}\n---\n"
      "kind: Deployment\nspec: {template: {spec: {containers: [{name: d}]}}}\n---\n"
      "kind: CronJob\nspec: {jobTemplate: {spec: {template: {spec: {containers: [{name: "
      "j}]}}}}}\n---\n"
      "kind: Rollout\napiVersion: argoproj.io/v1alpha1\nspec: {template: {spec: "
      "{initContainers: [{name: i}]}}}\n---\n"
      "kind: Pod\nspec: {template: {spec: {containers: [{name: x}]}}}\n---\n"
      "kind: Deployment\nspec: {template: {spec: {}}}\n");
  REQUIRE(p.objects.size() == 7);
  const char* names[] = {"a", "r", "d", "j", "i"};
  for (std::size_t i = 0; i < 5; ++i) {
    INFO(p.objects[i].kind);
    const auto pod = kube::pod_template(p.objects[i]);
    REQUIRE(pod);
    REQUIRE(pod->containers.size() == 1);
    CHECK(pod->containers[0].name == names[i]);
    CHECK(pod->owner.kind == p.objects[i].kind);
  }
  CHECK(kube::pod_template(p.objects[4])->containers[0].init);
  CHECK_FALSE(kube::pod_template(p.objects[5]));  // a Pod's own spec must hold the containers
  CHECK_FALSE(kube::pod_template(p.objects[6]));
}

TEST_CASE("kube: a container's env, envFrom and volume mounts, init containers first") {
  const auto p = parsed(
      "kind: Pod\n"                                           // 1
      "spec:\n"                                               // 2
      "  containers:\n"                                       // 3
      "  - 3\n"                                               // 4
      "  - name: app\n"                                       // 5
      "    env:\n"                                            // 6
      "    - {name: A, value: x}\n"                           // 7
      "    - {name: B, value: 8080}\n"                        // 8
      "    - name: C\n"                                       // 9
      "      valueFrom: {secretKeyRef: {name: s, key: k}}\n"  // 10
      "    - {name: D, valueFrom: {configMapKeyRef: {name: m, key: q}}}\n"
      "    - {name: E, valueFrom: {fieldRef: {fieldPath: metadata.name}}}\n"
      "    - {name: F, valueFrom: {resourceFieldRef: {resource: limits.cpu}}}\n"
      "    - {name: G, valueFrom: {other: {}}}\n"
      "    - {name: H}\n"
      "    - {value: no-name}\n"
      "    envFrom:\n"
      "    - {prefix: P_, configMapRef: {name: m}}\n"
      "    - secretRef: {name: s}\n"
      "    - {}\n"
      "    volumeMounts:\n"
      "    - {name: tls, mountPath: /tls, subPath: tls.crt}\n"
      "    - {name: nopath}\n"
      "  initContainers:\n"
      "  - name: init\n");
  const auto pod = kube::pod_template(p.objects[0]);
  REQUIRE(pod);
  REQUIRE(pod->containers.size() == 2);
  CHECK(pod->containers[0].name == "init");
  CHECK(pod->containers[0].init);
  CHECK(pod->containers[0].index == 0);
  const kube::Container& app = pod->containers[1];
  CHECK_FALSE(app.init);
  CHECK(app.index == 1);  // the scalar item before it counts
  CHECK(app.position == Position{5, 5});
  REQUIRE(app.env.size() == 8);
  CHECK(app.env[0].value->string() == "x");
  CHECK(app.env[0].position == Position{7, 24});
  CHECK(app.env[1].value->type() == ScalarType::integer);
  using From = kube::EnvVar::From;
  CHECK(app.env[2].from == From::secret_key);
  CHECK(app.env[2].ref_name == "s");
  CHECK(app.env[2].ref_key == "k");
  CHECK(app.env[2].position.line == 10);
  CHECK(app.env[3].from == From::config_map_key);
  CHECK(app.env[3].ref_key == "q");
  CHECK(app.env[4].from == From::field);
  CHECK(app.env[4].ref_name == "metadata.name");
  CHECK(app.env[5].from == From::resource_field);
  CHECK(app.env[5].ref_name == "limits.cpu");
  CHECK(app.env[6].from == From::other);
  CHECK(app.env[7].value == nullptr);
  CHECK(app.env[7].from == From::none);
  CHECK(app.env[7].position.line == 15);  // no value: the entry's line
  REQUIRE(app.env_from.size() == 3);
  CHECK(app.env_from[0].kind == kube::EnvFromSource::Kind::config_map);
  CHECK(app.env_from[0].prefix == "P_");
  CHECK(app.env_from[1].kind == kube::EnvFromSource::Kind::secret);
  CHECK(app.env_from[1].name == "s");
  CHECK(app.env_from[2].kind == kube::EnvFromSource::Kind::other);
  REQUIRE(app.volume_mounts.size() == 1);
  CHECK(app.volume_mounts[0].mount_path == "/tls");
  CHECK(app.volume_mounts[0].sub_path == "tls.crt");
}

TEST_CASE("kube: volumes project Secrets and ConfigMaps with their items and modes") {
  const auto p = parsed(
      "kind: Pod\nspec:\n  containers: [{name: c}]\n  volumes:\n"
      "  - {name: a, secret: {secretName: s1, defaultMode: 0400}}\n"
      "  - name: b\n    secret:\n      secretName: s2\n"
      "      items: [{key: tls.crt, path: cert.pem, mode: 256}, {key: ca.crt}]\n"
      "  - name: c\n    projected:\n      sources:\n      - secret: {name: s3}\n"
      "      - configMap: {name: m}\n      - secret: {name: s4, items: []}\n"
      "  - {name: d, emptyDir: {}}\n");
  const auto pod = kube::pod_template(p.objects[0]);
  REQUIRE(pod);
  REQUIRE(pod->volumes.size() == 4);
  REQUIRE(pod->volumes[0].secrets.size() == 1);
  CHECK(pod->volumes[0].secrets[0].secret_name == "s1");
  CHECK(pod->volumes[0].secrets[0].default_mode == 0400u);
  CHECK_FALSE(pod->volumes[0].secrets[0].items);
  const kube::SecretProjection& b = pod->volumes[1].secrets.at(0);
  CHECK_FALSE(b.default_mode);
  REQUIRE(b.items);
  REQUIRE(b.items->size() == 2);
  CHECK((*b.items)[0].path == "cert.pem");
  CHECK((*b.items)[0].mode == 256u);
  CHECK_FALSE((*b.items)[1].path);
  REQUIRE(pod->volumes[2].secrets.size() == 3);
  CHECK(pod->volumes[2].secrets[0].secret_name == "s3");
  CHECK_FALSE(pod->volumes[2].secrets[0].config_map);
  CHECK(pod->volumes[2].secrets[1].secret_name == "m");
  CHECK(pod->volumes[2].secrets[1].config_map);
  CHECK(pod->volumes[2].secrets[2].items->empty());
  CHECK(pod->volumes[3].secrets.empty());
}

TEST_CASE("kube: file modes read as Kubernetes writes them") {
  const Document doc = one("a: 0644\nb: 420\nc: \"0400\"\nd: ~\ne: 0x1a4\n");
  CHECK(kube::file_mode(doc.root["a"]) == 0644u);
  CHECK(kube::file_mode(doc.root["b"]) == 420u);
  CHECK(kube::file_mode(doc.root["c"]) == 0400u);
  CHECK_FALSE(kube::file_mode(doc.root["d"]));
  CHECK(kube::file_mode(doc.root["e"]) == 0x1a4u);
}

TEST_CASE("kube: the Tigera operator's label and annotations are read from a Secret") {
  const auto p = parsed(
      "kind: Secret\nmetadata:\n  name: a\n  namespace: ns\n"
      "  labels: {certificates.operator.tigera.io/signer: ca}\n"
      "  annotations:\n    certificates.operator.tigera.io/issuer: ca\n"
      "    certificates.operator.tigera.io/expiry: 2030-01-01T00:00:00Z\n---\n"
      "kind: Secret\nmetadata:\n  name: b\n  annotations: {certificates.operator.tigera.io/expiry: "
      "5}\n---\n"
      "kind: Secret\nmetadata: {name: c, annotations: {other: x}}\n");
  REQUIRE(p.objects.size() == 3);
  const auto a = kube::tigera_secret_metadata(*kube::secret(p.objects[0]));
  REQUIRE(a);
  CHECK(a->name == "a");
  CHECK(a->namespace_ == "ns");
  CHECK(a->has_signer_label);
  CHECK(a->issuer == "ca");
  CHECK(a->expiry == "2030-01-01T00:00:00Z");
  const auto b = kube::tigera_secret_metadata(*kube::secret(p.objects[1]));
  REQUIRE(b);
  CHECK_FALSE(b->has_signer_label);
  CHECK_FALSE(b->issuer);
  CHECK(b->expiry == "");  // present, but not a string
  CHECK_FALSE(kube::tigera_secret_metadata(*kube::secret(p.objects[2])));
}

TEST_CASE("kube: a TigeraStatus has its conditions, a boolean status read as True or False") {
  const auto p = parsed(
      "apiVersion: operator.tigera.io/v1\nkind: TigeraStatus\nmetadata: {name: calico}\n"
      "status:\n  conditions:\n  - {type: Available, status: \"True\", reason: AllGood}\n"
      "  - {type: Degraded, status: false, message: m}\n  - {type: Progressing, status: yes}\n");
  REQUIRE(p.objects.size() == 1);
  CHECK_FALSE(kube::secret(p.objects[0]));
  const auto s = kube::tigera_status(p.objects[0], "st.yaml");
  REQUIRE(s);
  CHECK(s->name == "calico");
  CHECK(s->source == "st.yaml");
  REQUIRE(s->conditions.size() == 3);
  CHECK(s->conditions[0].status == "True");
  CHECK(s->conditions[0].reason == "AllGood");
  CHECK(s->conditions[1].status == "False");
  CHECK(s->conditions[1].message == "m");
  CHECK(s->conditions[2].status == "True");
}

namespace {

// The same tree, positions aside.
void same_tree(const Node& a, const Node& b) {
  REQUIRE(a.kind() == b.kind());
  CHECK(a.text() == b.text());
  CHECK(a.type() == b.type());
  CHECK(a.plain() == b.plain());
  REQUIRE(a.items().size() == b.items().size());
  for (std::size_t i = 0; i < a.items().size(); ++i) same_tree(a.items()[i], b.items()[i]);
  REQUIRE(a.entries().size() == b.entries().size());
  for (std::size_t i = 0; i < a.entries().size(); ++i) {
    CHECK(a.entries()[i].key == b.entries()[i].key);
    same_tree(a.entries()[i].value, b.entries()[i].value);
  }
}

}  // namespace

TEST_CASE("kube: JSON read without positions is the same tree, repeated keys included") {
  const std::string json =
      R"({"kind": "List", "items": [{"kind": "Secret", "data": {"a": "eA==", "a": "eQ=="}},)"
      R"( 1, -2, 1.5, 1e3, true, false, null, "", "\u00e9", [], {}], "n": 18446744073709551615})";
  const auto with = parse_documents(json);
  const auto without = parse_documents(json, {.positions = false});
  REQUIRE(with.size() == 1);
  REQUIRE(without.size() == 1);
  REQUIRE_FALSE(without[0].error);
  same_tree(with[0].root, without[0].root);
  CHECK(without[0].root["items"].items()[0]["data"].entries().size() == 2);
  CHECK(without[0].root["items"].items()[4].type() == ScalarType::floating);
}

TEST_CASE("kube: without positions, what strict JSON refuses is still read as YAML") {
  const auto flow = parse_documents("{kind: Secret, metadata: {name: s}}\n", {.positions = false});
  REQUIRE(flow.size() == 1);
  CHECK(flow[0].root["metadata"]["name"].string() == "s");
  const auto stream = parse_documents("{\"a\": 1}\n---\n{\"b\": 2}\n", {.positions = false});
  CHECK(stream.size() == 2);
  const std::string deep = std::string(3000, '[') + std::string(3000, ']');
  const auto too_deep = parse_documents(deep, {.positions = false});
  REQUIRE(too_deep.size() == 1);
  REQUIRE(too_deep[0].error);
  CHECK(too_deep[0].error->message == "nested more than 2000 levels deep");
  const auto broken = parse_documents("{\"a\": [1,}", {.positions = false});
  REQUIRE(broken.size() == 1);
  CHECK(broken[0].error);
}
