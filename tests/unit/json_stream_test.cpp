// The streamed reader of Kubernetes JSON (issue 17): the same certificates, fields, order and
// errors as the whole-document reader on every kind of object the sources read, malformed JSON
// in the middle of a List, items over the size bound, and values that look like certificates.
#include "promtls/core/json_stream.hpp"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "kube_text.hpp"
#include "pki.hpp"
#include "promtls/core/documents.hpp"
#include "promtls/tls/sources.hpp"
#include "trees.hpp"

using namespace promtls;
using namespace promtls::test;

namespace {

std::string b64(const std::string& in) { return promtls::test::base64(in); }
std::string quoted(const std::string& s) { return nlohmann::json(s).dump(); }

// Everything a reader of LoadResult can see, one line per fact, in order.
std::string facts(const tls::LoadResult& r) {
  std::ostringstream out;
  for (const core::LocatedCert& c : r.certificates) {
    out << "cert " << c.cert.subject_cn << " " << c.cert.serial << " " << c.cert.not_after_unix
        << " " << c.cert.sha256_fingerprint;
    for (const auto& [name, value] : core::location_fields(c.location)) {
      out << " " << name << "=" << value;
    }
    out << " kind=" << c.location.embedded_kind << " key=" << c.location.embedded_key
        << " context=" << c.location.kube_context << "\n";
  }
  for (const tls::SourceError& e : r.errors) {
    out << "error " << e.source << " " << e.reason << " " << e.message << "\n";
  }
  for (const tls::SkippedFile& s : r.skipped)
    out << "skipped " << s.source << " " << s.kind << "\n";
  for (const tls::TigeraSecret& t : r.tigera_secrets) {
    out << "tigera " << t.metadata.namespace_ << "/" << t.metadata.name << " "
        << t.metadata.issuer.value_or("-") << " " << t.metadata.expiry.value_or("-") << " "
        << t.metadata.has_signer_label << " " << t.cert_index << "\n";
  }
  for (const core::TigeraStatus& s : r.tigera_statuses) {
    out << "status " << s.name << " " << s.conditions.size() << "\n";
  }
  return out.str();
}

std::string list_of(const std::vector<std::string>& items, const std::string& kind = "List") {
  std::string out = "{\n    \"apiVersion\": \"v1\",\n    \"items\": [\n";
  for (std::size_t i = 0; i < items.size(); ++i) out += (i > 0 ? ",\n" : "") + items[i];
  return out + "\n    ],\n    \"kind\": \"" + kind +
         "\",\n    \"metadata\": {\n        \"resourceVersion\": \"\"\n    }\n}\n";
}

std::string secret(const std::string& name, const std::string& type, const std::string& data,
                   const std::string& extra = "") {
  return R"({"apiVersion": "v1", "data": {)" + data +
         R"(}, "kind": "Secret", "metadata": {"name": ")" + name + R"(", "namespace": "ns")" +
         extra + R"(}, "type": ")" + type + "\"}";
}

struct Pki {
  Authority ca = Authority::make("stream-ca");
  Key key{KeyKind::ec_p256};
  Cert leaf = [this] {
    CertSpec spec;
    spec.cn = "stream.example";
    spec.not_after = 1830297600;  // 2028-01-01T00:00:00Z
    return ca.leaf(spec, key);
  }();
};

