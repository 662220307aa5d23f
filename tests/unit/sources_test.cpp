// Certificate sources beyond plain files: PKCS#12, Kubernetes objects, Secret volumes, globs.
#include "promtls/tls/sources.hpp"

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>

#include "fake_files.hpp"
#include "pki.hpp"
#include "promtls/core/documents.hpp"
#include "promtls/core/fs.hpp"
#include "trees.hpp"

using namespace promtls;
using namespace promtls::test;
namespace fs = std::filesystem;

namespace {

// Standard base64, as Secrets carry values.
std::string b64(const std::string& in) { return promtls::test::base64(in); }

struct Pki {
  Authority ca = Authority::make("src-test-ca");
  Key key{KeyKind::ec_p256};
  Cert leaf = [this] {
    CertSpec spec;
    spec.cn = "svc.example";
    spec.not_after = 1830297600;  // 2028-01-01T00:00:00Z
    return ca.leaf(spec, key);
  }();
};

}  // namespace

TEST_CASE("a PKCS#12 file with a password is read with that password") {
  const Pki pki;
  TempDir dir;
  const std::string path =
      dir.write("bundle.p12", pkcs12(pki.leaf, pki.key, {&pki.ca.cert}, "s3cret"));
  tls::SourceOptions options;
  options.passwords = {"wrong", "s3cret"};
  const auto result = tls::load_sources({path}, options);
  CHECK(result.errors.empty());
  REQUIRE(result.certificates.size() == 2);
  CHECK(result.certificates[0].cert.subject_cn == "svc.example");
  CHECK(result.certificates[1].cert.subject_cn == "src-test-ca");
  CHECK(result.certificates[0].location.embedded_kind == "pkcs12");
}

TEST_CASE("a PKCS#12 file without a password is read with the empty password") {
  const Pki pki;
  TempDir dir;
  const std::string path = dir.write("nopass.p12", pkcs12(pki.leaf, pki.key, {}, ""));
  const auto result = tls::load_sources({path}, {});
  CHECK(result.errors.empty());
  REQUIRE(result.certificates.size() == 1);
  CHECK(result.certificates[0].cert.subject_cn == "svc.example");
}

TEST_CASE("a PKCS#12 file with an unknown password is a bad_passphrase error") {
  const Pki pki;
  TempDir dir;
  const std::string path = dir.write("locked.p12", pkcs12(pki.leaf, pki.key, {}, "s3cret"));
  tls::SourceOptions options;
  options.passwords = {"guess"};
  const auto result = tls::load_sources({path}, options);
  CHECK(result.certificates.empty());
  REQUIRE(result.errors.size() == 1);
  CHECK(result.errors[0].reason == "bad_passphrase");
  CHECK(result.errors[0].message.find(path) == 0);
  CHECK(result.errors[0].message.find("guess") == std::string::npos);
}

TEST_CASE("a Secret list reports tls.crt and ca.crt with labels and the Tigera annotations") {
  const Pki pki;
  const std::string tls_key = pki.key.private_pem();
  const std::string list = R"({"apiVersion":"v1","kind":"List","items":[
    {"apiVersion":"v1","kind":"Secret","type":"kubernetes.io/tls",
     "metadata":{"name":"agree","namespace":"calico-system",
       "labels":{"certificates.operator.tigera.io/signer":"src-test-ca"},
       "annotations":{"certificates.operator.tigera.io/issuer":"src-test-ca",
                      "certificates.operator.tigera.io/expiry":"2028-01-01T00:00:00Z"}},
     "data":{"tls.crt":")" +
                           b64(pki.leaf.pem()) + R"(","tls.key":")" + b64(tls_key) +
                           R"(","ca.crt":")" + b64(pki.ca.cert.pem()) + R"("}},
    {"apiVersion":"v1","kind":"Secret",
     "metadata":{"name":"disagree","namespace":"tigera-operator",
       "annotations":{"certificates.operator.tigera.io/issuer":"someone-else",
                      "certificates.operator.tigera.io/expiry":"2030-01-01T00:00:00Z"}},
     "data":{"tls.crt":")" +
                           b64(pki.leaf.pem()) + R"(","password":"c2VjcmV0"}}]})";
  const auto result = tls::load_bytes(list, "secrets.json");
  CHECK(result.errors.empty());
  REQUIRE(result.certificates.size() == 3);
  const auto& ca = result.certificates[0];  // keys in order: ca.crt, tls.crt
  CHECK(ca.cert.subject_cn == "src-test-ca");
  CHECK(ca.location.secret_key == "ca.crt");
  CHECK(ca.location.secret_name == "agree");
  CHECK(ca.location.secret_namespace == "calico-system");
  CHECK(result.certificates[1].location.secret_key == "tls.crt");
  REQUIRE(result.tigera_secrets.size() == 2);
  CHECK(result.tigera_secrets[0].cert_index == 1);
  CHECK(result.tigera_secrets[0].metadata.has_signer_label);
  CHECK(result.tigera_secrets[0].metadata.issuer == "src-test-ca");
  CHECK(result.tigera_secrets[1].cert_index == 2);
  CHECK(result.tigera_secrets[1].metadata.expiry == "2030-01-01T00:00:00Z");
  CHECK_FALSE(result.tigera_secrets[1].metadata.has_signer_label);
}

