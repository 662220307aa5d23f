#include "promtls/tls/credentials.hpp"

#include <sys/stat.h>

#include <cerrno>

#include "promtls/core/error.hpp"

namespace promtls::tls {
Credentials::Credentials(core::TlsConfig config, ServerContextOptions options,
                         std::chrono::milliseconds min_interval)
    : config_(std::move(config)), options_(options), min_interval_(min_interval) {
  ids_ = identify();
  std::vector<std::string> notes;
  current_ = ServerContext::build(config_, options_, &notes);
  notes_ = std::move(notes);
  last_check_ = std::chrono::steady_clock::now();
}

std::vector<Credentials::FileId> Credentials::identify() const {
  std::vector<FileId> out;
  for (const std::string* path : {&config_.cert_file, &config_.key_file, &config_.client_ca_file}) {
    FileId id;
    struct stat st {};
    if (path->empty()) {
      // not part of the configuration
    } else if (::stat(path->c_str(), &st) != 0) {
      id.error = errno;
    } else {
      id.dev = static_cast<std::uint64_t>(st.st_dev);
      id.ino = static_cast<std::uint64_t>(st.st_ino);
      id.size = static_cast<std::uint64_t>(st.st_size);
      id.mtime_ns = static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
      // A chmod that fixes a refused key (world-writable) changes only these two (issue 18).
      id.ctime_ns = static_cast<std::int64_t>(st.st_ctim.tv_sec) * 1000000000 + st.st_ctim.tv_nsec;
      id.mode = static_cast<unsigned>(st.st_mode);
    }
    out.push_back(id);
  }
  return out;
}

Credentials::Outcome Credentials::poll(std::chrono::steady_clock::time_point now) {
  if (now - last_check_ < min_interval_) return {};
  last_check_ = now;
  std::vector<FileId> ids = identify();
  if (ids == ids_) return {};
  return rebuild(std::move(ids));
}

Credentials::Outcome Credentials::reload() {
  last_check_ = std::chrono::steady_clock::now();
  return rebuild(identify());
}

Credentials::Outcome Credentials::rebuild(std::vector<FileId> ids) {
  // Remember the identity even when the build fails: a broken replacement is reported once, and
  // the next change (the fix) triggers the next attempt.
  ids_ = std::move(ids);
  Outcome out;
  out.attempted = true;
  try {
    std::vector<std::string> notes;
    auto next = ServerContext::build(config_, options_, &notes);
    current_ = std::move(next);
    notes_ = std::move(notes);
    ++reloads_ok_;
    out.ok = true;
    out.message = "loaded certificate serial " + current_->leaf().serial + " (" +
                  current_->leaf().subject + ")";
  } catch (const Error& e) {
    ++reloads_failed_;
    out.message = e.what();
  }
  return out;
}

}  // namespace promtls::tls