// The objects the sources read, as kubectl prints them: every branch of the Kubernetes reader.
std::vector<std::string> kubernetes_items(const Pki& pki) {
  const std::string crt = b64(pki.leaf.pem());
  const std::string ca = b64(pki.ca.cert.pem());
  return {
      secret("tls", "kubernetes.io/tls",
             R"("ca.crt": ")" + ca + R"(", "tls.crt": ")" + crt + R"(", "tls.key": ")" +
                 b64(pki.key.private_pem()) + "\"",
             R"(, "annotations": {"cert-manager.io/certificate-name": "web",
                "certificates.operator.tigera.io/issuer": "stream-ca",
                "certificates.operator.tigera.io/expiry": "2028-01-01T00:00:00Z"},
                "labels": {"certificates.operator.tigera.io/signer": "stream-ca"})"),
      // PEM after other text under a key not named like a certificate (openssl pkcs12's "Bag
      // Attributes"): found at every offset modulo 3.
      secret("bag0", "Opaque", R"("bundle": ")" + b64("Bag\n" + pki.leaf.pem()) + "\""),
      secret("bag1", "Opaque", R"("bundle": ")" + b64("Bags\n" + pki.leaf.pem()) + "\""),
      secret("bag2", "Opaque", R"("bundle": ")" + b64("Bagss\n" + pki.leaf.pem()) + "\""),
      // Looks like a certificate by its first base64 bytes, and is not one.
      secret("fake", "Opaque",
             R"("notes": ")" +
                 b64("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n") +
                 R"(", "key": ")" + b64(pki.key.private_pem()) + R"(", "der.bin": "MIIBBB==")"),
      secret("bad", "Opaque", R"("tls.crt": "!!not base64!!", "other": "%%%")"),
      secret("wrapped", "Opaque", R"("cert": ")" + b64(pki.ca.cert.pem()).insert(40, "\\n") + "\""),
      secret("empty", "kubernetes.io/tls", R"("tls.crt": "", "ca.crt": null, "n": 5, "b": true)"),
      secret("dup", "Opaque", R"("ca.crt": ")" + crt + R"(", "ca.crt": ")" + ca + "\""),
      secret("p12", "Opaque",
             R"("keystore.p12": ")" + b64(pkcs12(pki.leaf, pki.key, {&pki.ca.cert}, "")) +
                 R"(", "truststore.jks": "AAAA")"),
      secret("sh.helm.release.v1.app.v1", "helm.sh/release.v1",
             R"("release": "SDRzSUFBQUFBQUFDLyKSEhEHEHE=", "ca.crt": ")" + ca + "\""),
      R"({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "sd"},
          "stringData": {"ca.pem": )" +
          quoted(pki.ca.cert.pem()) + R"(, "x": "y"}})",
      R"({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "roots", "namespace": "b"},
          "data": {"roots.pem": )" +
          quoted(pki.ca.cert.pem()) + R"(}, "binaryData": {"leaf.der": ")" + b64(pki.leaf.der()) +
          R"("}})",
      R"({"apiVersion": "v1", "kind": "Config", "clusters": [{"name": "c", "cluster":
          {"certificate-authority-data": ")" +
          ca + R"("}}], "users": [{"name": "u", "user": {"client-certificate-data": "AAAA"}}],
          "contexts": [{"name": "ctx", "context": {"cluster": "c", "user": "u"}}]})",
      R"({"apiVersion": "operator.tigera.io/v1", "kind": "TigeraStatus", "metadata": {"name":
          "calico"}, "status": {"conditions": [{"type": "Available", "status": "True"}]}})",
      list_of({secret("inner", "Opaque", R"("ca.crt": ")" + ca + "\"")}, "SecretList"),
      R"({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}, "items": [1]})",
      "42",
      "\"text\"",
      "null",
      "[]",
      "{}",
      R"({"kind": "Secret", "data": [1, 2.50, -3e2]})",
  };
}

void check_same(const std::string& json, const std::string& source) {
  const std::string whole = facts(tls::load_bytes(json, source));
  for (const std::size_t chunk : {std::size_t{1}, std::size_t{7}, std::size_t{4096}}) {
    INFO(source << ", read " << chunk << " bytes at a time");
    CHECK(facts(tls::load_json_streamed(json, source, {}, chunk)) == whole);
  }
}

}  // namespace

