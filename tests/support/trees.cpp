#include "trees.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cstdio>
#include <filesystem>
#include <stdexcept>

namespace promtls::test {
namespace {

namespace fs = std::filesystem;

constexpr std::int64_t kCaFrom = kNow - 365 * kDay;
constexpr std::int64_t kCaTo = kNow + 3650 * kDay;
constexpr std::int64_t kLeafFrom = kNow - 100 * kDay;
constexpr std::int64_t kLeafTo = kNow + 300 * kDay;
constexpr std::int64_t kExpiredFrom = kNow - 400 * kDay;
constexpr std::int64_t kExpiredTo = kNow - kDay;

[[noreturn]] void fail(const std::string& what) { throw std::runtime_error("test trees: " + what); }

Tree make_tree(const std::string& below) {
  Tree t;
  t.dir = std::make_unique<TempDir>();
  t.root = (t.dir->path() / below).string();
  fs::create_directories(t.root);
  return t;
}

// A leaf for `cn`, expired when `expired`.
Cert leaf(const Authority& ca, const Key& key, const std::string& cn, bool expired = false,
          std::optional<std::string> organization = std::nullopt) {
  CertSpec spec;
  spec.cn = cn;
  spec.organization = std::move(organization);
  spec.not_before = expired ? kExpiredFrom : kLeafFrom;
  spec.not_after = expired ? kExpiredTo : kLeafTo;
  return ca.leaf(spec, key);
}

// A kubeconfig as kubeadm writes it; the user's credentials embedded, or `client_file` referred
// to for both certificate and key (kubelet.conf).
std::string kubeconfig(const Authority& ca, const std::string& user, const Cert* client,
                       const Key* key, const std::string& client_file = {}) {
  std::string out =
      "apiVersion: v1\n"
      "clusters:\n"
      "- cluster:\n"
      "    certificate-authority-data: " +
      base64(ca.cert.pem()) +
      "\n"
      "    server: https://10.0.0.10:6443\n"
      "  name: kubernetes\n"
      "contexts:\n"
      "- context:\n"
      "    cluster: kubernetes\n"
      "    user: " +
      user +
      "\n"
      "  name: " +
      user +
      "@kubernetes\n"
      "current-context: " +
      user +
      "@kubernetes\n"
      "kind: Config\n"
      "preferences: {}\n"
      "users:\n"
      "- name: " +
      user +
      "\n"
      "  user:\n";
  if (client_file.empty()) {
    out += "    client-certificate-data: " + base64(client->pem()) + "\n";
    out += "    client-key-data: " + base64(key->private_pem()) + "\n";
  } else {
    out += "    client-certificate: " + client_file + "\n";
    out += "    client-key: " + client_file + "\n";
  }
  return out;
}

std::string static_pod(const std::string& name, const std::string& args) {
  return "apiVersion: v1\n"
         "kind: Pod\n"
         "metadata:\n"
         "  labels:\n"
         "    component: " +
         name +
         "\n"
         "    tier: control-plane\n"
         "  name: " +
         name +
         "\n"
         "  namespace: kube-system\n"
         "spec:\n"
         "  containers:\n"
         "  - command:\n"
         "    - " +
         name + "\n" + args + "    image: registry.k8s.io/" + name +
         ":v1.31.0\n"
         "    name: " +
         name +
         "\n"
         "    volumeMounts:\n"
         "    - mountPath: /etc/kubernetes/pki\n"
         "      name: k8s-certs\n"
         "      readOnly: true\n"
         "  hostNetwork: true\n"
         "  volumes:\n"
         "  - hostPath:\n"
         "      path: /etc/kubernetes/pki\n"
         "      type: DirectoryOrCreate\n"
         "    name: k8s-certs\n";
}

// `name`.crt (0644) and `name`.key (0600), `name` relative to the tree's directory.
void write_pair(const TempDir& dir, const std::string& name, const Cert& cert, const Key& key) {
  dir.write(name + ".crt", cert.pem(), 0644);
  dir.write(name + ".key", key.private_pem());
}

// The kubelet directory below `dir` (var/lib/kubelet), its client certificate issued by
// `cluster_ca`; `variant` as kubelet_pki() says.
void build_kubelet(const TempDir& dir, Variant variant, const Authority& cluster_ca) {
  const std::string base = "var/lib/kubelet/";
  dir.write(base + "config.yaml",
            "apiVersion: kubelet.config.k8s.io/v1beta1\n"
            "kind: KubeletConfiguration\n"
            "authentication:\n"
            "  x509:\n"
            "    clientCAFile: /etc/kubernetes/pki/ca.crt\n"
            "rotateCertificates: true\n"
            "staticPodPath: /etc/kubernetes/manifests\n",
            0644);
  dir.write(base + "kubeadm-flags.env",
            "KUBELET_KUBEADM_ARGS=\"--container-runtime-endpoint=unix:///var/run/containerd/"
            "containerd.sock --pod-infra-container-image=registry.k8s.io/pause:3.10\"\n",
            0644);
  // The serving pair the kubelet makes for itself: self-signed, "<node>@<unix time>".
  const Key serving_key(KeyKind::ec_p256);
  CertSpec serving;
  serving.cn = "node1@1790000000";
  serving.dns = {"node1"};
  serving.not_before = variant == Variant::one_expired ? kExpiredFrom : kLeafFrom;
  serving.not_after = variant == Variant::one_expired ? kExpiredTo : kLeafTo;
  const Cert serving_cert = issue(serving, serving_key, nullptr, serving_key);
  dir.write(base + "pki/kubelet.crt", serving_cert.pem(), 0644);
  dir.write(base + "pki/kubelet.key", serving_key.private_pem());
  const Key client_key(KeyKind::ec_p256);
  const Cert client = leaf(cluster_ca, client_key, "system:node:node1", false, "system:nodes");
  // The rotation before, expired: the kubelet keeps every one (kubernetes/kubernetes#53027).
  const Key previous_key(KeyKind::ec_p256);
  const Cert previous = leaf(cluster_ca, previous_key, "system:node:node1", true, "system:nodes");
  dir.write(base + "pki/kubelet-client-2025-11-30-10-00-00.pem",
            previous.pem() + previous_key.private_pem());
  const std::string dated = "kubelet-client-2026-11-30-10-00-00.pem";
  if (variant != Variant::one_unreadable) {
    dir.write(base + "pki/" + dated, client.pem() + client_key.private_pem());
  }
  fs::create_symlink(dir.path() / base / "pki" / dated,
                     dir.path() / base / "pki" / "kubelet-client-current.pem");
}

}  // namespace

void add_kubeadm_upgrade_backups(const Tree& t) {
  const std::string tmp = "etc/kubernetes/tmp/";
  std::string junk;
  for (int i = 0; i < 65536; ++i) junk.push_back(static_cast<char>((i * 131) % 251));
  for (const char* stamp : {"2026-08-10-13-09-29", "2026-11-02-09-41-07"}) {
    const std::string etcd = tmp + "kubeadm-backup-etcd-" + stamp + "/etcd/member/";
    t.dir->write(etcd + "snap/db", junk);
    t.dir->write(etcd + "snap/0000000000000002-0000000000000a1b.snap", junk);
    t.dir->write(etcd + "wal/0000000000000000-0000000000000000.wal", junk);
    t.dir->write(etcd + "wal/0.tmp", junk);
    t.dir->write(tmp + "kubeadm-backup-manifests-" + stamp + "/kube-apiserver.yaml",
                 "apiVersion: v1\nkind: Pod\nmetadata:\n  name: kube-apiserver\n"
                 "  namespace: kube-system\nspec:\n  containers:\n  - name: kube-apiserver\n"
                 "    image: registry.k8s.io/kube-apiserver:v1.34.2\n");
  }
}

std::string base64(const std::string& bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()),
                                static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

std::string subject_hash(const Cert& cert) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%08lx",
                X509_subject_name_hash(static_cast<X509*>(cert.native())));
  return buf;
}

