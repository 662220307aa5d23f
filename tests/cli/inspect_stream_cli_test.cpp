// inspect on Kubernetes Lists larger than the streaming threshold (8 MiB), from a file and from
// standard input (issue 17): the same report as the whole-document reader, malformed JSON in the
// middle, and --max-file-size bounding each element rather than the file.
#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "pki.hpp"
#include "run.hpp"
#include "trees.hpp"

using namespace promtls::test;
using nlohmann::json;

namespace {

const std::string kAt = "--at=2027-01-01T00:00:00Z";

struct Fixture {
  Authority ca = Authority::make("stream-cli-ca");
  Key key{KeyKind::ec_p256};
  Cert leaf = [this] {
    CertSpec spec;
    spec.cn = "stream-cli.example";
    spec.not_after = 1830297600;  // 2028-01-01T00:00:00Z
    return ca.leaf(spec, key);
  }();
  TempDir dir;

  std::string tls_secret(int i) const {
    return R"({"apiVersion": "v1", "data": {"ca.crt": ")" + base64(ca.cert.pem()) +
           R"(", "tls.crt": ")" + base64(leaf.pem()) +
           R"("}, "kind": "Secret", "metadata": {"name": "tls-)" + std::to_string(i) +
           R"(", "namespace": "ns"}, "type": "kubernetes.io/tls"})";
  }
  // A helm release Secret with `bytes` of base64.
  static std::string helm_secret(int i, std::size_t bytes) {
    return R"({"apiVersion": "v1", "data": {"release": "SDRzSUFBQUFBQUFD)" +
           std::string(bytes, 'Q') + R"("}, "kind": "Secret", "metadata": {"name": "sh.helm.)" +
           std::to_string(i) + R"("}, "type": "helm.sh/release.v1"})";
  }
  // The same List as `kubectl get secrets -A -o yaml` prints it, with `tail` (lines) after the
  // last item.
  std::string yaml_list(const std::string& tail = "") const {
    std::string out = "apiVersion: v1\nitems:\n";
    for (int i = 0; i < 12; ++i) {
      const std::string n = std::to_string(i);
      out += "- apiVersion: v1\n  data:\n    ca.crt: " + base64(ca.cert.pem()) +
             "\n    tls.crt: " + base64(leaf.pem()) +
             "\n  kind: Secret\n  metadata:\n    name: tls-" + n +
             "\n    namespace: ns\n  type: kubernetes.io/tls\n";
      out += "- apiVersion: v1\n  data:\n    release: SDRzSUFBQUFBQUFD" +
             std::string(800 * 1024, 'Q') + "\n  kind: Secret\n  metadata:\n    name: sh.helm." +
             n + "\n  type: helm.sh/release.v1\n";
    }
    return out + tail + "kind: List\nmetadata:\n  resourceVersion: \"\"\n";
  }
  // A List of tls Secrets and helm Secrets, over 8 MiB, with `tail` before its end.
  std::string list(const std::string& tail = "") const {
    std::string out = "{\n    \"apiVersion\": \"v1\",\n    \"items\": [\n";
    for (int i = 0; i < 12; ++i) {
      out += tls_secret(i) + ",\n" + helm_secret(i, 800 * 1024) + (i < 11 ? ",\n" : "");
    }
    return out + tail + "\n    ],\n    \"kind\": \"List\",\n    \"metadata\": {}\n}\n";
  }
};

RunResult from_stdin(const std::string& path, const std::vector<std::string>& args) {
  std::string command = "exec \"$0\" inspect -";
  for (std::size_t i = 0; i < args.size(); ++i) command += " \"$" + std::to_string(i + 1) + "\"";
  std::vector<std::string> argv{"/bin/sh", "-c",
                                command + " < \"$" + std::to_string(args.size() + 1) + "\"",
                                promtls_binary()};
  argv.insert(argv.end(), args.begin(), args.end());
  argv.push_back(path);
  return run(argv);
}

}  // namespace

