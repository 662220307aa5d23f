// Child processes for tests: one class for every program a test starts in the background (promtls
// serve, nginx, openssl s_server, prometheus, node_exporter), and the loopback port helper they
// share. Stops what it starts: the destructor signals the child and reaps it, also when a test
// fails. Not thread-safe per object.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace promtls::test {

// A loopback port that was free a moment ago (bound to port 0, then released). Callers retry
// when a program they start on it cannot bind.
std::uint16_t free_port();

// `v` as the NULL-terminated array of C strings exec and posix_spawn take; the pointers are valid
// while `v` is unchanged.
std::vector<char*> c_strings(const std::vector<std::string>& v);

struct ProcessOptions {
  // argv[0] is a path, or a name looked up in PATH.
  std::vector<std::string> argv;
  // The child's whole environment ("K=V"); nullopt inherits the test's.
  std::optional<std::vector<std::string>> env;
  // The child's working directory; "" keeps the test's.
  std::string cwd;
  // stdout and stderr are appended to this file (created 0600); "" sends them to /dev/null.
  std::string log_path;
  // Keep a pipe on stdin open for the child's lifetime (openssl s_server stops at EOF on stdin);
  // false gives it /dev/null.
  bool stdin_pipe = false;
  // On destruction: SIGTERM, up to this long to exit, then SIGKILL. 0 kills at once.
  int stop_grace_ms = 0;
};

class Process {
 public:
  // Starts the child. Throws std::runtime_error when it cannot be spawned.
  explicit Process(ProcessOptions options);
  // Starts `argv` with exactly `env` as its environment, output appended to `log_path`.
  Process(const std::vector<std::string>& argv, const std::vector<std::string>& env,
          std::string log_path);
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  // Sends `sig` unless the child has been reaped.
  void signal(int sig) const;
  // The exit code (128+N when killed by signal N), or nullopt when still running after
  // `timeout_ms`.
  std::optional<int> wait(int timeout_ms);
  // What the child wrote so far ("" without a log file).
  std::string log() const;
  // Waits until `needle` appears in the log; false after `timeout_ms` or when the child exits
  // without having written it.
  bool wait_for_log(const std::string& needle, int timeout_ms);
  // Waits until 127.0.0.1:`port` accepts TCP connections; false after `timeout_ms` or when the
  // child exits.
  bool wait_listening(std::uint16_t port, int timeout_ms = 10000);

 private:
  ProcessOptions options_;
  pid_t pid_ = -1;
  int stdin_fd_ = -1;
  std::optional<int> exit_;
};

}  // namespace promtls::test