std::string csr(const Key& key, const std::string& cn, bool der) {
  X509_REQ* req = X509_REQ_new();
  X509_NAME* name = X509_NAME_new();
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509_REQ_set_subject_name(req, name);
  X509_NAME_free(name);
  auto* pkey = static_cast<EVP_PKEY*>(key.native());
  if (X509_REQ_set_pubkey(req, pkey) != 1 || X509_REQ_sign(req, pkey, EVP_sha256()) <= 0) {
    X509_REQ_free(req);
    fail("CSR");
  }
  BIO* bio = BIO_new(BIO_s_mem());
  if (der) {
    i2d_X509_REQ_bio(bio, req);
  } else {
    PEM_write_bio_X509_REQ(bio, req);
  }
  X509_REQ_free(req);
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<std::size_t>(len));
  BIO_free(bio);
  return out;
}

std::string crl(const Authority& ca, bool der) {
  X509_CRL* c = X509_CRL_new();
  auto* ca_cert = static_cast<X509*>(ca.cert.native());
  X509_CRL_set_version(c, 1);
  X509_CRL_set_issuer_name(c, X509_get_subject_name(ca_cert));
  ASN1_TIME* last = ASN1_TIME_set(nullptr, static_cast<time_t>(kNow - kDay));
  ASN1_TIME* next = ASN1_TIME_set(nullptr, static_cast<time_t>(kNow + 6 * kDay));
  X509_CRL_set1_lastUpdate(c, last);
  X509_CRL_set1_nextUpdate(c, next);
  ASN1_TIME_free(last);
  ASN1_TIME_free(next);
  if (X509_CRL_sign(c, static_cast<EVP_PKEY*>(ca.key.native()), EVP_sha256()) <= 0) {
    X509_CRL_free(c);
    fail("CRL");
  }
  BIO* bio = BIO_new(BIO_s_mem());
  if (der) {
    i2d_X509_CRL_bio(bio, c);
  } else {
    PEM_write_bio_X509_CRL(bio, c);
  }
  X509_CRL_free(c);
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<std::size_t>(len));
  BIO_free(bio);
  return out;
}

