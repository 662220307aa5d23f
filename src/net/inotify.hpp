// What tells serve's watcher that a watched tree changed: inotify on the directories the last
// load walked (IN_CREATE, IN_DELETE, IN_MOVED_*, IN_CLOSE_WRITE, IN_MODIFY, IN_ATTRIB,
// IN_DELETE_SELF, IN_MOVE_SELF), so an idle tree costs nothing; and where inotify is missing or
// its watch limit (fs.inotify.max_user_watches) is reached, a poll that stats the directories
// (device, inode, mtime, ctime), not every file. A Kubernetes `..data` swap is a rename in the
// volume's directory; a file written in place is an IN_CLOSE_WRITE in its directory; a directory
// that appears later is an IN_CREATE in its watched parent.
//
// Polling by directory does not see a file rewritten in place (its directory does not change):
// the watcher's periodic full check (state.cpp) covers that. Not thread-safe, except wake().
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

struct inotify_event;

namespace promtls::net::detail {

class ChangeWatch {
 public:
  // `poll_only`: never use inotify (tests of the fallback; PROMTLS_WATCH_POLL=1).
  explicit ChangeWatch(bool poll_only);
  ~ChangeWatch();
  ChangeWatch(const ChangeWatch&) = delete;
  ChangeWatch& operator=(const ChangeWatch&) = delete;

  // A directory to watch, and the entry names whose changes count there: empty for every
  // entry (a walked directory), else only these and Kubernetes' ".." entries (the parent of a
  // watched file or root, where other files come and go: a log written beside a watched file
  // must not cost a check per line).
  struct Directory {
    std::string path;
    std::vector<std::string> names;
  };
  // Watches exactly `directories` from now on (paths that do not exist or are not directories
  // are polled for their appearance). Falls back to polling for good when a watch cannot be
  // added for lack of watches. A path listed twice counts every name either entry counts.
  void watch(std::vector<Directory> directories);
  // Waits at most `timeout` (or until wake()); true when something under the watched
  // directories changed since the last call. Events that arrive together are read as one.
  bool wait(std::chrono::milliseconds timeout);
  // Ends a wait() under way at once (thread-safe; the watcher's stop).
  void wake();
  bool polling() const { return inotify_fd_ < 0; }

 private:
  struct DirKey {
    std::uint64_t dev = 0, ino = 0;
    std::int64_t mtime_ns = 0, ctime_ns = 0;
    bool exists = false;
    bool operator==(const DirKey&) const = default;
  };
  static DirKey key_of(const std::string& path);
  bool drain_events();
  bool counts(const ::inotify_event& e) const;
  void stop_inotify();

  int inotify_fd_ = -1;
  int wake_fd_ = -1;                    // an eventfd
  std::vector<Directory> directories_;  // sorted by path, each path once
  std::map<std::string, int> watches_;  // path -> watch descriptor
  // watch descriptor -> the names that count (empty: all); one inode under two paths is one
  // descriptor, and counts what either counts.
  std::map<int, std::vector<std::string>> filters_;
  std::vector<DirKey> keys_;  // polling: each directory's last facts
};

}  // namespace promtls::net::detail