TEST_CASE("a streamed List gives what the whole-document reader gives, item by item and as one") {
  const Pki pki;
  const std::vector<std::string> items = kubernetes_items(pki);
  const std::string all = list_of(items);
  const std::string whole = facts(tls::load_bytes(all, "all.json"));
  CHECK(whole.find("cert stream.example") != std::string::npos);  // the fixture holds some
  CHECK(whole.find("bad_pem") != std::string::npos);
  CHECK(whole.find("value is not base64") != std::string::npos);
  check_same(all, "all.json");
  for (std::size_t i = 0; i < items.size(); ++i) {
    check_same(list_of({items[i]}), "item" + std::to_string(i) + ".json");
    // Not a List; only what begins with '{' is ever streamed.
    if (items[i].front() == '{') check_same(items[i], "object" + std::to_string(i) + ".json");
  }
  check_same(list_of({}), "empty.json");
  // An object whose kind does not end in List: its items are nobody's objects.
  check_same(list_of(items, "Secret"), "secret.json");
}

TEST_CASE(
    "every Kubernetes object of the kubeadm, kubelet and Secret volume trees streams the same") {
  std::vector<std::string> items;
  std::vector<Tree> trees;
  trees.push_back(kubeadm_control_plane(Variant::all_fine));
  trees.push_back(kubeadm_control_plane(Variant::one_unreadable));
  trees.push_back(kubelet_pki(Variant::all_fine));
  trees.push_back(secret_volume(Variant::all_fine));
  for (const Tree& tree : trees) {
    for (const auto& entry : std::filesystem::recursive_directory_iterator(tree.dir->path())) {
      if (!entry.is_regular_file()) continue;
      std::ifstream in(entry.path());
      const std::string bytes((std::istreambuf_iterator<char>(in)), {});
      if (bytes.find("apiVersion") == std::string::npos) continue;
      for (const core::Document& doc : core::parse_documents(bytes)) {
        if (doc.error || !doc.root.is_mapping()) continue;
        const std::string json = to_json(doc.root);
        items.push_back(json);
        // Alone, under the file's own name: kubeconfig file references resolve beside it.
        check_same(json, entry.path().string());
      }
    }
  }
  CHECK(items.size() >= 8);
  check_same(list_of(items), trees.front().root + "/all.json");
}

TEST_CASE("malformed JSON in the middle of a List reports its position and every earlier item") {
  const Pki pki;
  const std::string good =
      secret("ok", "kubernetes.io/tls", R"("tls.crt": ")" + b64(pki.leaf.pem()) + "\"");
  const std::string json =
      list_of({good, good, good})
          .insert(list_of({good, good, good}).find("    ],"),
                  ",\n{\"kind\": \"Secret\", \"data\": {\"a\": \"s3cret\" \"b\"}}\n");
  for (const std::size_t chunk : {std::size_t{1}, std::size_t{4096}}) {
    const tls::LoadResult r = tls::load_json_streamed(json, "broken.json", {}, chunk);
    CHECK(r.certificates.size() == 3);
    REQUIRE(r.errors.size() == 1);
    CHECK(r.errors[0].reason == "decode_failed");
    const std::size_t line =
        static_cast<std::size_t>(std::count(
            json.begin(), json.begin() + static_cast<std::ptrdiff_t>(json.find("\"b\"}}")), '\n')) +
        1;
    CHECK(
        r.errors[0].message.starts_with("broken.json: line " + std::to_string(line) + ", column "));
    CHECK(r.errors[0].message.ends_with(" (after 3 items)"));
    CHECK(r.errors[0].message.find("s3cret") == std::string::npos);  // never the input's text
  }
  // The whole-document reader gives the error alone.
  const tls::LoadResult whole = tls::load_bytes(json, "broken.json");
  CHECK(whole.certificates.empty());
  CHECK(whole.errors.size() == 1);
}

