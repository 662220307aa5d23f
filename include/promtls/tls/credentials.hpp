// Reloadable server credentials: the current ServerContext plus a cheap change check on the
// certificate, key and CA files.
//
// poll() stats the files (following symlinks, so Kubernetes' atomic `..data` symlink swap of a
// Secret volume is a change) at most once per `min_interval`, and rebuilds the context when their
// identity (device, inode, size, mtime, ctime, mode) changed: a chmod that fixes a refused key
// is a change; reload() rebuilds unconditionally (SIGHUP).
// A replacement that fails to build (unparseable, key mismatch, world-writable key) keeps the old
// context; the failure is counted and its message kept for the log. Handshakes that already
// started keep the context they began with (shared ownership).
//
// Not synchronised: call from one thread (the server's I/O thread). current() returns a shared
// pointer that may be handed to other threads.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "promtls/core/config.hpp"
#include "promtls/tls/context.hpp"

namespace promtls::tls {

class Credentials {
 public:
  // Builds the first context; throws promtls::Error like ServerContext::build().
  explicit Credentials(core::TlsConfig config, ServerContextOptions options = {},
                       std::chrono::milliseconds min_interval = std::chrono::seconds(1));

  struct Outcome {
    bool attempted = false;  // false: nothing changed (or checked too recently)
    bool ok = false;
    std::string message;  // why a reload failed, or what was loaded
  };

  // Rebuilds when the files changed since the last attempt and `now` is at least min_interval
  // after the previous check.
  Outcome poll(std::chrono::steady_clock::time_point now);
  // Rebuilds now, changed or not.
  Outcome reload();

  std::shared_ptr<const ServerContext> current() const { return current_; }
  std::uint64_t reloads_ok() const { return reloads_ok_; }
  std::uint64_t reloads_failed() const { return reloads_failed_; }
  // Notes from the last successful build (settings adjusted to the linked library).
  const std::vector<std::string>& notes() const { return notes_; }

 private:
  struct FileId {
    std::uint64_t dev = 0, ino = 0, size = 0;
    std::int64_t mtime_ns = 0;
    std::int64_t ctime_ns = 0;
    unsigned mode = 0;
    int error = 0;
    bool operator==(const FileId&) const = default;
  };
  std::vector<FileId> identify() const;
  Outcome rebuild(std::vector<FileId> ids);

  core::TlsConfig config_;
  ServerContextOptions options_;
  std::chrono::milliseconds min_interval_;
  std::chrono::steady_clock::time_point last_check_{};
  std::vector<FileId> ids_;
  std::shared_ptr<const ServerContext> current_;
  std::vector<std::string> notes_;
  std::uint64_t reloads_ok_ = 0;
  std::uint64_t reloads_failed_ = 0;
};

}  // namespace promtls::tls
