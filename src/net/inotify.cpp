#include "inotify.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <set>
#include <string_view>

namespace promtls::net::detail {

namespace {
constexpr std::uint32_t kMask = IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO |
                                IN_CLOSE_WRITE | IN_MODIFY | IN_ATTRIB | IN_DELETE_SELF |
                                IN_MOVE_SELF | IN_ONLYDIR;
// How long the tree must be quiet after an event before it is read, and the most that waiting
// may take.
constexpr std::chrono::milliseconds kSettle{3};
constexpr std::chrono::milliseconds kSettleLimit{50};
}  // namespace

ChangeWatch::ChangeWatch(bool poll_only) {
  wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (!poll_only) inotify_fd_ = ::inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
}

ChangeWatch::~ChangeWatch() {
  stop_inotify();
  if (wake_fd_ >= 0) ::close(wake_fd_);
}

void ChangeWatch::stop_inotify() {
  if (inotify_fd_ >= 0) ::close(inotify_fd_);
  inotify_fd_ = -1;
  watches_.clear();
}

ChangeWatch::DirKey ChangeWatch::key_of(const std::string& path) {
  struct stat st {};
  DirKey key;
  if (::stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) return key;
  key.exists = true;
  key.dev = static_cast<std::uint64_t>(st.st_dev);
  key.ino = static_cast<std::uint64_t>(st.st_ino);
  key.mtime_ns = static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  key.ctime_ns = static_cast<std::int64_t>(st.st_ctim.tv_sec) * 1000000000 + st.st_ctim.tv_nsec;
  return key;
}

namespace {

// Merges entries for the same path: every name either counts, or all when either counts all.
std::vector<ChangeWatch::Directory> merged(std::vector<ChangeWatch::Directory> in) {
  std::sort(in.begin(), in.end(), [](const auto& a, const auto& b) { return a.path < b.path; });
  std::vector<ChangeWatch::Directory> out;
  std::vector<bool> all;
  for (ChangeWatch::Directory& d : in) {
    if (out.empty() || out.back().path != d.path) {
      all.push_back(d.names.empty());
      out.push_back(std::move(d));
      continue;
    }
    if (d.names.empty()) all.back() = true;
    out.back().names.insert(out.back().names.end(), d.names.begin(), d.names.end());
  }
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (all[i]) out[i].names.clear();
    std::sort(out[i].names.begin(), out[i].names.end());
    out[i].names.erase(std::unique(out[i].names.begin(), out[i].names.end()), out[i].names.end());
  }
  return out;
}

}  // namespace

void ChangeWatch::watch(std::vector<Directory> directories) {
  directories_ = merged(std::move(directories));
  keys_.clear();
  // The directories' facts now: polling compares against them, and with inotify a directory
  // that cannot be watched yet (missing) is polled for its appearance.
  for (const Directory& d : directories_) keys_.push_back(key_of(d.path));
  if (inotify_fd_ < 0) return;
  std::map<std::string, int> next;
  std::map<int, std::vector<std::string>> filters;
  std::set<int> every;  // descriptors that count every name
  for (std::size_t i = 0; i < directories_.size(); ++i) {
    if (!keys_[i].exists) continue;
    const int wd = ::inotify_add_watch(inotify_fd_, directories_[i].path.c_str(), kMask);
    if (wd >= 0) {
      next.emplace(directories_[i].path, wd);
      if (directories_[i].names.empty()) every.insert(wd);
      auto& f = filters[wd];
      f.insert(f.end(), directories_[i].names.begin(), directories_[i].names.end());
    } else if (errno == ENOSPC || errno == ENOMEM) {
      stop_inotify();  // the watch limit: poll the directories instead
      return;
    }
  }
  for (int wd : every) filters[wd].clear();
  for (auto& [wd, names] : filters) std::sort(names.begin(), names.end());
  // Watches of directories no longer walked.
  for (const auto& [path, wd] : watches_) {
    if (filters.count(wd) == 0) ::inotify_rm_watch(inotify_fd_, wd);
  }
  watches_ = std::move(next);
  filters_ = std::move(filters);
}

bool ChangeWatch::counts(const ::inotify_event& e) const {
  // IN_IGNORED alone (a watch removed by watch()) is no change; an overflow may hide anything.
  if ((e.mask & IN_Q_OVERFLOW) != 0) return true;
  if ((e.mask & ~static_cast<std::uint32_t>(IN_IGNORED)) == 0) return false;
  const auto it = filters_.find(e.wd);
  if (it == filters_.end() || it->second.empty() || e.len == 0) return true;
  const std::string_view name(e.name);
  return name.starts_with("..") ||
         std::binary_search(it->second.begin(), it->second.end(), name,
                            [](std::string_view a, std::string_view b) { return a < b; });
}

bool ChangeWatch::drain_events() {
  bool any = false;
  alignas(inotify_event) std::array<char, 16384> buffer;
  for (;;) {
    const ssize_t n = ::read(inotify_fd_, buffer.data(), buffer.size());
    if (n > 0) {
      for (ssize_t at = 0; at < n;) {
        const auto* e = reinterpret_cast<const inotify_event*>(buffer.data() + at);
        if (counts(*e)) any = true;
        at += static_cast<ssize_t>(sizeof(inotify_event) + e->len);
      }
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    return any;
  }
}

bool ChangeWatch::wait(std::chrono::milliseconds timeout) {
  std::array<pollfd, 2> fds{};
  fds[0] = {wake_fd_, POLLIN, 0};
  fds[1] = {inotify_fd_, POLLIN, 0};
  const nfds_t count = inotify_fd_ >= 0 ? 2 : 1;
  const int ms = static_cast<int>(std::min<std::int64_t>(timeout.count(), 1 << 30));
  const int ready = ::poll(fds.data(), count, ms);
  if (ready > 0 && (fds[0].revents & POLLIN) != 0) {
    std::uint64_t ignored = 0;
    [[maybe_unused]] const ssize_t n = ::read(wake_fd_, &ignored, sizeof ignored);
  }
  bool changed = false;
  if (inotify_fd_ >= 0 && ready > 0 && (fds[1].revents & POLLIN) != 0) {
    changed = drain_events();
    // One change is often several events (a write then a chmod; the kubelet's new directory,
    // its files, the `..data` rename): read them as one, once the tree is quiet for a moment.
    const auto until = std::chrono::steady_clock::now() + kSettleLimit;
    pollfd more{inotify_fd_, POLLIN, 0};
    while (std::chrono::steady_clock::now() < until &&
           ::poll(&more, 1, static_cast<int>(kSettle.count())) > 0) {
      changed = drain_events() || changed;
    }
  }
  // Polling: every directory; with inotify only those that were missing or not watchable.
  for (std::size_t i = 0; i < directories_.size(); ++i) {
    if (inotify_fd_ >= 0 && keys_[i].exists && watches_.count(directories_[i].path) != 0) {
      continue;
    }
    DirKey now = key_of(directories_[i].path);
    if (!(now == keys_[i])) {
      keys_[i] = now;
      changed = true;
    }
  }
  return changed;
}

void ChangeWatch::wake() {
  const std::uint64_t one = 1;
  [[maybe_unused]] const ssize_t n = ::write(wake_fd_, &one, sizeof one);
}

}  // namespace promtls::net::detail