TEST_CASE("a List element over the size bound is a too_large error and the others are read") {
  const Pki pki;
  const std::string good =
      secret("ok", "kubernetes.io/tls", R"("tls.crt": ")" + b64(pki.leaf.pem()) + "\"");
  const std::string big = secret("big", "Opaque", R"("blob": ")" + std::string(20000, 'A') + "\"");
  const std::string json = list_of({good, big, good});
  const tls::LoadResult r = tls::load_json_streamed(json, "big.json", {}, 512, 8192);
  CHECK(r.certificates.size() == 2);
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].reason == "too_large");
  CHECK(r.errors[0].message.starts_with("big.json: items[1]: at least "));
  CHECK(r.errors[0].message.ends_with(
      "bytes, larger than 8 KiB; not read (--max-file-size raises the limit)"));
  // Under the bound, the same List reads whole.
  CHECK(facts(tls::load_json_streamed(json, "big.json", {}, 512, 1u << 20)) ==
        facts(tls::load_bytes(json, "big.json")));
  // A top level that is not a List is bounded as a whole.
  const tls::LoadResult one = tls::load_json_streamed(big, "one.json", {}, 512, 8192);
  REQUIRE(one.errors.size() == 1);
  CHECK(one.errors[0].reason == "too_large");
}

TEST_CASE("the JSON stream reader hands over items and keeps the rest of the top level") {
  const std::string json =
      R"({"apiVersion":"v1","items":[{"a":1},2,[3]],"kind":"List","x":{"y":[true,null]}})";
  std::vector<std::string> seen;
  std::size_t at = 0;
  const core::JsonStreamResult r = core::stream_json(
      [&](char* buffer, std::size_t capacity) {
        const std::size_t n = std::min<std::size_t>(capacity, json.size() - at);
        std::copy_n(json.data() + at, n, buffer);
        at += n;
        return n;
      },
      {.item =
           [&](std::size_t index, core::Node& item) {
             seen.push_back(std::to_string(index) + ":" + to_json(item));
           },
       .oversized = nullptr,
       .drop = nullptr},
      {.buffer_bytes = 3, .max_item_bytes = UINT64_MAX});
  CHECK_FALSE(r.error);
  CHECK(r.streamed_items);
  CHECK(r.items == 3);
  CHECK(seen == std::vector<std::string>{"0:{\"a\": 1}", "1:2", "2:[3]"});
  CHECK(r.top["kind"].text() == "List");
  CHECK(r.top.find("items") == nullptr);
  CHECK(to_json(r.top["x"]) == R"({"y": [true,null]})");
}

TEST_CASE("values the reader drops are handed over empty, and only plain ASCII ones are offered") {
  const std::string json =
      R"({"items": [{"data": {"release": "SDRzSUFB", "esc": "a\nb", "keep": "QUJD",)"
      R"( "n": 5}, "release": "top"}], "kind": "List"})";
  std::vector<std::string> offered;
  std::vector<std::string> seen;
  std::size_t at = 0;
  const core::JsonStreamResult r = core::stream_json(
      [&](char* buffer, std::size_t capacity) {
        const std::size_t n = std::min<std::size_t>({capacity, 2, json.size() - at});
        std::copy_n(json.data() + at, n, buffer);
        at += n;
        return n;
      },
      {.item = [&](std::size_t, core::Node& item) { seen.push_back(to_json(item)); },
       .oversized = nullptr,
       .drop =
           [&](std::string_view field, std::string_view key, std::string_view text) {
             offered.push_back(std::string(field) + "." + std::string(key) + "=" +
                               std::string(text));
             return key == "release";
           }},
      {.buffer_bytes = 2, .max_item_bytes = UINT64_MAX});
  CHECK_FALSE(r.error);
  CHECK(offered == std::vector<std::string>{"data.release=SDRzSUFB", "data.keep=QUJD"});
  REQUIRE(seen.size() == 1);
  CHECK(seen[0] ==
        "{\"data\": {\"release\": \"\",\n\"esc\": \"a\\nb\",\n\"keep\": \"QUJD\",\n\"n\": 5},\n"
        "\"release\": \"top\"}");
}

