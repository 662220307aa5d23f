// The parts of the certificate sources (sources.hpp), one file per job: sniffing and the walk in
// sources.cpp, PKCS#12 in source_pkcs12.cpp, Kubernetes objects and kubeconfigs in
// source_kube.cpp. Internal to the tls layer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "promtls/core/fs.hpp"
#include "promtls/core/json_stream.hpp"
#include "promtls/tls/sources.hpp"

namespace promtls::tls::detail {

// True when `bytes` holds a BEGIN line of a certificate block (is_certificate_block()).
bool has_pem_certificate(std::string_view bytes);

// Certificates in one value (PEM, or one DER certificate when `der_ok`); `bad` counts the
// certificate blocks that do not parse.
std::vector<core::CertInfo> certificates_in(std::string_view bytes, bool der_ok, std::size_t& bad);

// PKCS#12: false when `bytes` is not PKCS#12; otherwise its certificates (or the error) are in
// `out`.
bool load_pkcs12(std::string_view bytes, const std::string& source, const SourceOptions& options,
                 LoadResult& out);
// The same for a PKCS#12 value inside another object (a Secret key): errors name `source` and
// begin with `what`; each certificate gets `location` with embedded_kind "pkcs12" and
// embedded_key its index.
bool load_pkcs12(std::string_view bytes, const std::string& source, const std::string& what,
                 const core::CertLocation& location, const SourceOptions& options, LoadResult& out);

// Java keystores (JKS, JCEKS; source_keystore.cpp): false when `bytes` does not begin with
// either magic number; otherwise the certificates of their trusted-certificate and private-key
// entries, or the error (bad_keystore, bad_passphrase), are in `out`. Each certificate's
// location is `location` (the file alone in the first form) with embedded_kind "jks" or "jceks"
// and embedded_key the entry alias. The integrity digest must match the empty password or one of
// options.passwords.
bool load_keystore(std::string_view bytes, const std::string& source, const SourceOptions& options,
                   LoadResult& out);
bool load_keystore(std::string_view bytes, const std::string& source, const std::string& what,
                   const core::CertLocation& location, const SourceOptions& options,
                   LoadResult& out);

// Kubernetes objects: JSON, or YAML whose top level names a kind, an apiVersion or kubeconfig
// lists.
bool looks_like_documents(std::string_view bytes);

// What a file without certificates holds, as a SkippedFile kind (sources.hpp), or "" when it is
// not one of the things that are not meant to hold certificates:
// pem_kind: every PEM block is a private key, public key, CSR, CRL or key parameters
//   (private_key, public_key, certificate_request, crl, key_parameters; the first block names
//   the file, parameters yield to a key beside them);
// der_kind: the whole of `bytes` is one DER CRL, CSR, public key or (encrypted) private key;
// looks_like_env_file: text of NAME=value lines (comments, blank lines, "export " allowed);
// kubernetes_objects: YAML or JSON documents that all name a kind and an apiVersion.
std::string_view pem_kind(std::string_view bytes);
std::string_view der_kind(std::string_view bytes);
bool looks_like_env_file(std::string_view bytes);
bool kubernetes_objects(std::string_view bytes);

// Secrets, ConfigMaps and kubeconfigs in `bytes`; kubeconfig file references are read through
// `fs`; keystores in Secret and ConfigMap values are opened with options.passwords. False when
// none of the documents is one of them.
bool load_documents(std::string_view bytes, const std::string& source, core::FileSystem& fs,
                    LoadResult& out, const SourceOptions& options = {});

enum class StreamFormat { json, yaml };

// How a stream ended: read (perhaps with errors of its items), malformed (`out` holds every
// earlier item's results and the error), or, for YAML, at a second document (`out` untouched:
// only the whole-stream reader reads several documents).
enum class StreamEnd { read, malformed, several_documents };

// Kubernetes JSON or YAML read as a stream (core/json_stream.hpp): the items of a List one at a
// time, each at most `max_item_bytes` long (a longer one is a too_large error, the others are
// read), with the results load_file() gives for the same bytes read whole (`walked` as there).
// Malformed input: the error, with its line, column and the number of items before it.
StreamEnd load_json_stream(const core::JsonInput& input, const std::string& source,
                           const SourceOptions& options, bool walked, std::uint64_t max_item_bytes,
                           LoadResult& out, std::size_t buffer_bytes = std::size_t{1} << 20,
                           StreamFormat format = StreamFormat::json);

// Files and standard input larger than this (or than --max-file-size, when that is smaller) are
// streamed: JSON whose first byte is '{', and YAML (a file; standard input when its first
// 8 MiB look like one List: an "items:" line and no document marker after the first line).
inline constexpr std::uint64_t kStreamBytes = 8ull << 20;

// Whether `head`, the start of standard input, is streamed as YAML (kStreamBytes).
bool yaml_list_head(std::string_view head);

// A regular file of the real file system read through load_json_stream(), the limit being
// RealFileSystem::max_file_bytes(). False, with `out` untouched, when the file cannot be opened,
// is malformed JSON that parse_documents() reads whole (YAML that begins with a flow mapping), or
// is YAML of several documents within the limit: the whole-file reader then reads it.
bool stream_file(const std::string& path, const SourceOptions& options, bool walked,
                 LoadResult& out);
// Standard input, of which `head` was read (read_stdin_head(), disk.hpp).
LoadResult stream_stdin(std::string head, const SourceOptions& options);

}  // namespace promtls::tls::detail