TEST_CASE("a Secret value that is not base64 is an error that does not print the value") {
  const std::string yaml =
      "apiVersion: v1\nkind: Secret\nmetadata:\n  name: bad\ndata:\n  tls.crt: "
      "\"!!topsecret!!\"\n";
  const auto result = tls::load_bytes(yaml, "bad.yaml");
  REQUIRE(result.errors.size() == 1);
  CHECK(result.errors[0].reason == "decode_failed");
  CHECK(result.errors[0].message == "bad.yaml: Secret bad key tls.crt: value is not base64");
}

TEST_CASE("multi-document YAML with a Secret and a ConfigMap fills both kinds of labels") {
  const Pki pki;
  std::string pem = pki.ca.cert.pem();
  std::string indented;
  for (std::size_t start = 0; start < pem.size();) {
    const std::size_t end = pem.find('\n', start);
    indented += "    " + pem.substr(start, end - start) + "\n";
    start = end + 1;
  }
  const std::string yaml =
      "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n  namespace: "
      "a\nstringData:\n  ca.crt: |\n" +
      indented +
      "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bundle\n  "
      "namespace: b\ndata:\n  roots.pem: |\n" +
      indented + "  other: plain text\n";
  const auto result = tls::load_bytes(yaml, "objects.yaml");
  CHECK(result.errors.empty());
  REQUIRE(result.certificates.size() == 2);
  CHECK(result.certificates[0].location.secret_name == "s");
  CHECK(result.certificates[1].location.configmap_name == "bundle");
  CHECK(result.certificates[1].location.configmap_namespace == "b");
  CHECK(result.certificates[1].location.configmap_key == "roots.pem");
}

TEST_CASE("a kubeconfig reports embedded and referenced certificates") {
  const Pki pki;
  TempDir dir;
  dir.write("client.crt", pki.leaf.pem());
  const std::string path = dir.write("kubeconfig", R"(apiVersion: v1
kind: Config
clusters:
- name: prod
  cluster:
    server: https://10.0.0.1:6443
    certificate-authority-data: )" + b64(pki.ca.cert.pem()) +
                                                       R"(
users:
- name: admin
  user:
    client-certificate: client.crt
    client-key-data: )" + b64(pki.key.private_pem()) + "\n");
  const auto result = tls::load_sources({path}, {});
  CHECK(result.errors.empty());
  REQUIRE(result.certificates.size() == 2);
  CHECK(result.certificates[0].location.embedded_kind == "kubeconfig");
  CHECK(result.certificates[0].location.embedded_key == "cluster/prod/certificate-authority-data");
  CHECK(result.certificates[1].location.embedded_key == "user/admin/client-certificate");
  CHECK(result.certificates[1].cert.subject_cn == "svc.example");
}

TEST_CASE("a Kubernetes Secret volume reports each certificate once under its visible name") {
  const Pki pki;
  TempDir dir;
  const fs::path vol = dir.path() / "vol";
  dir.write("vol/..2026_11_23_10_00_00.123/tls.crt", pki.leaf.pem());
  dir.write("vol/..2026_11_23_10_00_00.123/ca.crt", pki.ca.cert.pem());
  fs::create_directory_symlink("..2026_11_23_10_00_00.123", vol / "..data");
  fs::create_symlink("..data/tls.crt", vol / "tls.crt");
  fs::create_symlink("..data/ca.crt", vol / "ca.crt");
  for (const bool recursive : {false, true}) {
    tls::SourceOptions options;
    options.recursive = recursive;
    const auto result = tls::load_sources({vol.string()}, options);
    CHECK(result.errors.empty());
    REQUIRE(result.certificates.size() == 2);
    CHECK(result.certificates[0].location.filepath == vol.string() + "/ca.crt");
    CHECK(result.certificates[1].location.filepath == vol.string() + "/tls.crt");
  }
}