Tree kubeadm_control_plane(Variant variant) {
  Tree t = make_tree("etc/kubernetes");
  const Authority ca = Authority::make("kubernetes", KeyKind::ec_p256, kCaFrom, kCaTo);
  const Authority front = Authority::make("front-proxy-ca", KeyKind::ec_p256, kCaFrom, kCaTo);
  const Authority etcd = Authority::make("etcd-ca", KeyKind::ec_p256, kCaFrom, kCaTo);
  const auto pair = [&t](const std::string& below, const Authority& issuer, const std::string& cn,
                         bool expired = false,
                         std::optional<std::string> organization = std::nullopt) {
    const Key key(KeyKind::ec_p256);
    write_pair(*t.dir, "etc/kubernetes/" + below,
               leaf(issuer, key, cn, expired, std::move(organization)), key);
  };
  write_pair(*t.dir, "etc/kubernetes/pki/ca", ca.cert, ca.key);
  pair("pki/apiserver", ca, "kube-apiserver", variant == Variant::one_expired);
  pair("pki/apiserver-kubelet-client", ca, "kube-apiserver-kubelet-client", false,
       "kubeadm:cluster-admins");
  pair("pki/apiserver-etcd-client", etcd, "kube-apiserver-etcd-client");
  write_pair(*t.dir, "etc/kubernetes/pki/front-proxy-ca", front.cert, front.key);
  pair("pki/front-proxy-client", front, "front-proxy-client");
  write_pair(*t.dir, "etc/kubernetes/pki/etcd/ca", etcd.cert, etcd.key);
  pair("pki/etcd/server", etcd, "node1");
  pair("pki/etcd/peer", etcd, "node1");
  pair("pki/etcd/healthcheck-client", etcd, "kube-etcd-healthcheck-client");
  const Key sa(KeyKind::rsa_2048);
  t.dir->write("etc/kubernetes/pki/sa.key", sa.traditional_pem());
  t.dir->write("etc/kubernetes/pki/sa.pub", sa.public_pem(), 0644);

  const auto conf = [&](const std::string& file, const std::string& user,
                        std::optional<std::string> organization) {
    const Key key(KeyKind::ec_p256);
    const Cert client = leaf(ca, key, user, false, std::move(organization));
    t.dir->write("etc/kubernetes/" + file, kubeconfig(ca, user, &client, &key));
  };
  conf("admin.conf", "kubernetes-admin", "kubeadm:cluster-admins");
  conf("super-admin.conf", "kubernetes-super-admin", "system:masters");
  conf("controller-manager.conf", "system:kube-controller-manager", std::nullopt);
  conf("scheduler.conf", "system:kube-scheduler", std::nullopt);
  build_kubelet(*t.dir, variant == Variant::one_unreadable ? variant : Variant::all_fine, ca);
  t.dir->write(
      "etc/kubernetes/kubelet.conf",
      kubeconfig(ca, "system:node:node1", nullptr, nullptr,
                 (t.dir->path() / "var/lib/kubelet/pki/kubelet-client-current.pem").string()));

  t.dir->write("etc/kubernetes/manifests/kube-apiserver.yaml",
               static_pod("kube-apiserver",
                          "    - --client-ca-file=/etc/kubernetes/pki/ca.crt\n"
                          "    - --tls-cert-file=/etc/kubernetes/pki/apiserver.crt\n"
                          "    - --tls-private-key-file=/etc/kubernetes/pki/apiserver.key\n"
                          "    - --service-account-key-file=/etc/kubernetes/pki/sa.pub\n"));
  t.dir->write("etc/kubernetes/manifests/etcd.yaml",
               static_pod("etcd",
                          "    - --cert-file=/etc/kubernetes/pki/etcd/server.crt\n"
                          "    - --key-file=/etc/kubernetes/pki/etcd/server.key\n"
                          "    - --trusted-ca-file=/etc/kubernetes/pki/etcd/ca.crt\n"));
  t.dir->write("etc/kubernetes/manifests/kube-controller-manager.yaml",
               static_pod("kube-controller-manager",
                          "    - --kubeconfig=/etc/kubernetes/controller-manager.conf\n"));
  t.dir->write("etc/kubernetes/manifests/kube-scheduler.yaml",
               static_pod("kube-scheduler", "    - --kubeconfig=/etc/kubernetes/scheduler.conf\n"));
  return t;
}

