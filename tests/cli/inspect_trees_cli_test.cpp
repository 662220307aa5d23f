// promtls inspect on the trees people have (tests/support/trees.hpp), as a cron job runs it: the
// exit code tells all fine (0) from one expired certificate (1) from an unreadable input (3),
// keys, manifests and env files are not errors, and --include/--exclude and ** select files.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <set>

#include "run.hpp"
#include "trees.hpp"

using namespace promtls::test;
using nlohmann::json;

namespace {

const std::string kAt = "--at=2027-01-01T00:00:00Z";  // kNow

json inspect_json(std::vector<std::string> args) {
  args.insert(args.begin(), "inspect");
  args.push_back(kAt);
  args.push_back("-o");
  args.push_back("json");
  const RunResult r = run_promtls(args);
  INFO(r.err);
  return json::parse(r.out);
}

std::set<std::string> sources(const json& report, const std::string& root) {
  std::set<std::string> out;
  for (const json& c : report["certificates"]) {
    std::string s = c["source"].get<std::string>();
    if (s.rfind(root + "/", 0) == 0) s = s.substr(root.size() + 1);
    out.insert(s);
  }
  return out;
}

struct Case {
  const char* name;
  Tree (*build)(Variant);
  bool recursive;
};

const Case kCases[] = {
    {"kubeadm control plane", kubeadm_control_plane, true},
    {"kubelet directory", kubelet_pki, true},
    {"Secret volume", secret_volume, false},
    {"system store", system_store, false},
};

}  // namespace

TEST_CASE(
    "inspect exits 0 on every healthy tree, 1 with one expired certificate, 3 when one "
    "input is unreadable") {
  for (const Case& c : kCases) {
    INFO(c.name);
    const auto exit_code = [&](Variant v) {
      const Tree t = c.build(v);
      std::vector<std::string> args{"inspect", t.root, kAt};
      if (c.recursive) args.push_back("-r");
      const RunResult r = run_promtls(args);
      INFO(r.out << r.err);
      return r.exit_code;
    };
    CHECK(exit_code(Variant::all_fine) == 0);
    CHECK(exit_code(Variant::one_expired) == 1);
    CHECK(exit_code(Variant::one_unreadable) == 3);
  }
}

TEST_CASE("inspect reports no error for a healthy tree's keys, manifests and env files") {
  for (const Case& c : kCases) {
    INFO(c.name);
    const Tree t = c.build(Variant::all_fine);
    std::vector<std::string> args{t.root};
    if (c.recursive) args.push_back("-r");
    const json report = inspect_json(args);
    CHECK(report["errors"].empty());
    CHECK_FALSE(report["certificates"].empty());
  }
  const Tree t = kubeadm_control_plane(Variant::all_fine);
  const json report = inspect_json({"-r", t.root});
  CHECK(report["certificates"].size() == 20);
}

TEST_CASE("inspect -r exits 0 on an upgraded control plane, etcd's backed-up data skipped") {
  const Tree t = kubeadm_control_plane(Variant::all_fine);
  add_kubeadm_upgrade_backups(t);
  const RunResult r = run_promtls({"inspect", "-r", t.root, kAt});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  const json report = inspect_json({"-r", t.root});
  CHECK(report["errors"].empty());
  CHECK(report["certificates"].size() == 20);
  std::vector<std::string> etcd;
  for (const json& s : report["skipped"]) {
    if (s["kind"] == "etcd_data") etcd.push_back(s["source"].get<std::string>());
  }
  CHECK(etcd == std::vector<std::string>{
                    t.path("tmp/kubeadm-backup-etcd-2026-08-10-13-09-29/etcd/member"),
                    t.path("tmp/kubeadm-backup-etcd-2026-11-02-09-41-07/etcd/member")});
}

TEST_CASE("inspect names the unreadable input of each tree") {
  const Tree kubelet = kubelet_pki(Variant::one_unreadable);
  json report = inspect_json({"-r", kubelet.root});
  REQUIRE(report["errors"].size() == 1);
  CHECK(report["errors"][0]["source"] == kubelet.path("pki/kubelet-client-current.pem"));
  const Tree secret = secret_volume(Variant::one_unreadable);
  report = inspect_json({secret.root});
  REQUIRE(report["errors"].size() == 1);
  CHECK(report["errors"][0]["source"] == secret.path("ca.crt"));
  const Tree kubeadm = kubeadm_control_plane(Variant::one_unreadable);
  report = inspect_json({"-r", kubeadm.root});
  REQUIRE(report["errors"].size() == 1);
  CHECK(report["errors"][0]["source"] == kubeadm.path("kubelet.conf"));
}

TEST_CASE("a key or manifest named on the command line is still an error") {
  const Tree t = kubeadm_control_plane(Variant::all_fine);
  for (const char* below : {"pki/sa.key", "pki/sa.pub", "manifests/etcd.yaml"}) {
    INFO(below);
    const RunResult r = run_promtls({"inspect", t.path(below), kAt});
    CHECK(r.exit_code == 3);
  }
}

TEST_CASE("inspect -r 'pki/**/*.crt' finds pki/ itself and pki/etcd") {
  const Tree t = kubeadm_control_plane(Variant::all_fine);
  const json report = inspect_json({"-r", t.root + "/pki/**/*.crt"});
  CHECK(report["errors"].empty());
  CHECK(sources(report, t.root) ==
        std::set<std::string>{"pki/apiserver-etcd-client.crt", "pki/apiserver-kubelet-client.crt",
                              "pki/apiserver.crt", "pki/ca.crt", "pki/etcd/ca.crt",
                              "pki/etcd/healthcheck-client.crt", "pki/etcd/peer.crt",
                              "pki/etcd/server.crt", "pki/front-proxy-ca.crt",
                              "pki/front-proxy-client.crt"});
}

TEST_CASE("inspect --include and --exclude choose the walked files, repeatable") {
  const Tree t = kubeadm_control_plane(Variant::all_fine);
  // Options before the path: each takes one value.
  json report = inspect_json({"--include", "pki/etcd/*", "--include", "pki/ca.*", "-r", t.root});
  CHECK(report["errors"].empty());
  CHECK(sources(report, t.root) ==
        std::set<std::string>{"pki/ca.crt", "pki/etcd/ca.crt", "pki/etcd/healthcheck-client.crt",
                              "pki/etcd/peer.crt", "pki/etcd/server.crt"});
  report = inspect_json({"-r", t.root, "--exclude=pki/**", "--exclude", "*.conf"});
  CHECK(report["certificates"].empty());
  CHECK(report["errors"].empty());
  // Each occurrence takes one value: the path after it is a path.
  report = inspect_json({"--exclude", "pki/**", t.root});
  CHECK(report["certificates"].size() == 10);
  // An expired certificate left out by --exclude does not fail the run.
  const Tree old = kubeadm_control_plane(Variant::one_expired);
  CHECK(run_promtls({"inspect", "-r", old.root, kAt}).exit_code == 1);
  CHECK(run_promtls({"inspect", "-r", old.root, kAt, "--exclude", "pki/apiserver.crt"}).exit_code ==
        0);
  // A file named on the command line is read whatever --exclude says.
  CHECK(run_promtls({"inspect", old.path("pki/apiserver.crt"), kAt, "--exclude", "**"}).exit_code ==
        1);
}