// The kubelet's atomic writer between its steps: the next payload written and linked as
// ..data_tmp, then ..data renamed onto it while the old payload is still there (it is removed
// last, and is left behind when the kubelet stops in between).
TEST_CASE("a Secret volume in the middle of a swap reports only what ..data holds") {
  const auto pem = [](const char* cn) { return Authority::make(cn).cert.pem(); };
  TempDir dir;
  const fs::path vol = dir.path() / "vol";
  dir.write("vol/..2026_11_23_10_00_00.1/tls.crt", pem("old-tls"));
  dir.write("vol/..2026_11_23_10_00_00.1/extra.crt", pem("old-extra"));
  dir.write("vol/..2026_11_24_10_00_00.2/tls.crt", pem("new-tls"));
  dir.write("vol/..2026_11_24_10_00_00.2/extra.crt", pem("new-extra"));
  fs::create_directory_symlink("..2026_11_23_10_00_00.1", vol / "..data");
  fs::create_directory_symlink("..2026_11_24_10_00_00.2", vol / "..data_tmp");
  fs::create_symlink("..data/tls.crt", vol / "tls.crt");
  // What load_sources() reads, checked to be what serve's cached loads read too.
  tls::LoadCache cache;
  const auto read = [&](bool recursive) {
    tls::SourceOptions options;
    options.recursive = recursive;
    const auto result = tls::load_sources({vol.string()}, options);
    CHECK(result.errors.empty());
    std::vector<std::string> out;
    for (const auto& c : result.certificates) {
      out.push_back(c.location.filepath.substr(vol.string().size()) + " " + c.cert.subject_cn);
    }
    std::vector<std::string> cached;
    for (const auto& file : tls::load_sources_cached({vol.string()}, options, cache)) {
      for (const auto& c : file->result.certificates) {
        cached.push_back(c.location.filepath.substr(vol.string().size()) + " " + c.cert.subject_cn);
      }
    }
    CHECK(cached == out);
    return out;
  };
  for (const bool recursive : {false, true}) {
    // Before the rename: the old payload only; a file without a visible name under ..data.
    CHECK(read(recursive) ==
          std::vector<std::string>{"/tls.crt old-tls", "/..data/extra.crt old-extra"});
  }
  fs::rename(vol / "..data_tmp", vol / "..data");
  for (const bool recursive : {false, true}) {
    // After it, the old payload not yet removed: only the new one.
    CHECK(read(recursive) ==
          std::vector<std::string>{"/tls.crt new-tls", "/..data/extra.crt new-extra"});
  }
}

TEST_CASE("globs expand, symlink loops end and broken links are reported") {
  const Pki pki;
  TempDir dir;
  dir.write("a/one.pem", pki.leaf.pem());
  dir.write("a/two.pem", pki.ca.cert.pem());
  dir.write("a/skip.txt", "x");
  fs::create_directory_symlink("..", dir.path() / "a" / "loop");
  fs::create_symlink("missing.pem", dir.path() / "a" / "dangling.pem");
  auto result = tls::load_sources({(dir.path() / "a" / "*.pem").string()}, {});
  CHECK(result.certificates.size() == 2);
  REQUIRE(result.errors.size() == 1);
  CHECK(result.errors[0].reason == "broken_symlink");
  tls::SourceOptions recursive;
  recursive.recursive = true;
  result = tls::load_sources({(dir.path() / "a").string()}, recursive);
  CHECK(result.certificates.size() == 2);
  result = tls::load_sources({(dir.path() / "nothing-*.pem").string()}, {});
  REQUIRE(result.errors.size() == 1);
  CHECK(result.errors[0].reason == "not_found");
}

TEST_CASE("a DER certificate file is sniffed by content whatever its name") {
  const Pki pki;
  TempDir dir;
  const std::string path = dir.write("cert.pem", pki.leaf.der());
  const auto result = tls::load_sources({path}, {});
  CHECK(result.errors.empty());
  REQUIRE(result.certificates.size() == 1);
  CHECK(result.certificates[0].cert.subject_cn == "svc.example");
}

