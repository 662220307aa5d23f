// The certificate trees people have (tests/support/trees.hpp) through load_sources: the
// certificates found, nothing counted as an error, the skipped files by kind, and what each
// variant changes.
#include "trees.hpp"

#include <catch2/catch.hpp>
#include <map>
#include <regex>

#include "promtls/tls/sources.hpp"

using namespace promtls;
using namespace promtls::test;

namespace {

// "path-below-root CN" for each certificate, in load order.
std::vector<std::string> found(const Tree& t, const tls::LoadResult& r) {
  std::vector<std::string> out;
  for (const core::LocatedCert& c : r.certificates) {
    std::string path = c.location.filepath;
    if (path.starts_with(t.root + "/")) path = path.substr(t.root.size() + 1);
    out.push_back(path + " " + c.cert.subject_cn);
  }
  return out;
}

std::map<std::string, int> skipped(const tls::LoadResult& r) {
  std::map<std::string, int> out;
  for (const tls::SkippedFile& s : r.skipped) ++out[s.kind];
  return out;
}

std::vector<std::string> errors(const Tree& t, const tls::LoadResult& r) {
  std::vector<std::string> out;
  for (const tls::SourceError& e : r.errors) {
    std::string path = e.source;
    if (path.starts_with(t.root + "/")) path = path.substr(t.root.size() + 1);
    out.push_back(path + " " + e.reason);
  }
  return out;
}

std::size_t expired(const tls::LoadResult& r) {
  std::size_t n = 0;
  for (const core::LocatedCert& c : r.certificates) n += c.cert.not_after_unix < kNow ? 1 : 0;
  return n;
}

tls::LoadResult load(const Tree& t, bool recursive, std::vector<std::string> paths = {}) {
  tls::SourceOptions options;
  options.recursive = recursive;
  return tls::load_sources(paths.empty() ? std::vector<std::string>{t.root} : paths, options);
}

const std::vector<std::string> kKubeconfigs = {
    "admin.conf kubernetes",
    "admin.conf kubernetes-admin",
    "controller-manager.conf kubernetes",
    "controller-manager.conf system:kube-controller-manager",
    "kubelet.conf kubernetes",
    "kubelet.conf system:node:node1",
    "scheduler.conf kubernetes",
    "scheduler.conf system:kube-scheduler",
    "super-admin.conf kubernetes",
    "super-admin.conf kubernetes-super-admin",
};

const std::vector<std::string> kPki = {
    "pki/apiserver-etcd-client.crt kube-apiserver-etcd-client",
    "pki/apiserver-kubelet-client.crt kube-apiserver-kubelet-client",
    "pki/apiserver.crt kube-apiserver",
    "pki/ca.crt kubernetes",
    "pki/front-proxy-ca.crt front-proxy-ca",
    "pki/front-proxy-client.crt front-proxy-client",
    "pki/etcd/ca.crt etcd-ca",
    "pki/etcd/healthcheck-client.crt kube-etcd-healthcheck-client",
    "pki/etcd/peer.crt node1",
    "pki/etcd/server.crt node1",
};

std::vector<std::string> concat(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

}  // namespace

TEST_CASE("a kubeadm control plane: twenty certificates, keys and manifests skipped, no error") {
  const Tree t = kubeadm_control_plane(Variant::all_fine);
  const tls::LoadResult r = load(t, true);
  CHECK(errors(t, r).empty());
  CHECK(found(t, r) == concat(kKubeconfigs, kPki));
  CHECK(skipped(r) == std::map<std::string, int>{
                          {"private_key", 11}, {"public_key", 1}, {"kubernetes_objects", 4}});
  CHECK(expired(r) == 0);
  // Embedded and referenced kubeconfig certificates say where they sat.
  CHECK(r.certificates[5].location.embedded_key == "user/system:node:node1/client-certificate");
  CHECK(r.certificates[1].location.embedded_key == "user/kubernetes-admin/client-certificate-data");

  // Without -r only the kubeconfigs at the top.
  const tls::LoadResult flat = load(t, false);
  CHECK(errors(t, flat).empty());
  CHECK(found(t, flat) == kKubeconfigs);
  CHECK(flat.skipped.empty());
}

TEST_CASE("a kubeadm control plane after upgrades: the backups' etcd data passed over") {
  const Tree t = kubeadm_control_plane(Variant::all_fine);
  add_kubeadm_upgrade_backups(t);
  const tls::LoadResult r = load(t, true);
  CHECK(errors(t, r).empty());
  CHECK(found(t, r) == concat(kKubeconfigs, kPki));
  CHECK(skipped(r) ==
        std::map<std::string, int>{
            {"private_key", 11}, {"public_key", 1}, {"kubernetes_objects", 6}, {"etcd_data", 2}});
  for (const tls::SkippedFile& s : r.skipped) {
    if (s.kind == "etcd_data") CHECK(std::regex_match(s.source, std::regex(".*/etcd/member")));
  }
  // Named, etcd's directory is read like any other: its files are no certificates.
  const tls::LoadResult named =
      load(t, true, {t.path("tmp/kubeadm-backup-etcd-2026-08-10-13-09-29/etcd/member")});
  CHECK(named.errors.size() == 4);
  CHECK(named.skipped.empty());
}

TEST_CASE(
    "a kubeadm control plane with an expired apiserver certificate or a dangling kubelet "
    "client") {
  const Tree old = kubeadm_control_plane(Variant::one_expired);
  const tls::LoadResult r = load(old, true);
  CHECK(errors(old, r).empty());
  CHECK(r.certificates.size() == 20);
  REQUIRE(expired(r) == 1);
  for (const auto& c : r.certificates) {
    if (c.cert.not_after_unix < kNow) CHECK(c.cert.subject_cn == "kube-apiserver");
  }

  const Tree broken = kubeadm_control_plane(Variant::one_unreadable);
  const tls::LoadResult b = load(broken, true);
  CHECK(errors(broken, b) == std::vector<std::string>{"kubelet.conf not_found"});
  CHECK(b.certificates.size() == 19);
  CHECK(skipped(b).at("private_key") == 11);
}

TEST_CASE("a ** glob below a kubeadm tree finds pki/ itself and pki/etcd") {
  const Tree t = kubeadm_control_plane(Variant::all_fine);
  const tls::LoadResult r = load(t, false, {t.root + "/pki/**/*.crt"});
  CHECK(errors(t, r).empty());
  // Sorted as the glob's matches are.
  CHECK(found(t, r) == std::vector<std::string>{
                           "pki/apiserver-etcd-client.crt kube-apiserver-etcd-client",
                           "pki/apiserver-kubelet-client.crt kube-apiserver-kubelet-client",
                           "pki/apiserver.crt kube-apiserver",
                           "pki/ca.crt kubernetes",
                           "pki/etcd/ca.crt etcd-ca",
                           "pki/etcd/healthcheck-client.crt kube-etcd-healthcheck-client",
                           "pki/etcd/peer.crt node1",
                           "pki/etcd/server.crt node1",
                           "pki/front-proxy-ca.crt front-proxy-ca",
                           "pki/front-proxy-client.crt front-proxy-client",
                       });
  CHECK(r.skipped.empty());
  // Keys by glob are skipped, as in a directory.
  const tls::LoadResult keys = load(t, false, {t.root + "/pki/**/*.key"});
  CHECK(keys.errors.empty());
  CHECK(skipped(keys) == std::map<std::string, int>{{"private_key", 11}});
}

TEST_CASE("include and exclude on a kubeadm tree") {
  const Tree t = kubeadm_control_plane(Variant::all_fine);
  tls::SourceOptions options;
  options.recursive = true;
  options.exclude = {"pki/**", "manifests/*"};
  tls::LoadResult r = tls::load_sources({t.root}, options);
  CHECK(r.errors.empty());
  CHECK(found(t, r) == kKubeconfigs);
  CHECK(skipped(r) == std::map<std::string, int>{{"excluded", 26}});

  options.exclude = {};
  options.include = {"**/*.crt"};
  r = tls::load_sources({t.root}, options);
  CHECK(r.errors.empty());
  CHECK(found(t, r) == kPki);
  CHECK(skipped(r) == std::map<std::string, int>{{"excluded", 21}});

  // The broken kubelet.conf reference is inside kubelet.conf: excluding the file removes it.
  const Tree broken = kubeadm_control_plane(Variant::one_unreadable);
  options.include = {};
  options.exclude = {"kubelet.conf"};
  r = tls::load_sources({broken.root}, options);
  CHECK(r.errors.empty());
  CHECK(r.certificates.size() == 18);
}

TEST_CASE("a kubelet directory: the current client link read once, env and config skipped") {
  const Tree t = kubelet_pki(Variant::all_fine);
  const tls::LoadResult r = load(t, true);
  CHECK(errors(t, r).empty());
  // The current rotation under the link's name, the one before it passed over.
  CHECK(found(t, r) == std::vector<std::string>{"pki/kubelet-client-current.pem system:node:node1",
                                                "pki/kubelet.crt node1@1790000000"});
  CHECK(skipped(r) ==
        std::map<std::string, int>{
            {"env_file", 1}, {"kubernetes_objects", 1}, {"private_key", 1}, {"superseded", 1}});
  CHECK(expired(r) == 0);
  // Named, the link is read under its own name.
  const tls::LoadResult current = load(t, false, {t.path("pki/kubelet-client-current.pem")});
  REQUIRE(current.certificates.size() == 1);
  CHECK(current.certificates[0].location.filepath == t.path("pki/kubelet-client-current.pem"));

  const Tree old = kubelet_pki(Variant::one_expired);
  const tls::LoadResult o = load(old, true);
  CHECK(o.errors.empty());
  REQUIRE(expired(o) == 1);
  CHECK(o.certificates[1].cert.not_after_unix < kNow);  // kubelet.crt

  const Tree broken = kubelet_pki(Variant::one_unreadable);
  const tls::LoadResult b = load(broken, true);
  CHECK(errors(broken, b) ==
        std::vector<std::string>{"pki/kubelet-client-current.pem broken_symlink"});
  CHECK(found(broken, b) == std::vector<std::string>{"pki/kubelet.crt node1@1790000000"});
}

TEST_CASE("a Secret volume: tls.crt and ca.crt under their visible names, tls.key skipped") {
  for (const bool recursive : {false, true}) {
    INFO("recursive " << recursive);
    const Tree t = secret_volume(Variant::all_fine);
    const tls::LoadResult r = load(t, recursive);
    CHECK(errors(t, r).empty());
    CHECK(found(t, r) ==
          std::vector<std::string>{"ca.crt secret-ca", "tls.crt metrics.monitoring.svc"});
    REQUIRE(r.skipped.size() == 1);
    CHECK(r.skipped[0].source == t.path("tls.key"));
    CHECK(r.skipped[0].kind == "private_key");
  }
  const Tree old = secret_volume(Variant::one_expired);
  const tls::LoadResult o = load(old, false);
  CHECK(o.errors.empty());
  REQUIRE(o.certificates.size() == 2);
  CHECK(o.certificates[1].cert.not_after_unix < kNow);

  const Tree broken = secret_volume(Variant::one_unreadable);
  const tls::LoadResult b = load(broken, false);
  CHECK(errors(broken, b) == std::vector<std::string>{"ca.crt broken_symlink"});
  CHECK(found(broken, b) == std::vector<std::string>{"tls.crt metrics.monitoring.svc"});
  CHECK(skipped(b) == std::map<std::string, int>{{"private_key", 1}});
}

TEST_CASE("a system store: each CA once through its links, again in the bundle, no error") {
  const std::regex hash_link("[0-9a-f]{8}\\.0");
  const auto check_store = [&](const Tree& t, const tls::LoadResult& r, int cas) {
    std::map<std::string, int> rows;  // CN -> rows outside the bundle
    std::size_t in_bundle = 0;
    for (const core::LocatedCert& c : r.certificates) {
      const std::string name = c.location.filepath.substr(t.root.size() + 1);
      INFO(name << " " << c.cert.subject_cn);
      if (name == "ca-certificates.crt") {
        ++in_bundle;
        continue;
      }
      CHECK((std::regex_match(name, hash_link) || name == c.cert.subject_cn + ".pem"));
      ++rows[c.cert.subject_cn];
    }
    CHECK(in_bundle == 3);
    CHECK(rows.size() == static_cast<std::size_t>(cas));
    for (const auto& [cn, n] : rows) CHECK(n == 1);
  };
  const Tree t = system_store(Variant::all_fine);
  const tls::LoadResult r = load(t, false);
  CHECK(errors(t, r).empty());
  CHECK(r.skipped.empty());
  CHECK(r.certificates.size() == 6);
  check_store(t, r, 3);

  const Tree old = system_store(Variant::one_expired);
  const tls::LoadResult o = load(old, false);
  CHECK(o.errors.empty());
  CHECK(expired(o) == 2);  // its own file and the bundle

  const Tree broken = system_store(Variant::one_unreadable);
  const tls::LoadResult b = load(broken, false);
  REQUIRE(b.errors.size() == 1);
  CHECK(b.errors[0].reason == "broken_symlink");
  CHECK(std::regex_match(b.errors[0].source.substr(broken.root.size() + 1), hash_link));
  CHECK(b.certificates.size() == 5);
  check_store(broken, b, 2);
}
