// Certificate sources: every place certificates live, loaded into located certificates for
// inspect and serve --watch.
//
// Files are sniffed by content, not name: PEM bundles (every CERTIFICATE block), DER, PKCS#12
// (passwords tried in order, the empty one always; legacy RC2/3DES files through OpenSSL's
// "legacy" provider), Java keystores (JKS, JCEKS: trusted and key-entry chain certificates, the
// integrity digest checked with the same passwords), and Kubernetes objects in YAML or JSON
// (single, multi-document or List): Secrets (data/stringData values that hold certificates,
// base64-decoded), ConfigMaps (data/binaryData) and kubeconfigs (*-data fields and file
// references). Paths are walked by core::PathWalker under the rules of core/fs.hpp (directories,
// recursively on request; symlinks followed; every file read once however many links lead to
// it, so a Kubernetes Secret volume (`tls.crt` -> `..data/tls.crt` ->
// `..2026_01_01_00_00_00.1/tls.crt`) reports each certificate once, under its visible name;
// globs expanded, `**` included); "-" reads standard input. Files are read through
// SourceOptions::files.
//
// What is a source and what is not (issue 12). A file met while walking a directory or expanding
// a glob ("walked") that holds no certificate and is not meant to is a SkippedFile, never an
// error: PEM whose blocks are all private keys, public keys (sa.pub), CSRs, CRLs or key
// parameters (dhparam.pem); the same as one whole DER object; an env file (NAME=value lines,
// kubeadm-flags.env); YAML or JSON documents that all name a kind and an apiVersion but hold no
// certificate (a static-pod manifest, a Deployment, KubeletConfiguration, an Opaque Secret). The
// same file named on the command line (or "-") is an error, no_certificate_found: the user asked
// for certificates there. Errors wherever met: a file that cannot be read (permissions, a broken
// symlink, I/O), a CERTIFICATE block that does not parse (bad_pem), a PKCS#12 that cannot be
// opened, YAML or JSON that does not parse, and anything not identified above (decode_failed):
// random binary or text junk in a certificate directory may be a certificate in a form we do not
// read (truncated DER or PKCS#12, a foreign keystore), and hiding it would turn "broken" into
// "fine" for the cron job that runs inspect; --exclude names what is expected there. A PEM file
// with a block of unknown type ("X509 CERTIFICATE", PGP armour) is no_certificate_found.
// Files that --include/--exclude leave out are not read; each is a SkippedFile of kind
// "excluded", so every file met is accounted for (read, skipped with its kind, or an error); so
// are the kubelet's superseded rotations ("superseded") and etcd's data directories
// ("etcd_data"), core/fs.hpp.
//
// Errors never stop the other sources: each becomes a SourceError naming the source and a short
// reason; so does an exception while reading one file (internal_error): one file never loses the
// others, and never ends serve's watcher. No Secret value or private key ever appears in an error.
// Certificates are read with the fast reader (fast_cert.hpp). Reentrant; call from any thread
// (stdin only from one).
#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "promtls/core/fs.hpp"
#include "promtls/core/license.hpp"
#include "promtls/core/metrics.hpp"
#include "promtls/core/tigera_status.hpp"
#include "promtls/tls/fast_cert.hpp"