namespace {

// A Kubernetes Secret volume as the kubelet's atomic writer lays it out, plus a hidden file, a
// subdirectory and a broken link.
FakeFileSystem secret_volume(const std::string& pem) {
  FakeFileSystem fs;
  fs.file("/vol/..2026_01_01_00_00_00.1/tls.crt", pem);
  fs.link("/vol/..data", "..2026_01_01_00_00_00.1");
  fs.link("/vol/tls.crt", "..data/tls.crt");
  fs.file("/vol/.hidden.pem", pem);
  fs.file("/vol/sub/deep.pem", pem);
  fs.link("/vol/broken.pem", "gone.pem");
  fs.link("/vol/loop", "/vol");
  return fs;
}

struct Walked {
  std::vector<std::string> files;
  std::vector<std::string> errors;  // "path reason"
};

Walked walk(core::FileSystem& fs, std::vector<std::string> paths, bool recursive) {
  Walked out;
  core::walk_paths(fs, paths, core::WalkOptions{recursive},
                   {[&](const std::string& p, const core::FileStat&) { out.files.push_back(p); },
                    [&](const std::string& p, std::string_view reason, const std::string&) {
                      out.errors.push_back(p + " " + std::string(reason));
                    }});
  return out;
}

}  // namespace

TEST_CASE("the walker visits a Secret volume's files once under their visible names") {
  FakeFileSystem fs = secret_volume("x");
  const Walked flat = walk(fs, {"/vol"}, false);
  CHECK(flat.files == std::vector<std::string>{"/vol/.hidden.pem", "/vol/tls.crt"});
  CHECK(flat.errors == std::vector<std::string>{"/vol/broken.pem broken_symlink"});
  const Walked deep = walk(fs, {"/vol"}, true);
  CHECK(deep.files ==
        std::vector<std::string>{"/vol/.hidden.pem", "/vol/tls.crt", "/vol/sub/deep.pem"});
  CHECK(deep.errors == std::vector<std::string>{"/vol/broken.pem broken_symlink"});
}

// The kubelet's --cert-dir after rotations (client-go's certificate store): the dated files
// accumulate and "<prefix>-current.pem" links to the newest, by the node's absolute path.
TEST_CASE("the walker reads a kubelet certificate store's current rotation, not the older ones") {
  const auto store = [](const std::string& dir, const std::string& link_base) {
    FakeFileSystem fs;
    for (const char* stamp :
         {"2024-11-20-10-00-00", "2025-11-15-09-30-12", "2026-11-10-08-00-00"}) {
      fs.file(dir + "/kubelet-client-" + stamp + ".pem", stamp);
    }
    fs.file(dir + "/kubelet-server-2026-01-01-00-00-00.pem", "s1");
    fs.file(dir + "/kubelet-server-2026-07-01-00-00-00.pem", "s2");
    fs.link(dir + "/kubelet-client-current.pem",
            link_base + "kubelet-client-2026-11-10-08-00-00.pem");
    fs.link(dir + "/kubelet-server-current.pem", "kubelet-server-2026-07-01-00-00-00.pem");
    fs.file(dir + "/kubelet.crt", "k");
    return fs;
  };
  struct Seen {
    std::vector<std::string> files, errors, skipped;
  };
  const auto walk_store = [](FakeFileSystem& fs, const std::string& root) {
    Seen out;
    core::walk_paths(fs, {root}, core::WalkOptions{false},
                     {[&](const std::string& p, const core::FileStat&) { out.files.push_back(p); },
                      [&](const std::string& p, std::string_view reason, const std::string&) {
                        out.errors.push_back(p + " " + std::string(reason));
                      },
                      nullptr, nullptr,
                      [&](const std::string& p, std::string_view kind) {
                        out.skipped.push_back(p + " " + std::string(kind));
                      }});
    return out;
  };
  const std::vector<std::string> superseded = {"kubelet-client-2024-11-20-10-00-00.pem superseded",
                                               "kubelet-client-2025-11-15-09-30-12.pem superseded",
                                               "kubelet-server-2026-01-01-00-00-00.pem superseded"};
  const auto below = [](const std::string& root, std::vector<std::string> in) {
    for (std::string& s : in) s = s.substr(root.size() + 1);
    return in;
  };
  {
    // On the node: the absolute link resolves; the current rotations under the links' names.
    const std::string root = "/var/lib/kubelet/pki";
    FakeFileSystem fs = store(root, root + "/");
    const Seen seen = walk_store(fs, root);
    CHECK(below(root, seen.files) == std::vector<std::string>{"kubelet-client-current.pem",
                                                              "kubelet-server-current.pem",
                                                              "kubelet.crt"});
    CHECK(seen.errors.empty());
    CHECK(below(root, seen.skipped) == superseded);
    CHECK(std::count(fs.reads.begin(), fs.reads.end(), root + "/kubelet-client-current.pem") == 0);
  }
  {
    // In a container that mounts the node's directory elsewhere the absolute link dangles:
    // the file it names is read under its own name, and the link is no error.
    const std::string root = "/host/var/lib/kubelet/pki";
    FakeFileSystem fs = store(root, "/var/lib/kubelet/pki/");
    const Seen seen = walk_store(fs, root);
    CHECK(below(root, seen.files) ==
          std::vector<std::string>{"kubelet-client-2026-11-10-08-00-00.pem",
                                   "kubelet-server-current.pem", "kubelet.crt"});
    CHECK(seen.errors.empty());
    CHECK(below(root, seen.skipped) == superseded);
  }
  {
    // A link to a rotation that is gone is a broken link; the older ones are still superseded.
    const std::string root = "/pki";
    FakeFileSystem fs = store(root, root + "/");
    fs.nodes.erase(root + "/kubelet-client-2026-11-10-08-00-00.pem");
    const Seen seen = walk_store(fs, root);
    CHECK(below(root, seen.files) ==
          std::vector<std::string>{"kubelet-server-current.pem", "kubelet.crt"});
    CHECK(below(root, seen.errors) ==
          std::vector<std::string>{"kubelet-client-current.pem broken_symlink"});
    CHECK(below(root, seen.skipped) == superseded);
  }
  {
    // No store without the link: a "-current.pem" that is a file, or none, leaves every dated
    // file to be read.
    FakeFileSystem fs;
    fs.file("/pki/kubelet-client-2025-11-15-09-30-12.pem", "a");
    fs.file("/pki/kubelet-client-2026-11-10-08-00-00.pem", "b");
    fs.file("/pki/kubelet-client-current.pem", "b");
    const Seen seen = walk_store(fs, "/pki");
    CHECK(seen.files.size() == 3);
    CHECK(seen.skipped.empty());
  }
}