Tree kubelet_pki(Variant variant) {
  Tree t = make_tree("var/lib/kubelet");
  build_kubelet(*t.dir, variant, Authority::make("kubernetes", KeyKind::ec_p256, kCaFrom, kCaTo));
  return t;
}

Tree secret_volume(Variant variant) {
  Tree t = make_tree("secret");
  const Authority ca = Authority::make("secret-ca", KeyKind::ec_p256, kCaFrom, kCaTo);
  const Key key(KeyKind::ec_p256);
  const std::string data = "..2026_11_30_10_00_00.123456789";
  t.dir->write("secret/" + data + "/tls.crt",
               leaf(ca, key, "metrics.monitoring.svc", variant == Variant::one_expired).pem(),
               0644);
  t.dir->write("secret/" + data + "/tls.key", key.private_pem(), 0644);
  if (variant != Variant::one_unreadable) {
    t.dir->write("secret/" + data + "/ca.crt", ca.cert.pem(), 0644);
  }
  const fs::path root = t.root;
  fs::create_directory_symlink(data, root / "..data");
  for (const char* name : {"ca.crt", "tls.crt", "tls.key"}) {
    fs::create_symlink(std::string("..data/") + name, root / name);
  }
  return t;
}

Tree system_store(Variant variant) {
  Tree t = make_tree("etc/ssl/certs");
  const fs::path mozilla = t.dir->path() / "usr/share/ca-certificates/mozilla";
  std::string bundle;
  for (int i = 1; i <= 3; ++i) {
    const std::string name = "Promtls_Root_CA_" + std::to_string(i);
    const bool expired = variant == Variant::one_expired && i == 2;
    const Authority ca = Authority::make(name, KeyKind::ec_p256, expired ? kExpiredFrom : kCaFrom,
                                         expired ? kExpiredTo : kCaTo);
    bundle += ca.cert.pem();
    fs::create_symlink(name + ".pem", fs::path(t.root) / (subject_hash(ca.cert) + ".0"));
    if (variant == Variant::one_unreadable && i == 3) continue;  // removed, not rehashed
    t.dir->write("usr/share/ca-certificates/mozilla/" + name + ".crt", ca.cert.pem(), 0644);
    fs::create_symlink(mozilla / (name + ".crt"), fs::path(t.root) / (name + ".pem"));
  }
  t.dir->write("etc/ssl/certs/ca-certificates.crt", bundle, 0644);
  return t;
}

}  // namespace promtls::test