namespace promtls::tls {

struct SourceOptions {
  bool recursive = false;  // descend into subdirectories of directory sources
  // Descend into directories that walked links lead to outside the walked root (core/fs.hpp's
  // rule; off: such a link is a symlink_outside_root error).
  bool follow_symlinks = false;
  // Globs (core::glob_match) matched against the path below the walked root: the directory
  // named, or a glob's leading directories ("pki" for "pki/**/*.crt"); "**" matches zero or more
  // directories. A walked file is read when it matches some include (or there is none) and no
  // exclude. Files named on the command line are always read.
  std::vector<std::string> include;
  std::vector<std::string> exclude;
  // PKCS#12 passwords to try after the empty one, in order. Never printed.
  std::vector<std::string> passwords;
  // How much of each file certificate to read (fast_cert.hpp); Kubernetes objects and kubeconfigs
  // are always read in full.
  CertDetail detail = CertDetail::full;
  // Where files are read; null: the real file system (tls::real_file_system(), disk.hpp). Not
  // owned; must outlive the call.
  core::FileSystem* files = nullptr;
  // When set and true, the load stops before its next file and returns what it has (serve's
  // shutdown: a watcher never keeps SIGTERM waiting for the rest of a tree). Not owned.
  const std::atomic<bool>* cancel = nullptr;
};

struct SourceError {
  std::string source;   // the path (or object) that failed
  std::string reason;   // stable snake_case: not_found, permission_denied, read_failed,
                        // bad_pem, no_certificate_found, decode_failed, walk_error,
                        // bad_pkcs12, bad_keystore, bad_passphrase, broken_symlink,
                        // not_regular_file, too_large, symlink_outside_root (core/fs.hpp),
                        // internal_error (reading threw: an allocation failure, a bug)
  std::string message;  // for people: "open /x: no such file or directory"
};

// The Tigera operator metadata of a Secret (spec/tigera-metrics.md §3.2), with the index in
// LoadResult::certificates of the first certificate of its tls.crt (npos when none parsed).
struct TigeraSecret {
  core::TigeraSecretMetadata metadata;
  std::size_t cert_index = static_cast<std::size_t>(-1);
};

// A file met while walking a directory or a glob that holds no certificate and is not meant to:
// only private keys, public keys, CSRs, CRLs, an env file, or Kubernetes objects without
// certificates. Skipped files are counted, never errors (issue 12); a file named on the command
// line that holds no certificate is still an error.
struct SkippedFile {
  std::string source;
  std::string kind;  // stable snake_case: private_key, public_key, certificate_request, crl,
                     // key_parameters, env_file, kubernetes_objects, excluded, superseded (an
                     // older rotation in the kubelet's certificate directory), etcd_data (etcd's
                     // data directory, not descended; core/fs.hpp)
};

struct LoadResult {
  std::vector<core::LocatedCert> certificates;  // in source order, bundle order within a file
  std::vector<SourceError> errors;
  std::vector<SkippedFile> skipped;
  std::vector<TigeraSecret> tigera_secrets;  // Secrets carrying certificates.operator.tigera.io/*
  std::vector<core::TigeraStatus> tigera_statuses;  // operator.tigera.io/v1 TigeraStatus objects
};

// Loads every certificate from `paths` (files, directories, globs, "-" for stdin).
LoadResult load_sources(const std::vector<std::string>& paths, const SourceOptions& options);

// The same load with the certificates handed to a sink in the same order instead of collected
// in LoadResult::certificates (which stays empty), each file's as soon as it and every file
// before it are read, so a large tree's results are never held twice (issue 17). `files` is
// called once, before the first certificate, with the number of files to read (a capacity
// hint). TigeraSecret::cert_index counts the certificates handed over. Both are called on the
// calling thread; `options.cancel` is not honoured.
struct CertificateSink {
  std::function<void(std::size_t files)> files;
  std::function<void(core::LocatedCert&&)> certificate;
};
LoadResult load_sources(const std::vector<std::string>& paths, const SourceOptions& options,
                        const CertificateSink& sink);

// serve's watcher: a load that reads only what changed since the last one.
//
// The identity of a file as the change check sees it: a rename, an in-place write, a chmod (a
// refused key fixed, issue 18) and a chown each change one of these.
struct FileKey {
  std::uint64_t dev = 0, ino = 0, size = 0;
  std::int64_t mtime_ns = 0, ctime_ns = 0;
  unsigned mode = 0;
  bool operator==(const FileKey&) const = default;
};

// One piece of a load, in walk order: a file's results (path set), or the walk errors and
// excluded files met between two files (path empty). Immutable once made; shared by the cache
// and the snapshots that hold it.
struct SourceFile {
  std::string path;
  FileKey key;
  LoadResult result;
  // The file named other files that were read too (a kubeconfig's file references): it is read
  // again at every load, since those files' changes do not show in its key.
  bool depends_on_others = false;
};

// The memo of the last load_sources_cached(): each file's results by path and key, and what the
// walk met (for the watcher's inotify watches). Not thread-safe; one load at a time.
struct LoadCache {
  struct Entry {
    std::shared_ptr<const SourceFile> file;
    std::uint64_t generation = 0;  // the load that last met it
  };
  // Updated in place, so an unchanged file costs a lookup and no allocation.
  std::unordered_map<std::string, Entry> files;
  std::uint64_t generation = 0;
  std::vector<std::string> directories;  // every directory the last walk listed
  // The real parent directory of every file reached through a symbolic link, and every file a
  // file named (kubeconfig references): changes there do not show in the walked directories.
  std::vector<std::string> link_targets;
  std::size_t reads = 0;   // files the last load read (the others came from the cache)
  std::size_t reused = 0;  // files the last load took from the cache
};

// load_sources() over the same walk, in the same order, with the same results (stdin aside),
// except that a file whose path and FileKey (one stat each) are unchanged since the last call
// with `cache` is not read again: its SourceFile is shared from the cache. `cache` is replaced by
// this load's files.
std::vector<std::shared_ptr<const SourceFile>> load_sources_cached(
    const std::vector<std::string>& paths, const SourceOptions& options, LoadCache& cache);

// Loads certificates from bytes already read (stdin, a Secret value); `source` labels them.
LoadResult load_bytes(std::string_view bytes, const std::string& source,
                      const SourceOptions& options = {});

// Kubernetes JSON from bytes already read, the way load_sources() reads a JSON file or standard
// input larger than 8 MiB (or than --max-file-size): streamed, a List's items one at a time, each
// at most `max_item_bytes` long (a longer one is a too_large error), `chunk_bytes` of input at a
// time. The same results as load_bytes() for the same JSON; for malformed JSON, the error (line,
// column, items before it) after every earlier item's results, where load_bytes() gives the
// error alone. For tests, which compare the two.
LoadResult load_json_streamed(std::string_view bytes, const std::string& source,
                              const SourceOptions& options = {},
                              std::size_t chunk_bytes = std::size_t{1} << 20,
                              std::uint64_t max_item_bytes = core::kDefaultMaxFileBytes);

// The same for Kubernetes YAML (a single document; `kubectl get ... -o yaml`). Several documents
// are not streamed: the result is then a too_large error (load_sources() reads such a file whole
// when it may).
LoadResult load_yaml_streamed(std::string_view bytes, const std::string& source,
                              const SourceOptions& options = {},
                              std::size_t chunk_bytes = std::size_t{1} << 20,
                              std::uint64_t max_item_bytes = core::kDefaultMaxFileBytes);

}  // namespace promtls::tls