TEST_CASE("a List over 8 MiB reads the same from a file, from standard input and whole") {
  const Fixture f;
  const std::string big = f.dir.write("secrets.json", f.list());
  REQUIRE(f.list().size() > (8u << 20));
  const RunResult file = run_promtls({"inspect", big, kAt, "-o", "json"});
  CHECK(file.exit_code == 0);
  const json report = json::parse(file.out);
  CHECK(report["certificates"].size() == 24);  // tls.crt and ca.crt of 12 Secrets
  CHECK(report["errors"].empty());
  CHECK(report["certificates"][0]["source"].get<std::string>().find("Secret ns/tls-0") !=
        std::string::npos);
  // Whole: the same file under the size that streams would not stream with a larger threshold;
  // a copy under 8 MiB (fewer helm Secrets) gives the same certificates of the same Secrets.
  const RunResult in = from_stdin(big, {kAt, "-o", "json"});
  CHECK(in.exit_code == 0);
  const json stdin_report = json::parse(in.out);
  REQUIRE(stdin_report["certificates"].size() == 24);
  for (std::size_t i = 0; i < 24; ++i) {
    CHECK(stdin_report["certificates"][i]["sha256_fingerprint"] ==
          report["certificates"][i]["sha256_fingerprint"]);
  }
}

TEST_CASE("malformed JSON in the middle of a large List exits 3 after every earlier item") {
  const Fixture f;
  const std::string broken =
      f.dir.write("broken.json", f.list(",\n{\"kind\": \"Secret\", \"data\": {\"a\": ]}}"));
  for (const bool stdin : {false, true}) {
    INFO((stdin ? "stdin" : "file"));
    const RunResult r = stdin ? from_stdin(broken, {kAt, "-o", "json"})
                              : run_promtls({"inspect", broken, kAt, "-o", "json"});
    CHECK(r.exit_code == 3);
    const json report = json::parse(r.out);
    CHECK(report["certificates"].size() == 24);
    REQUIRE(report["errors"].size() == 1);
    const std::string message = report["errors"][0]["message"];
    CHECK(message.find(": line ") != std::string::npos);
    CHECK(message.find(", column ") != std::string::npos);
    CHECK(message.ends_with("(after 24 items)"));
  }
}

TEST_CASE("each element of a streamed List is bounded by --max-file-size, not the file") {
  const Fixture f;
  const std::string big = f.dir.write("secrets.json", f.list());
  const RunResult r = run_promtls({"inspect", big, kAt, "-o", "json", "--max-file-size", "1MiB"});
  CHECK(r.exit_code == 0);  // every element is under 1 MiB
  CHECK(json::parse(r.out)["certificates"].size() == 24);
  const RunResult small =
      run_promtls({"inspect", big, kAt, "-o", "json", "--max-file-size", "512KiB"});
  CHECK(small.exit_code == 3);  // the helm Secrets are over it, the tls Secrets are read
  const json report = json::parse(small.out);
  CHECK(report["certificates"].size() == 24);
  REQUIRE(report["errors"].size() == 12);
  CHECK(report["errors"][0]["message"].get<std::string>().find("items[1]: at least ") !=
        std::string::npos);
  CHECK(report["errors"][0]["message"].get<std::string>().ends_with(
      "larger than 512 KiB; not read (--max-file-size raises the limit)"));
}

TEST_CASE("a large file that begins with '{' but is YAML, not JSON, is read whole") {
  const Fixture f;
  // `1 2` is a plain YAML scalar in a flow mapping, and no JSON.
  const std::string yaml =
      f.dir.write("flow.yaml", f.list(",\n{\"kind\": \"Secret\", \"data\": {\"a\": 1 2}}"));
  const RunResult r = run_promtls({"inspect", yaml, kAt, "-o", "json"});
  CHECK(r.exit_code == 0);
  const json report = json::parse(r.out);
  CHECK(report["certificates"].size() == 24);
  CHECK(report["errors"].empty());
}

TEST_CASE("a walked List over --max-file-size is streamed, not refused") {
  // A directory entry comes without its size, so the walk learns it only when the whole-file
  // read refuses the file: the List is then read one item at a time, as a named one is.
  const Fixture f;
  std::filesystem::create_directories(f.dir.path() / "cluster");
  f.dir.write("cluster/secrets.json", f.list());
  const std::string dir = (f.dir.path() / "cluster").string();
  const RunResult r = run_promtls({"inspect", dir, kAt, "-o", "json", "--max-file-size", "1MiB"});
  INFO(r.err);
  CHECK(r.exit_code == 0);
  const json report = json::parse(r.out);
  CHECK(report["certificates"].size() == 24);
  CHECK(report["errors"].empty());
}