TEST_CASE("the walker passes over etcd's data directory, and only that one") {
  FakeFileSystem fs;
  fs.file("/k/tmp/backup/etcd/member/snap/db", "junk");
  fs.file("/k/tmp/backup/etcd/member/wal/0000000000000000-0000000000000000.wal", "junk");
  fs.file("/k/team/member/ca.crt", "x");  // a directory called member that is not etcd's
  fs.file("/k/snaponly/member/snap/ca.crt", "y");
  std::vector<std::string> files, skipped;
  core::walk_paths(
      fs, {"/k"}, core::WalkOptions{true},
      {[&](const std::string& p, const core::FileStat&) { files.push_back(p); },
       [](const std::string&, std::string_view, const std::string&) {}, nullptr, nullptr,
       [&](const std::string& p, std::string_view kind) {
         skipped.push_back(p + " " + std::string(kind));
       }});
  CHECK(files ==
        std::vector<std::string>{"/k/snaponly/member/snap/ca.crt", "/k/team/member/ca.crt"});
  CHECK(skipped == std::vector<std::string>{"/k/tmp/backup/etcd/member etcd_data"});
  // Without -r nothing below is walked, so nothing is passed over either.
  skipped.clear();
  files.clear();
  core::walk_paths(
      fs, {"/k/tmp/backup/etcd"}, core::WalkOptions{false},
      {[&](const std::string& p, const core::FileStat&) { files.push_back(p); }, nullptr, nullptr,
       nullptr, [&](const std::string& p, std::string_view) { skipped.push_back(p); }});
  CHECK(files.empty());
  CHECK(skipped.empty());
}

TEST_CASE("the walker visits a file once across paths and reports missing paths by reason") {
  FakeFileSystem fs = secret_volume("x");
  const Walked w = walk(fs, {"/vol/tls.crt", "/vol/..data/tls.crt", "/vol", "/nope"}, false);
  CHECK(w.files == std::vector<std::string>{"/vol/tls.crt", "/vol/.hidden.pem"});
  CHECK(w.errors == std::vector<std::string>{"/vol/broken.pem broken_symlink", "/nope not_found"});
  core::FsError error{ENOENT, "open", "/nope"};
  CHECK(error.message() == "open /nope: no such file or directory");
  CHECK(error.reason() == "not_found");
  CHECK(core::FsError{EACCES, "open", "/x"}.reason() == "permission_denied");
  CHECK(core::FsError{EISDIR, "read", "/x"}.reason() == "read_failed");
}

