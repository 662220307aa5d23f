#include "process.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace promtls::test {
namespace {

using Clock = std::chrono::steady_clock;

sockaddr_in loopback(std::uint16_t port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  return addr;
}

}  // namespace

std::vector<char*> c_strings(const std::vector<std::string>& v) {
  std::vector<char*> out;
  out.reserve(v.size() + 1);
  for (const auto& s : v) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

std::uint16_t free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr = loopback(0);
  socklen_t len = sizeof addr;
  const bool ok = fd >= 0 && ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
                  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0;
  if (fd >= 0) ::close(fd);
  if (!ok) throw std::runtime_error("free_port: cannot bind a loopback socket");
  return ntohs(addr.sin_port);
}

Process::Process(ProcessOptions options) : options_(std::move(options)) {
  if (options_.argv.empty()) throw std::runtime_error("Process: empty argv");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  int in[2] = {-1, -1};
  if (options_.stdin_pipe) {
    if (::pipe2(in, O_CLOEXEC) != 0) throw std::runtime_error("Process: pipe");
    posix_spawn_file_actions_adddup2(&actions, in[0], 0);
  } else {
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  }
  // The log is opened in the parent so that a relative path means the test's directory, not
  // the child's working directory.
  const int out =
      options_.log_path.empty()
          ? ::open("/dev/null", O_WRONLY | O_CLOEXEC)
          : ::open(options_.log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (out < 0) throw std::runtime_error("Process: cannot open " + options_.log_path);
  posix_spawn_file_actions_adddup2(&actions, out, 1);
  posix_spawn_file_actions_adddup2(&actions, out, 2);
  if (!options_.cwd.empty()) posix_spawn_file_actions_addchdir_np(&actions, options_.cwd.c_str());
  auto args = c_strings(options_.argv);
  std::vector<char*> envp;
  if (options_.env) envp = c_strings(*options_.env);
  const int rc = ::posix_spawnp(&pid_, args[0], &actions, nullptr, args.data(),
                                options_.env ? envp.data() : environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(out);
  if (in[0] >= 0) ::close(in[0]);
  stdin_fd_ = in[1];
  if (rc != 0) {
    if (stdin_fd_ >= 0) ::close(stdin_fd_);
    pid_ = -1;
    throw std::runtime_error("posix_spawn " + options_.argv[0]);
  }
}

Process::Process(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                 std::string log_path)
    : Process(ProcessOptions{argv, env, "", std::move(log_path)}) {}

Process::~Process() {
  if (pid_ > 0 && !exit_) {
    if (options_.stop_grace_ms > 0) {
      ::kill(pid_, SIGTERM);
      wait(options_.stop_grace_ms);
    }
    if (!exit_) {
      ::kill(pid_, SIGKILL);
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
  }
  if (stdin_fd_ >= 0) ::close(stdin_fd_);
}

void Process::signal(int sig) const {
  if (pid_ > 0 && !exit_) ::kill(pid_, sig);
}

std::optional<int> Process::wait(int timeout_ms) {
  const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  while (!exit_) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      exit_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      break;
    }
    if (Clock::now() >= deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return exit_;
}

std::string Process::log() const {
  if (options_.log_path.empty()) return {};
  std::ifstream in(options_.log_path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

bool Process::wait_for_log(const std::string& needle, int timeout_ms) {
  const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  while (Clock::now() < deadline) {
    if (log().find(needle) != std::string::npos) return true;
    if (wait(0)) return log().find(needle) != std::string::npos;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

bool Process::wait_listening(std::uint16_t port, int timeout_ms) {
  const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  while (Clock::now() < deadline) {
    if (wait(0)) return false;
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const sockaddr_in addr = loopback(port);
    const bool up =
        fd >= 0 && ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0;
    if (fd >= 0) ::close(fd);
    if (up) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

}  // namespace promtls::test