namespace {

std::string to_yaml(const std::string& json) {
  const std::vector<core::Document> docs = core::parse_documents(json);
  REQUIRE(docs.size() == 1);
  REQUIRE_FALSE(docs[0].error);
  return to_kubectl_yaml(docs[0].root);
}

void check_same_yaml(const std::string& yaml, const std::string& source) {
  const std::string whole = facts(tls::load_bytes(yaml, source));
  for (const std::size_t chunk : {std::size_t{1}, std::size_t{7}, std::size_t{4096}}) {
    INFO(source << ", read " << chunk << " bytes at a time:\n" << yaml);
    CHECK(facts(tls::load_yaml_streamed(yaml, source, {}, chunk)) == whole);
  }
}

std::vector<std::string> yaml_items(const std::string& yaml, core::JsonStreamResult& r,
                                    std::size_t buffer_bytes = 3) {
  std::vector<std::string> seen;
  std::size_t at = 0;
  r = core::stream_yaml(
      [&](char* buffer, std::size_t capacity) {
        const std::size_t n = std::min<std::size_t>({capacity, buffer_bytes, yaml.size() - at});
        std::copy_n(yaml.data() + at, n, buffer);
        at += n;
        return n;
      },
      {.item =
           [&](std::size_t index, core::Node& item) {
             seen.push_back(std::to_string(index) + "@" + std::to_string(item.position().line) +
                            ":" + to_json(item));
           },
       .oversized = nullptr,
       .drop = nullptr},
      {.buffer_bytes = buffer_bytes, .max_item_bytes = UINT64_MAX});
  return seen;
}

}  // namespace

TEST_CASE("a streamed YAML List gives what the whole-document reader gives, item by item") {
  const Pki pki;
  const std::vector<std::string> items = kubernetes_items(pki);
  const std::string all = to_yaml(list_of(items));
  CHECK(all.find("\n- apiVersion: \"v1\"\n") != std::string::npos);  // kubectl's layout
  const std::string whole = facts(tls::load_bytes(all, "all.yaml"));
  CHECK(whole.find("cert stream.example") != std::string::npos);
  CHECK(whole.find("bad_pem") != std::string::npos);
  check_same_yaml(all, "all.yaml");
  for (std::size_t i = 0; i < items.size(); ++i) {
    check_same_yaml(to_yaml(list_of({items[i]})), "item" + std::to_string(i) + ".yaml");
    // Kubernetes objects; what is no mapping is never streamed (stream_file()).
    if (items[i].front() == '{') {
      check_same_yaml(to_yaml(items[i]), "object" + std::to_string(i) + ".yaml");
    }
  }
  check_same_yaml(to_yaml(list_of({})), "empty.yaml");
  check_same_yaml(to_yaml(list_of(items, "Secret")), "secret.yaml");
}

TEST_CASE(
    "every Kubernetes object of the kubeadm, kubelet and Secret volume trees streams the "
    "same as YAML") {
  std::vector<std::string> items;
  for (const Tree& tree : {kubeadm_control_plane(Variant::all_fine), kubelet_pki(Variant::all_fine),
                           secret_volume(Variant::all_fine)}) {
    for (const auto& entry : std::filesystem::recursive_directory_iterator(tree.dir->path())) {
      if (!entry.is_regular_file()) continue;
      std::ifstream in(entry.path());
      const std::string bytes((std::istreambuf_iterator<char>(in)), {});
      if (bytes.find("apiVersion") == std::string::npos) continue;
      for (const core::Document& doc : core::parse_documents(bytes)) {
        if (doc.error || !doc.root.is_mapping()) continue;
        items.push_back(to_json(doc.root));
        // The file itself, as written, alone: its kubeconfig references resolve beside it.
        if (bytes.find("\n---") == std::string::npos) check_same_yaml(bytes, entry.path().string());
      }
    }
    check_same_yaml(to_yaml(list_of(items)), tree.root + "/all.yaml");
  }
  CHECK(items.size() >= 8);
}

