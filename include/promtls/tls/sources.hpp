// Certificate sources: files, directories and other places certificates live, loaded into
// located certificates for inspect and serve --watch.
//
// This version reads PEM and DER files and walks directories. Errors never stop the other
// sources: each becomes a SourceError naming the source and a short reason. Reentrant; call
// from any thread.
#pragma once

#include <string>
#include <vector>

#include "promtls/core/metrics.hpp"

namespace promtls::tls {

struct SourceOptions {
  bool recursive = false;  // descend into subdirectories of directory sources
};

struct SourceError {
  std::string source;   // the path (or object) that failed
  std::string reason;   // stable snake_case: not_found, permission_denied, read_failed,
                        // bad_pem, no_certificate_found, decode_failed, walk_error
  std::string message;  // for people: "open /x: no such file or directory"
};

struct LoadResult {
  std::vector<core::LocatedCert> certificates;  // in source order, bundle order within a file
  std::vector<SourceError> errors;
};

// Loads every certificate from `paths` (files or directories). A file's format is sniffed from
// its content: PEM (every CERTIFICATE block of a bundle) or a single DER certificate.
LoadResult load_sources(const std::vector<std::string>& paths, const SourceOptions& options);

// Loads certificates from bytes already read (stdin, a Secret value); `source` labels them.
LoadResult load_bytes(std::string_view bytes, const std::string& source);

}  // namespace promtls::tls
