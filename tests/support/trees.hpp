// Certificate trees as people have them on disk, built by code for inspect's and serve's tests
// (issue 12): a kubeadm control plane, a kubelet's pki/, a Kubernetes Secret volume and a copy of
// Debian's system store. Each is written into its own temporary directory (removed with the
// Tree) in one of three variants:
//   all_fine        every certificate valid at kNow with more than 30 days left
//                   (CAs kNow-365d .. kNow+3650d, leaves kNow-100d .. kNow+300d)
//   one_expired     one certificate expired at kNow (kNow-400d .. kNow-1d), named per tree below
//   one_unreadable  one input cannot be read, named per tree below.
// "Unreadable" is a file that cannot be opened however privileged the reader: tests run as root,
// for whom chmod 000 blocks nothing, so every tree uses a symbolic link whose target is gone, as
// a rotation or a removal leaves it (permission_denied itself is tested with FakeFileSystem's
// deny()). Not thread-safe per object.
#pragma once

#include <memory>
#include <string>

#include "pki.hpp"

namespace promtls::test {

enum class Variant { all_fine, one_expired, one_unreadable };

struct Tree {
  std::unique_ptr<TempDir> dir;
  std::string root;  // the directory a user points inspect at
  // `below` the root: root + "/" + below.
  std::string path(const std::string& below) const { return root + "/" + below; }
};

// A kubeadm control-plane node. Root: <dir>/etc/kubernetes, holding
//   admin.conf controller-manager.conf scheduler.conf super-admin.conf (kubeconfigs with
//     certificate-authority-data and client-certificate-data/client-key-data embedded),
//   kubelet.conf (the CA embedded; client-certificate and client-key referring to
//     <dir>/var/lib/kubelet/pki/kubelet-client-current.pem, as kubeadm writes it),
//   manifests/{etcd,kube-apiserver,kube-controller-manager,kube-scheduler}.yaml (static Pods),
//   pki/{ca,apiserver,apiserver-kubelet-client,apiserver-etcd-client,front-proxy-ca,
//     front-proxy-client}.{crt,key}, pki/sa.key, pki/sa.pub,
//   pki/etcd/{ca,server,peer,healthcheck-client}.{crt,key};
// and <dir>/var/lib/kubelet as kubelet_pki() builds it. 20 certificates below the root (two in
// each kubeconfig, ten in pki/), 11 private keys, 1 public key, 4 static-pod manifests.
// one_expired: pki/apiserver.crt. one_unreadable: kubelet-client-current.pem dangles, so
// kubelet.conf's client certificate cannot be read (kubelet_pki()'s one_unreadable).
Tree kubeadm_control_plane(Variant variant);

// Adds to kubeadm_control_plane()'s tree what `kubeadm upgrade apply` leaves in
// /etc/kubernetes/tmp and never removes (kubernetes/kubernetes#125357), for two upgrades:
// tmp/kubeadm-backup-etcd-<date>/etcd/member/{snap/db, snap/*.snap, wal/*.wal, wal/0.tmp}
// (binary junk standing for etcd's data, no certificate) and
// tmp/kubeadm-backup-manifests-<date>/kube-apiserver.yaml (a static Pod).
void add_kubeadm_upgrade_backups(const Tree& t);

// A kubelet's directory. Root: <dir>/var/lib/kubelet, holding config.yaml (a
// KubeletConfiguration), kubeadm-flags.env, and pki/ with kubelet.crt and kubelet.key (the
// self-signed serving pair), kubelet-client-2026-11-30-10-00-00.pem (client certificate and key
// in one file), kubelet-client-current.pem, an absolute link to it as the kubelet writes it, and
// kubelet-client-2025-11-30-10-00-00.pem, the rotation before, expired (superseded: not read).
// 2 certificates, 1 private key, 1 env file, 1 Kubernetes object, 1 superseded rotation.
// one_expired: pki/kubelet.crt. one_unreadable: the current dated client file is gone,
// kubelet-client-current.pem dangles.
Tree kubelet_pki(Variant variant);

// A Secret volume as the kubelet's atomic writer lays it out. Root: <dir>/secret, holding
// ..2026_11_30_10_00_00.123456789/{tls.crt,tls.key,ca.crt}, ..data linking to that directory,
// and the visible tls.crt, tls.key, ca.crt linking through ..data. 2 certificates (ca.crt,
// tls.crt), 1 private key. one_expired: tls.crt. one_unreadable: ca.crt was removed from the
// Secret and the data directory, its visible link dangles.
Tree secret_volume(Variant variant);

// Debian's system store. Root: <dir>/etc/ssl/certs, holding Promtls_Root_CA_{1,2,3}.pem linking
// to <dir>/usr/share/ca-certificates/mozilla/Promtls_Root_CA_{1,2,3}.crt, OpenSSL hash links
// (X509_subject_name_hash, "%08lx.0") to the .pem names, and ca-certificates.crt, the bundle of
// all three. 6 certificate rows (the three CAs through their first names, the hash links, and
// again in the bundle). one_expired: Promtls_Root_CA_2. one_unreadable: Promtls_Root_CA_3.pem
// and its .crt were removed without c_rehash, its hash link dangles (the bundle still holds it).
Tree system_store(Variant variant);

// OpenSSL subject hash of `cert` as c_rehash names links: "%08lx".
std::string subject_hash(const Cert& cert);

// A PKCS#10 request for `cn` signed by `key`, and a CRL issued by `ca` (lastUpdate kNow-1d,
// nextUpdate kNow+6d), each as PEM or DER.
std::string csr(const Key& key, const std::string& cn, bool der = false);
std::string crl(const Authority& ca, bool der = false);

// Standard base64 with padding (RFC 4648 §4), as kubeconfigs and Secrets carry values.
std::string base64(const std::string& bytes);

}  // namespace promtls::test