TEST_CASE("malformed YAML in the middle of a List reports its position and every earlier item") {
  const Pki pki;
  const std::string good =
      secret("ok", "kubernetes.io/tls", R"("tls.crt": ")" + b64(pki.leaf.pem()) + "\"");
  std::string yaml = to_yaml(list_of({good, good, good}));
  const std::string broken = "- {kind: Secret, data: {a: \"s3cret\" \"b\"}}\n";
  yaml.insert(yaml.find("kind: \"List\""), broken);
  const std::size_t line =
      static_cast<std::size_t>(std::count(
          yaml.begin(), yaml.begin() + static_cast<std::ptrdiff_t>(yaml.find(broken)), '\n')) +
      1;
  for (const std::size_t chunk : {std::size_t{1}, std::size_t{4096}}) {
    const tls::LoadResult r = tls::load_yaml_streamed(yaml, "broken.yaml", {}, chunk);
    CHECK(r.certificates.size() == 3);
    REQUIRE(r.errors.size() == 1);
    CHECK(r.errors[0].reason == "decode_failed");
    CHECK(
        r.errors[0].message.starts_with("broken.yaml: line " + std::to_string(line) + ", column "));
    CHECK(r.errors[0].message.ends_with(" (after 3 items)"));
    CHECK(r.errors[0].message.find("s3cret") == std::string::npos);
  }
  const tls::LoadResult whole = tls::load_bytes(yaml, "broken.yaml");
  CHECK(whole.certificates.empty());
  REQUIRE(whole.errors.size() == 1);
  CHECK(whole.errors[0].message.find("line " + std::to_string(line)) != std::string::npos);
}

TEST_CASE("a YAML List element over the size bound is a too_large error and the others are read") {
  const Pki pki;
  const std::string good =
      secret("ok", "kubernetes.io/tls", R"("tls.crt": ")" + b64(pki.leaf.pem()) + "\"");
  const std::string big = secret("big", "Opaque", R"("blob": ")" + std::string(20000, 'A') + "\"");
  const std::string yaml = to_yaml(list_of({good, big, good}));
  const tls::LoadResult r = tls::load_yaml_streamed(yaml, "big.yaml", {}, 512, 8192);
  CHECK(r.certificates.size() == 2);
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].reason == "too_large");
  CHECK(r.errors[0].message.starts_with("big.yaml: items[1]: at least "));
  CHECK(facts(tls::load_yaml_streamed(yaml, "big.yaml", {}, 512, 1u << 20)) ==
        facts(tls::load_bytes(yaml, "big.yaml")));
  // A top level that is not a List is bounded as a whole.
  const tls::LoadResult one = tls::load_yaml_streamed(to_yaml(big), "one.yaml", {}, 512, 8192);
  REQUIRE(one.errors.size() == 1);
  CHECK(one.errors[0].reason == "too_large");
  CHECK(one.errors[0].message.find("outside the items") != std::string::npos);
}