TEST_CASE("sources read through the injected file system") {
  Pki pki;
  FakeFileSystem fs = secret_volume(pki.leaf.pem());
  fs.file("/kube/config",
          "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n"
          "    certificate-authority: ca.crt\n");
  fs.file("/kube/ca.crt", pki.ca.cert.pem());
  tls::SourceOptions options;
  options.files = &fs;
  const auto result = tls::load_sources({"/vol", "/kube/config"}, options);
  REQUIRE(result.certificates.size() == 3);
  CHECK(result.certificates[0].location.filepath == "/vol/.hidden.pem");
  CHECK(result.certificates[1].location.filepath == "/vol/tls.crt");
  CHECK(result.certificates[1].cert.subject_cn == "svc.example");
  CHECK(result.certificates[2].cert.subject_cn == "src-test-ca");
  CHECK(result.certificates[2].location.embedded_key == "cluster/c/certificate-authority");
  REQUIRE(result.errors.size() == 1);
  CHECK(result.errors[0].reason == "broken_symlink");
  CHECK(std::find(fs.reads.begin(), fs.reads.end(), "/kube/ca.crt") != fs.reads.end());
}

namespace {

// `pem` with its base64 body cut after `keep` bytes and garbage appended, as a truncated copy or
// a bad paste leaves it.
std::string corrupt(const std::string& pem, std::size_t keep) {
  return pem.substr(0, keep) + "\n!!!!not-base64!!!!\n-----END CERTIFICATE-----\n";
}

}  // namespace

TEST_CASE("a CERTIFICATE block that does not decode is a bad_pem error, never silently dropped") {
  const Pki pki;
  TempDir dir;
  const std::string good = pki.leaf.pem();
  const std::string path = dir.write("bad.crt", corrupt(good, 200));
  const auto alone = tls::load_sources({path}, {});
  CHECK(alone.certificates.empty());
  REQUIRE(alone.errors.size() == 1);
  CHECK(alone.errors[0].reason == "bad_pem");
  CHECK(alone.errors[0].source == path);

  // The blocks around it are still read, and the corrupt one is still counted.
  const std::string mixed = dir.write("mixed.pem", good + corrupt(good, 120) + pki.ca.cert.pem());
  const auto both = tls::load_sources({mixed}, {});
  REQUIRE(both.certificates.size() == 2);
  CHECK(both.certificates[1].cert.subject_cn == "src-test-ca");
  REQUIRE(both.errors.size() == 1);
  CHECK(both.errors[0].message == mixed + ": 1 CERTIFICATE block(s) do not parse");

  // A BEGIN line that never ends is corrupt too, even when another block follows it.
  const std::string unended = good.substr(0, good.find("-----END"));
  const auto cut = tls::load_sources({dir.write("cut.pem", unended + pki.ca.cert.pem())}, {});
  CHECK(cut.certificates.size() == 1);
  REQUIRE(cut.errors.size() == 1);
  CHECK(cut.errors[0].reason == "bad_pem");
}

TEST_CASE("a Secret or ConfigMap value YAML reads as a number or boolean is not a string") {
  // The one scalar rule (core/documents.hpp): what Kubernetes would not take as a string is
  // skipped, quoted or not, in YAML and in JSON alike; a string that holds no certificate under a
  // certificate key is an error.
  for (const std::string& text :
       {std::string("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: m}\n"
                    "data: {ca.crt: 1.5, a.pem: yes, b.crt: 8080, c.crt: ~}\n"),
        std::string(R"({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "m"},)"
                    R"( "data": {"ca.crt": 1.5, "a.pem": true, "b.crt": 8080, "c.crt": null}})")}) {
    INFO(text);
    const auto skipped = tls::load_bytes(text, "m.yaml");
    CHECK(skipped.errors.empty());
    CHECK(skipped.certificates.empty());
  }
  const auto quoted = tls::load_bytes(
      "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: m}\ndata: {ca.crt: \"1.5\"}\n", "m.yaml");
  REQUIRE(quoted.errors.size() == 1);
  CHECK(quoted.errors[0].reason == "no_certificate_found");
  CHECK(quoted.errors[0].message == "m.yaml: ConfigMap m key ca.crt: no certificate in value");
}

