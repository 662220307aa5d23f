#include "state.hpp"

#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

namespace promtls::net::detail {
namespace fs = std::filesystem;

SourceWatcher::SourceWatcher(std::vector<std::string> paths, bool recursive,
                             std::chrono::milliseconds interval, Logger& log)
    : paths_(std::move(paths)), recursive_(recursive), interval_(interval), log_(log) {}

SourceWatcher::~SourceWatcher() { stop(); }

void SourceWatcher::start() {
  thread_ = std::thread([this] { loop(); });
}

void SourceWatcher::stop() {
  {
    const std::lock_guard lock(mutex_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

std::shared_ptr<const SourceWatcher::Snapshot> SourceWatcher::snapshot() const {
  const std::lock_guard lock(mutex_);
  return snapshot_;
}

std::map<std::pair<std::string, std::string>, std::uint64_t> SourceWatcher::error_counts() const {
  const std::lock_guard lock(mutex_);
  return error_counts_;
}

// The identity of every file under the watched paths (following symlinks, so a Kubernetes
// `..data` swap changes it): path, device, inode, size, mtime.
std::string SourceWatcher::signature() const {
  std::string out;
  auto add = [&out](const std::string& path) {
    struct stat st {};
    out += path;
    if (::stat(path.c_str(), &st) != 0) {
      out += " !\n";
      return;
    }
    out += ' ' + std::to_string(st.st_dev) + ' ' + std::to_string(st.st_ino) + ' ' +
           std::to_string(st.st_size) + ' ' + std::to_string(st.st_mtim.tv_sec) + '.' +
           std::to_string(st.st_mtim.tv_nsec) + '\n';
  };
  for (const std::string& path : paths_) {
    add(path);
    std::error_code ec;
    if (!fs::is_directory(path, ec)) continue;
    const auto opts = fs::directory_options::skip_permission_denied;
    if (recursive_) {
      for (fs::recursive_directory_iterator it(path, opts, ec), end; !ec && it != end;
           it.increment(ec)) {
        add(it->path().string());
      }
    } else {
      for (fs::directory_iterator it(path, opts, ec), end; !ec && it != end; it.increment(ec)) {
        add(it->path().string());
      }
    }
  }
  return out;
}

void SourceWatcher::loop() {
  std::string last;
  bool first = true;
  std::unique_lock lock(mutex_);
  while (!stop_) {
    lock.unlock();
    std::string sig = signature();
    if (first || sig != last) {
      tls::SourceOptions options;
      options.recursive = recursive_;
      tls::LoadResult result = tls::load_sources(paths_, options);
      auto snap = std::make_shared<Snapshot>();
      snap->certificates = std::move(result.certificates);
      snap->errors = std::move(result.errors);
      for (const tls::SourceError& e : snap->errors) {
        log_.log("warning", "source_error",
                 {{"source", e.source}, {"reason", e.reason}, {"msg", e.message}});
      }
      log_.log("info", first ? "sources_loaded" : "sources_reloaded",
               {{"certificates", std::to_string(snap->certificates.size())},
                {"errors", std::to_string(snap->errors.size())}});
      lock.lock();
      for (const tls::SourceError& e : snap->errors) ++error_counts_[{e.source, e.reason}];
      snapshot_ = std::move(snap);
      lock.unlock();
      ++loads_;
      last = std::move(sig);
      first = false;
    }
    lock.lock();
    cv_.wait_for(lock, interval_, [this] { return stop_; });
  }
}

namespace {

core::MetricFamily family(std::string name, std::string help, std::string type) {
  core::MetricFamily f;
  f.name = std::move(name);
  f.help = std::move(help);
  f.type = std::move(type);
  return f;
}

void add(core::MetricFamily& f, double value,
         std::vector<std::pair<std::string, std::string>> labels = {}) {
  f.samples.push_back(core::Sample{std::move(labels), value});
}

}  // namespace

std::string Renderer::render(const RenderInput& in) {
  std::string out;
  if (in.sources != nullptr) {
    auto snap = in.sources->snapshot();
    if (snap != cached_for_ || in.now_unix >= cached_until_) {
      // x509_cert_expired flips when now passes a not_after: cache until the next flip.
      std::int64_t until = std::numeric_limits<std::int64_t>::max();
      if (snap) {
        for (const auto& c : snap->certificates) {
          if (c.cert.not_after_unix >= in.now_unix) {
            until = std::min(until, c.cert.not_after_unix + 1);
          }
        }
        cached_text_ = core::render_exposition(
            core::certificate_families(snap->certificates, in.now_unix), core::ValueFormat::plain);
      } else {
        cached_text_.clear();
      }
      cached_for_ = snap;
      cached_until_ = until;
    }
    out = cached_text_;
  }

  std::vector<core::MetricFamily> fams;
  const ServerCounters& c = *in.counters;
  {
    auto f =
        family("promtls_build_info", "promtls build information; the value is always 1.", "gauge");
    add(f, 1, {{"version", in.version}});
    fams.push_back(std::move(f));
  }
  {
    auto f = family("promtls_tls_handshakes_total",
                    "TLS handshakes by result (success, failure) and failure reason.", "counter");
    for (const auto& [key, n] : c.handshakes) {
      add(f, static_cast<double>(n), {{"result", key.first}, {"reason", key.second}});
    }
    if (!f.samples.empty()) fams.push_back(std::move(f));
  }
  if (in.serving_not_after) {
    auto f = family("promtls_serving_certificate_not_after",
                    "Expiry of the certificate this server presents, as Unix seconds.", "gauge");
    add(f, static_cast<double>(*in.serving_not_after));
    fams.push_back(std::move(f));
    auto r = family("promtls_credential_reloads_total",
                    "Reloads of the serving certificate, key and client CA by result.", "counter");
    add(r, static_cast<double>(c.reloads_failed), {{"result", "failure"}});
    add(r, static_cast<double>(c.reloads_ok), {{"result", "success"}});
    fams.push_back(std::move(r));
  }
  if (in.sources != nullptr) {
    auto f = family("promtls_source_errors_total",
                    "Errors reading watched certificate sources, by source and reason.", "counter");
    for (const auto& [key, n] : in.sources->error_counts()) {
      add(f, static_cast<double>(n), {{"source", key.first}, {"reason", key.second}});
    }
    if (!f.samples.empty()) fams.push_back(std::move(f));
  }
  {
    auto f =
        family("promtls_http_requests_total", "HTTP requests answered, by status code.", "counter");
    for (const auto& [code, n] : c.requests) add(f, static_cast<double>(n), {{"code", code}});
    if (!f.samples.empty()) fams.push_back(std::move(f));
  }
  {
    auto f =
        family("promtls_connections_rejected_total",
               "Connections closed at once because the connection limit was reached.", "counter");
    add(f, static_cast<double>(c.connections_rejected));
    fams.push_back(std::move(f));
    auto o = family("promtls_open_connections", "Connections currently open.", "gauge");
    add(o, static_cast<double>(in.open_connections));
    fams.push_back(std::move(o));
  }
  for (auto& f : process_families()) fams.push_back(std::move(f));
  out += core::render_exposition(fams, core::ValueFormat::plain);
  return out;
}

namespace {

// Boot time (btime in /proc/stat) and this process's start (field 22 of /proc/self/stat), read
// once: /proc/stat is long on many-core hosts and neither value changes.
double process_start_unix() {
  static const double start = [] {
    const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
    std::int64_t boot = 0;
    std::ifstream s("/proc/stat");
    for (std::string line; std::getline(s, line);) {
      if (line.rfind("btime ", 0) == 0) boot = std::stoll(line.substr(6));
    }
    std::ifstream stat_file("/proc/self/stat");
    std::string stat_line;
    std::getline(stat_file, stat_line);
    const auto close = stat_line.rfind(')');
    std::vector<std::string> f;
    if (close != std::string::npos) {
      std::istringstream rest(stat_line.substr(close + 2));
      for (std::string field; rest >> field;) f.push_back(field);
    }
    const double started = f.size() > 19 ? std::stod(f[19]) : 0.0;  // field 22
    return static_cast<double>(boot) + std::floor(started / ticks);
  }();
  return start;
}

}  // namespace

std::vector<core::MetricFamily> process_families() {
  std::vector<core::MetricFamily> out;
  const double page = static_cast<double>(::sysconf(_SC_PAGESIZE));
  struct rusage ru {};
  ::getrusage(RUSAGE_SELF, &ru);
  const double cpu = static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
                     static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
  {
    auto m = family("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.",
                    "counter");
    add(m, cpu);
    out.push_back(std::move(m));
  }
  double vsize = 0, rss = 0;
  {
    std::ifstream statm("/proc/self/statm");
    statm >> vsize >> rss;
  }
  std::size_t fds = 0;
  std::error_code ec;
  for (fs::directory_iterator it("/proc/self/fd", ec), end; !ec && it != end; it.increment(ec)) {
    ++fds;
  }
  struct rlimit rl {};
  ::getrlimit(RLIMIT_NOFILE, &rl);
  auto g = [&out](const char* name, const char* help, double v) {
    auto m = family(name, help, "gauge");
    add(m, v);
    out.push_back(std::move(m));
  };
  g("process_open_fds", "Number of open file descriptors.", static_cast<double>(fds));
  g("process_max_fds", "Maximum number of open file descriptors.",
    static_cast<double>(rl.rlim_cur));
  g("process_resident_memory_bytes", "Resident memory size in bytes.", rss * page);
  g("process_start_time_seconds", "Start time of the process since unix epoch in seconds.",
    process_start_unix());
  g("process_virtual_memory_bytes", "Virtual memory size in bytes.", vsize * page);
  return out;
}

}  // namespace promtls::net::detail