TEST_CASE("the YAML stream reader hands over items with their lines and keeps the top level") {
  const std::string yaml =
      "apiVersion: v1\n"
      "metadata: {items: [9]}\n"  // not the top level's: kept
      "items:\n"
      "- a: 1\n"
      "  b: &x [q]\n"
      "  c: *x\n"
      "- 2\n"
      "- [3]\n"
      "- {}\n"
      "kind: List\n"
      "x:\n"
      "  y: [true, null]\n";
  core::JsonStreamResult r;
  const std::vector<std::string> seen = yaml_items(yaml, r);
  CHECK_FALSE(r.error);
  CHECK(r.streamed_items);
  CHECK(r.items == 4);
  CHECK(seen == std::vector<std::string>{"0@4:{\"a\": 1,\n\"b\": [\"q\"],\n\"c\": [\"q\"]}",
                                         "1@7:2", "2@8:[3]", "3@9:{}"});
  CHECK(r.top["kind"].text() == "List");
  CHECK(r.top["items"].is_sequence());
  CHECK(r.top["items"].items().empty());
  CHECK(to_json(r.top["metadata"]) == R"({"items": [9]})");
  CHECK(to_json(r.top["x"]) == R"({"y": [true,null]})");
  CHECK(r.top["x"].position().line == 12);  // where the mapping's first key is

  SECTION("a second document ends the stream and says so") {
    core::JsonStreamResult two;
    yaml_items(yaml + "---\nkind: Secret\n", two);
    CHECK(two.several_documents);
    REQUIRE(two.error);
    CHECK(two.error->line == 13);
  }
  SECTION("an alias to another item's anchor is an error, which the whole reader then decides") {
    core::JsonStreamResult r2;
    yaml_items("items:\n- &a {k: 1}\n- *a\n", r2);
    REQUIRE(r2.error);
    CHECK(r2.error->message.find("refers to no finished anchor") != std::string::npos);
    CHECK(r2.items == 1);
  }
  SECTION("only a scalar key named items begins the items") {
    core::JsonStreamResult r4;
    const std::vector<std::string> none = yaml_items("items: 1\n? [complex]\n: [a, b]\n", r4);
    CHECK_FALSE(r4.error);
    CHECK_FALSE(r4.streamed_items);
    CHECK(none.empty());
    core::JsonStreamResult r5;
    const std::vector<std::string> later = yaml_items("items: 1\nitems: [a]\n", r5);
    CHECK(r5.streamed_items);  // the first "items" that is a sequence
    CHECK(later == std::vector<std::string>{"0@2:\"a\""});
  }
  SECTION("a long string is one token the reader bounds") {
    core::JsonStreamResult r3;
    std::size_t at = 0;
    const std::string text = "items:\n- " + std::string(200u << 20, 'x') + "\n";
    r3 = core::stream_yaml(
        [&](char* buffer, std::size_t capacity) {
          const std::size_t n = std::min(capacity, text.size() - at);
          std::copy_n(text.data() + at, n, buffer);
          at += n;
          return n;
        },
        {}, {.buffer_bytes = 1u << 20, .max_item_bytes = 1u << 20});
    CHECK(r3.too_large);
    REQUIRE(r3.error);
    CHECK(at < text.size());  // it stopped reading
  }
}

TEST_CASE("values the YAML reader drops are handed over empty") {
  const std::string yaml =
      "items:\n"
      "- data:\n"
      "    release: SDRzSUFB\n"
      "    keep: QUJD\n"
      "    n: 5\n"
      "  release: top\n"
      "kind: List\n";
  std::vector<std::string> offered;
  std::vector<std::string> seen;
  std::size_t at = 0;
  const core::JsonStreamResult r = core::stream_yaml(
      [&](char* buffer, std::size_t capacity) {
        const std::size_t n = std::min<std::size_t>({capacity, 2, yaml.size() - at});
        std::copy_n(yaml.data() + at, n, buffer);
        at += n;
        return n;
      },
      {.item = [&](std::size_t, core::Node& item) { seen.push_back(to_json(item)); },
       .oversized = nullptr,
       .drop =
           [&](std::string_view field, std::string_view key, std::string_view text) {
             offered.push_back(std::string(field) + "." + std::string(key) + "=" +
                               std::string(text));
             return key == "release";
           }},
      {.buffer_bytes = 2, .max_item_bytes = UINT64_MAX});
  CHECK_FALSE(r.error);
  // Strings only: `5` is an integer.
  CHECK(offered == std::vector<std::string>{"data.release=SDRzSUFB", "data.keep=QUJD"});
  REQUIRE(seen.size() == 1);
  CHECK(seen[0] ==
        "{\"data\": {\"release\": \"\",\n\"keep\": \"QUJD\",\n\"n\": 5},\n\"release\": \"top\"}");
}