TEST_CASE("a PKCS#12 that asks for more than 5,000,000 iterations is refused at once") {
  // 2^31-1 MAC or PBKDF2 rounds pinned a core for minutes per password tried (issue 18).
  const Pki pki;
  TempDir dir;
  const auto started = std::chrono::steady_clock::now();
  SECTION("the MAC's iterations") {
    const std::string path = dir.write(
        "mac.p12", pkcs12_with_mac_iterations(pkcs12(pki.leaf, pki.key, {}, ""), 2147483647));
    const tls::LoadResult result = tls::load_sources({path}, {});
    REQUIRE(result.errors.size() == 1);
    CHECK(result.errors[0].reason == "bad_pkcs12");
    CHECK(result.errors[0].message == path +
                                          ": PKCS#12 asks for 2147483647 key-derivation "
                                          "iterations, more than the 5000000 promtls allows");
  }
  SECTION("a shrouded key bag's PBKDF2 iterations") {
    const std::string path =
        dir.write("bag.p12", pkcs12_with_key_bag_iterations(pki.leaf, 2147483647));
    tls::SourceOptions options;
    options.passwords = {"a", "b"};
    const tls::LoadResult result = tls::load_sources({path}, options);
    REQUIRE(result.errors.size() == 1);
    CHECK(result.errors[0].reason == "bad_pkcs12");
    CHECK(result.errors[0].message.find("asks for 2147483647 key-derivation iterations") !=
          std::string::npos);
  }
  SECTION("at the cap the file is still read") {
    const std::string path = dir.write(
        "cap.p12", pkcs12_with_mac_iterations(pkcs12(pki.leaf, pki.key, {}, ""), 5000000));
    const tls::LoadResult result = tls::load_sources({path}, {});
    REQUIRE(result.errors.size() == 1);
    CHECK(result.errors[0].reason == "bad_passphrase");  // the MAC was computed, and differs
  }
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(30));
}

TEST_CASE("a load asked to stop reads no further file") {
  FakeFileSystem files;
  const Pki pki;
  files.file("/pki/a.crt", pki.leaf.pem());
  files.file("/pki/b.crt", pki.leaf.pem());
  std::atomic<bool> cancel{true};
  tls::SourceOptions options;
  options.files = &files;
  options.cancel = &cancel;
  const tls::LoadResult result = tls::load_sources({"/pki"}, options);
  CHECK(files.reads.empty());
  CHECK(result.certificates.empty());
  cancel = false;
  CHECK(tls::load_sources({"/pki"}, options).certificates.size() == 2);
}

