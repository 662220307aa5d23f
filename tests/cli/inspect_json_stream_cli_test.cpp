// promtls inspect -o json, written as it is produced (issue 17): the layout is nlohmann's
// dump(2) of the same document on every tree, with --fail-on and --output-file, and a file name
// that is not UTF-8 no longer fails the run (it is repaired to U+FFFD).
#include <catch2/catch.hpp>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "pki.hpp"
#include "run.hpp"
#include "trees.hpp"

using namespace promtls::test;
using ordered_json = nlohmann::ordered_json;

namespace {

const std::string kAt = "--at=2027-01-01T00:00:00Z";  // kNow

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

TEST_CASE("inspect's streamed JSON is laid out as dump(2) of itself, on stdout and in a file") {
  for (const Variant v : {Variant::all_fine, Variant::one_expired, Variant::one_unreadable}) {
    INFO("variant " << static_cast<int>(v));
    const Tree t = kubeadm_control_plane(v);
    for (const char* fail_on : {"warning", "critical", "expired"}) {
      INFO("--fail-on " << fail_on);
      const RunResult r =
          run_promtls({"inspect", "-r", t.root, kAt, "-o", "json", "--fail-on", fail_on});
      INFO(r.err);
      // An expired certificate reaches every --fail-on; an unreadable input wins with 3.
      CHECK(r.exit_code == (v == Variant::all_fine ? 0 : v == Variant::one_expired ? 1 : 3));
      const ordered_json j = ordered_json::parse(r.out);
      CHECK(r.out == j.dump(2) + "\n");
      CHECK(j["certificates"].size() == j["summary"]["certificates"]["total"]);
      CHECK(j["exit_code"] == r.exit_code);
      CHECK(j["fail_on"] == fail_on);

      const std::string file = t.dir->path().string() + "/report.json";
      const RunResult f = run_promtls({"inspect", "-r", t.root, kAt, "-o", "json", "--fail-on",
                                       fail_on, "--output-file", file});
      CHECK(f.exit_code == r.exit_code);
      CHECK(f.out.empty());
      // The report file sits under the tree, but is written after it was read.
      CHECK(slurp(file) == r.out);
    }
  }
}

TEST_CASE("a certificate file whose name is not UTF-8 is reported, its name repaired") {
  TempDir dir;
  const Authority ca = Authority::make("odd-name-ca");
  const std::string name = "x\xff\x01\"q.pem";
  dir.write(name, ca.cert.pem(), 0644);
  const std::string root = dir.path().string();
  const RunResult r = run_promtls({"inspect", root, kAt, "-o", "json"});
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.err.empty());
  const ordered_json j = ordered_json::parse(r.out);
  REQUIRE(j["certificates"].size() == 1);
  CHECK(j["certificates"][0]["source"] == root + "/x\xef\xbf\xbd\x01\"q.pem");
  CHECK(j["certificates"][0]["location"]["filepath"] == j["certificates"][0]["source"]);
  CHECK(r.out == j.dump(2) + "\n");
}