TEST_CASE("a YAML List over 8 MiB reads the same from a file, from standard input and as JSON") {
  const Fixture f;
  const std::string yaml = f.dir.write("secrets.yaml", f.yaml_list());
  REQUIRE(f.yaml_list().size() > (8u << 20));
  const json from_json = json::parse(
      run_promtls({"inspect", f.dir.write("secrets.json", f.list()), kAt, "-o", "json"}).out);
  for (const bool stdin : {false, true}) {
    INFO((stdin ? "stdin" : "file"));
    const RunResult r = stdin ? from_stdin(yaml, {kAt, "-o", "json"})
                              : run_promtls({"inspect", yaml, kAt, "-o", "json"});
    CHECK(r.exit_code == 0);
    const json report = json::parse(r.out);
    REQUIRE(report["certificates"].size() == 24);
    CHECK(report["errors"].empty());
    for (std::size_t i = 0; i < 24; ++i) {
      CHECK(report["certificates"][i]["sha256_fingerprint"] ==
            from_json["certificates"][i]["sha256_fingerprint"]);
      CHECK(report["certificates"][i]["location"]["secret_name"] ==
            from_json["certificates"][i]["location"]["secret_name"]);
    }
  }
}

TEST_CASE("malformed YAML in the middle of a large YAML List exits 3 after every earlier item") {
  const Fixture f;
  const std::string yaml = f.yaml_list("- {kind: Secret, data: {a: ]}}\n");
  const std::string broken = f.dir.write("broken.yaml", yaml);
  const std::size_t line =
      static_cast<std::size_t>(std::count(
          yaml.begin(), yaml.begin() + static_cast<std::ptrdiff_t>(yaml.find("- {kind: Secret")),
          '\n')) +
      1;
  for (const bool stdin : {false, true}) {
    INFO((stdin ? "stdin" : "file"));
    const RunResult r = stdin ? from_stdin(broken, {kAt, "-o", "json"})
                              : run_promtls({"inspect", broken, kAt, "-o", "json"});
    CHECK(r.exit_code == 3);
    const json report = json::parse(r.out);
    CHECK(report["certificates"].size() == 24);
    REQUIRE(report["errors"].size() == 1);
    const std::string message = report["errors"][0]["message"];
    CHECK(message.find(": line " + std::to_string(line) + ", column ") != std::string::npos);
    CHECK(message.ends_with("(after 24 items)"));
  }
}

TEST_CASE("a YAML stream of several documents over 8 MiB is read whole, or refused by name") {
  const Fixture f;
  const std::string two = f.yaml_list() + "---\n" + f.yaml_list();
  const std::string path = f.dir.write("two.yaml", two);
  const RunResult whole = run_promtls({"inspect", path, kAt, "-o", "json"});
  CHECK(whole.exit_code == 0);
  CHECK(json::parse(whole.out)["certificates"].size() == 48);
  // Standard input cannot be read twice: a "---" after the first 8 MiB, which were streamed as
  // one List, is refused by name; one within them is read whole.
  const RunResult late = from_stdin(path, {kAt, "-o", "json"});
  CHECK(late.exit_code == 3);
  const json late_report = json::parse(late.out);
  REQUIRE(late_report["errors"].size() == 1);
  CHECK(late_report["errors"][0]["message"].get<std::string>().find(
            "a second document (\"---\") after the first 8 MiB of standard input") !=
        std::string::npos);
  const std::string early = f.dir.write(
      "early.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n---\n" + f.yaml_list());
  const RunResult in = from_stdin(early, {kAt, "-o", "json"});
  CHECK(in.exit_code == 0);
  CHECK(json::parse(in.out)["certificates"].size() == 24);
  // Over the whole-file bound: a single List would stream, several documents cannot.
  const RunResult big =
      run_promtls({"inspect", path, kAt, "-o", "json", "--max-file-size", "4MiB"});
  CHECK(big.exit_code == 3);
  const json report = json::parse(big.out);
  REQUIRE(report["errors"].size() == 1);
  CHECK(report["errors"][0]["reason"] == "too_large");
  CHECK(report["errors"][0]["message"].get<std::string>().find(
            "a YAML stream of several documents larger than 4 MiB") != std::string::npos);
  // A single YAML List under the same bound streams, each item within it.
  const RunResult one = run_promtls({"inspect", f.dir.write("one.yaml", f.yaml_list()), kAt, "-o",
                                     "json", "--max-file-size", "4MiB"});
  CHECK(one.exit_code == 0);
  CHECK(json::parse(one.out)["certificates"].size() == 24);
}