TEST_CASE(
    "a load handed to a sink gives the same certificates, order, errors and Tigera indices "
    "as a collected one") {
  const Pki pki;
  TempDir dir;
  // Over 256 files, so the workers read in parallel while the sink is fed; among them bundles,
  // a Secret list with Tigera annotations, a key (skipped), garbage (an error) and a directory
  // walked on its own later.
  for (int i = 0; i < 300; ++i) {
    CertSpec spec;
    spec.cn = "leaf-" + std::to_string(i);
    spec.not_after = 1830297600 - i * 86400;
    std::string pem = pki.ca.leaf(spec, pki.key).pem();
    if (i % 50 == 7) pem += pki.ca.cert.pem();
    dir.write("tree/d" + std::to_string(i / 100) + "/c" + std::to_string(i) + ".pem", pem);
  }
  dir.write("tree/d1/tls.key", pki.key.private_pem());
  dir.write("tree/d2/garbage.pem",
            "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
  const std::string secrets = R"({"apiVersion":"v1","kind":"List","items":[
    {"apiVersion":"v1","kind":"Secret","metadata":{"name":"a","namespace":"calico-system",
       "annotations":{"certificates.operator.tigera.io/issuer":"src-test-ca"}},
     "data":{"ca.crt":")" + b64(pki.ca.cert.pem()) +
                              R"(","tls.crt":")" + b64(pki.leaf.pem()) + R"("}}]})";
  dir.write("tree/d1/secrets.json", secrets);
  dir.write("other/one.pem", pki.leaf.pem());
  const std::vector<std::string> paths = {(dir.path() / "tree").string(),
                                          (dir.path() / "missing").string(),
                                          (dir.path() / "other").string()};
  tls::SourceOptions options;
  options.recursive = true;
  const tls::LoadResult collected = tls::load_sources(paths, options);

  std::vector<core::LocatedCert> handed;
  std::size_t hint = 0;
  int hints = 0;
  tls::CertificateSink sink;
  sink.files = [&](std::size_t files) {
    hint = files;
    ++hints;
    CHECK(handed.empty());  // before the first certificate
  };
  sink.certificate = [&](core::LocatedCert&& c) { handed.push_back(std::move(c)); };
  const tls::LoadResult streamed = tls::load_sources(paths, options, sink);

  CHECK(streamed.certificates.empty());
  CHECK(hints == 1);
  CHECK(hint >= 303);  // every file and the walk's error slot
  REQUIRE(handed.size() == collected.certificates.size());
  CHECK(handed.size() == 300 + 6 + 2 + 1);  // leaves, bundled CAs, the Secret's two, other/
  for (std::size_t i = 0; i < handed.size(); ++i) {
    INFO(i);
    CHECK(handed[i].cert.sha256_fingerprint == collected.certificates[i].cert.sha256_fingerprint);
    CHECK(handed[i].location.filepath == collected.certificates[i].location.filepath);
    CHECK(handed[i].location.secret_key == collected.certificates[i].location.secret_key);
  }
  REQUIRE(streamed.errors.size() == collected.errors.size());
  CHECK(streamed.errors.size() == 2);  // garbage.pem and the missing path
  for (std::size_t i = 0; i < streamed.errors.size(); ++i) {
    CHECK(streamed.errors[i].source == collected.errors[i].source);
    CHECK(streamed.errors[i].reason == collected.errors[i].reason);
  }
  REQUIRE(streamed.skipped.size() == collected.skipped.size());
  CHECK(streamed.skipped.size() == 1);
  REQUIRE(streamed.tigera_secrets.size() == 1);
  REQUIRE(collected.tigera_secrets.size() == 1);
  CHECK(streamed.tigera_secrets[0].cert_index == collected.tigera_secrets[0].cert_index);
  CHECK(handed[streamed.tigera_secrets[0].cert_index].location.secret_key == "tls.crt");
}

TEST_CASE("a YAML Secret whose keys are quoted, as some writers quote every string, is read") {
  const Pki pki;
  for (const std::string q : {"\"", "'"}) {
    const std::string yaml = q + "apiVersion" + q + ": " + q + "v1" + q + "\n" + q + "kind" + q +
                             ": " + q + "Secret" + q + "\n" + q + "metadata" + q + ":\n  " + q +
                             "name" + q + ": " + q + "web" + q + "\n" + q + "data" + q + ":\n  " +
                             q + "tls.crt" + q + ": " + q + b64(pki.leaf.pem()) + q + "\n";
    INFO(yaml);
    const auto result = tls::load_bytes(yaml, "quoted.yaml");
    REQUIRE(result.certificates.size() == 1);
    CHECK(result.certificates[0].location.secret_name == "web");
    CHECK(result.errors.empty());
  }
}

TEST_CASE("a PEM marker that begins no block (inside a quoted string) is not taken for PEM") {
  const Pki pki;
  // A Secret written as YAML with quoted keys and its PEM in stringData, escapes and all: the
  // marker is in the file, but no PEM block parses. Before, the file gave nothing at all.
  std::string pem = pki.leaf.pem();
  for (std::size_t at = pem.find('\n'); at != std::string::npos; at = pem.find('\n', at + 2)) {
    pem.replace(at, 1, "\\n");
  }
  const std::string yaml =
      "\"kind\": \"Secret\"\n\"apiVersion\": \"v1\"\n\"metadata\":\n"
      "  \"name\": \"sd\"\n\"stringData\":\n  \"tls.crt\": \"" +
      pem + "\"\n";
  const auto result = tls::load_bytes(yaml, "string-data.yaml");
  REQUIRE(result.certificates.size() == 1);
  CHECK(result.certificates[0].location.secret_key == "tls.crt");
  // Text with a marker and nothing else a reader knows is an error, never silence.
  const auto odd = tls::load_bytes("note: \"-----BEGIN CERTIFICATE-----\\nAAAA\"\n", "odd.txt");
  CHECK(odd.certificates.empty());
  REQUIRE(odd.errors.size() == 1);
}
