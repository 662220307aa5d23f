#include "state.hpp"

#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

#include "promtls/core/fs.hpp"
#include "promtls/core/metric_table.hpp"
#include "promtls/core/tigera_status.hpp"
#include "promtls/tls/disk.hpp"
#ifdef PROMTLS_WITH_PROMETHEUS_CPP
#include "prometheus_text.hpp"
#endif

namespace promtls::net::detail {
namespace fs = std::filesystem;

struct SourceWatcher::State {
  State(WatchSpec s, std::chrono::milliseconds i, Logger& l)
      : spec(std::move(s)), interval(i), log(l) {}

  core::FileSystem& files() const {
    return spec.files != nullptr ? *spec.files : tls::real_file_system();
  }
  std::string signature() const;
  void loop();
  // One load: the snapshot, or null when stop was asked for while it ran.
  std::shared_ptr<Snapshot> load(const std::vector<std::string>& roots);

  const WatchSpec spec;
  const std::chrono::milliseconds interval;
  Logger& log;  // used only while stop is false, under `mutex`
  mutable std::mutex mutex;
  std::condition_variable cv;
  bool stop = false;
  bool done = false;                // the thread has ended
  std::atomic<bool> cancel{false};  // tls::SourceOptions::cancel: stop before the next file
  std::shared_ptr<const Snapshot> snapshot;
  std::map<std::pair<std::string, std::string>, std::uint64_t> error_counts;
  std::atomic<std::uint64_t> loads{0};
};

SourceWatcher::SourceWatcher(WatchSpec spec, std::chrono::milliseconds interval, Logger& log)
    : state_(std::make_shared<State>(std::move(spec), interval, log)) {}

SourceWatcher::~SourceWatcher() { stop(); }

void SourceWatcher::start() {
  thread_ = std::thread([state = state_] {
    // The last barrier: what escapes a load's own (an allocation failure while logging) starts
    // the loop afresh rather than ending the process.
    for (;;) {
      try {
        state->loop();
        break;
      } catch (const std::exception&) {
        std::unique_lock lock(state->mutex);
        if (state->cv.wait_for(lock, state->interval, [&state] { return state->stop; })) break;
      }
    }
    const std::lock_guard lock(state->mutex);
    state->done = true;
    state->cv.notify_all();
  });
}

void SourceWatcher::request_stop() {
  {
    const std::lock_guard lock(state_->mutex);
    state_->stop = true;
  }
  state_->cancel = true;
  state_->cv.notify_all();
}

bool SourceWatcher::stop(std::optional<std::chrono::milliseconds> limit) {
  request_stop();
  if (!thread_.joinable()) return true;
  if (limit) {
    std::unique_lock lock(state_->mutex);
    if (!state_->cv.wait_for(lock, *limit, [this] { return state_->done; })) {
      lock.unlock();
      thread_.detach();  // it holds `state_` and ends on its own
      return false;
    }
  }
  thread_.join();
  return true;
}

std::shared_ptr<const SourceWatcher::Snapshot> SourceWatcher::snapshot() const {
  const std::lock_guard lock(state_->mutex);
  return state_->snapshot;
}

std::map<std::pair<std::string, std::string>, std::uint64_t> SourceWatcher::error_counts() const {
  const std::lock_guard lock(state_->mutex);
  return state_->error_counts;
}

std::uint64_t SourceWatcher::loads() const { return state_->loads.load(); }

// The identity of every file the sources read (the walk of core/fs.hpp, following symlinks, so
// a Kubernetes `..data` swap changes it) and of the license files: path, device, inode, size,
// mtime; and the walk's errors, so that fixing one is a change too.
std::string SourceWatcher::State::signature() const {
  std::string out;
  core::FileSystem& fs = files();
  auto add = [&out, &fs](const std::string& path) {
    core::FileStat st;
    core::FsError error;
    out += path;
    if (!fs.stat(path, st, error)) {
      out += " !\n";
      return;
    }
    out += ' ' + std::to_string(st.dev) + ' ' + std::to_string(st.ino) + ' ' +
           std::to_string(st.size) + ' ' + std::to_string(st.mtime_ns) + '\n';
  };
  for (const std::string& path : spec.licenses) add(path);
  core::WalkOptions walk(spec.recursive);
  walk.follow_outside_links = spec.follow_symlinks;
  core::walk_paths(fs, spec.paths, walk,
                   {[&add](const std::string& path, const core::FileStat&) { add(path); },
                    [&out](const std::string& path, std::string_view reason, const std::string&) {
                      out += path + " ! " + std::string(reason) + '\n';
                    }});
  return out;
}

namespace {

// Each license file, read like the certificate sources (only regular files, bounded in size,
// core/fs.hpp); a failure of one, thrown or not, is that file's source error.
void read_licenses(const std::vector<std::string>& paths, core::FileSystem& files,
                   SourceWatcher::Snapshot& snap) {
  for (const std::string& path : paths) {
    try {
      std::string bytes;
      core::FsError error;
      if (!files.read_file(path, bytes, error)) {
        snap.errors.push_back({path, std::string(error.reason()), error.message()});
        continue;
      }
      std::string why;
      if (auto license = core::parse_license(bytes, path, why)) {
        snap.licenses.push_back(std::move(*license));
      } else {
        snap.errors.push_back(tls::SourceError{path, "bad_license", path + ": " + why});
      }
    } catch (const std::exception& e) {
      snap.errors.push_back({path, "internal_error", path + ": reading failed: " + e.what()});
    }
  }
}

bool has_glob_character(std::string_view path) {
  return path.find_first_of("*?[") != std::string_view::npos;
}

// True when `source` is `root` or a path below it (see source_health()).
bool falls_under(const std::string& source, const std::string& root) {
  if (source == root) return true;
  std::string base = root;
  if (has_glob_character(root)) {
    // The directories before the first component with a glob character.
    const std::size_t glob = root.find_first_of("*?[");
    const std::size_t slash = root.rfind('/', glob);
    if (slash == std::string::npos) return source.empty() || source.front() != '/';
    base = root.substr(0, slash + 1);
  }
  if (!base.ends_with('/')) base += '/';
  return source.starts_with(base);
}

}  // namespace

std::vector<std::pair<std::string, bool>> source_health(
    const std::vector<std::string>& roots, const std::vector<tls::SourceError>& errors) {
  std::vector<std::pair<std::string, bool>> out;
  for (const std::string& root : roots) out.emplace_back(root, true);
  for (const tls::SourceError& e : errors) {
    for (auto& [root, up] : out) {
      if (up && falls_under(e.source, root)) up = false;
    }
  }
  return out;
}

std::shared_ptr<SourceWatcher::Snapshot> SourceWatcher::State::load(
    const std::vector<std::string>& roots) {
  auto snap = std::make_shared<Snapshot>();
  try {
    if (!spec.paths.empty()) {
      tls::SourceOptions options;
      options.recursive = spec.recursive;
      options.follow_symlinks = spec.follow_symlinks;
      options.files = spec.files;
      options.cancel = &cancel;
      tls::LoadResult result = tls::load_sources(spec.paths, options);
      if (spec.tigera) {
        // The operator reads Secret annotations and TigeraStatus objects, not certificates
        // (spec §3.1, §3.2).
        for (tls::TigeraSecret& t : result.tigera_secrets) {
          snap->tigera_secrets.push_back(std::move(t.metadata));
        }
        snap->tigera_statuses = std::move(result.tigera_statuses);
      } else {
        snap->certificates = std::move(result.certificates);
      }
      snap->errors = std::move(result.errors);
    }
    if (cancel) return nullptr;
    read_licenses(spec.licenses, files(), *snap);
  } catch (const std::exception& e) {
    // Not one file's failure (those are caught per file): every root is down, and what the
    // last good load found is kept.
    const std::string why = e.what();
    snap = std::make_shared<Snapshot>();
    {
      const std::lock_guard lock(mutex);
      if (snapshot) *snap = *snapshot;
    }
    snap->errors.clear();
    for (const std::string& root : roots) {
      snap->errors.push_back(
          {root, "internal_error", root + ": reading the sources failed: " + why});
    }
  }
  if (cancel) return nullptr;
  return snap;
}

void SourceWatcher::State::loop() {
  std::string last;
  bool first = true;
  bool had_errors = false;
  int raced = 0;
  auto loaded_at = std::chrono::steady_clock::now();
  // Each root once: a path given twice (or as --watch and --license) is one series.
  std::vector<std::string> roots;
  for (const auto* list : {&spec.paths, &spec.licenses}) {
    for (const std::string& p : *list) {
      if (std::find(roots.begin(), roots.end(), p) == roots.end()) roots.push_back(p);
    }
  }
  // A signature that cannot be taken is a change every time: the load then says what failed.
  const auto signed_now = [this]() -> std::string {
    try {
      return signature();
    } catch (const std::exception& e) {
      return std::string("! ") + e.what();
    }
  };
  std::unique_lock lock(mutex);
  while (!stop) {
    lock.unlock();
    std::string sig = signed_now();
    const auto now = std::chrono::steady_clock::now();
    const bool changed = first || sig != last || sig.starts_with("! ");
    const bool retry = !changed && had_errors && now - loaded_at >= spec.retry_interval;
    if (changed || retry) {
      std::shared_ptr<Snapshot> snap = load(roots);
      if (!snap) return;  // stop was asked for
      // A load that raced a change (a Secret volume's old "..<timestamp>" directory removed
      // between listing and reading) is read again at once, uncounted; a few times at most, so
      // files that never stop changing are still reported.
      if (!snap->errors.empty() && raced < 3 && signed_now() != sig) {
        ++raced;
        lock.lock();
        continue;
      }
      raced = 0;
      snap->up = source_health(roots, snap->errors);
      had_errors = !snap->errors.empty();
      loaded_at = now;
      lock.lock();
      if (stop) return;  // the Logger may be gone once stop() stopped waiting
      // A retry logs only its summary: the errors were logged when they appeared.
      if (!retry) {
        for (const tls::SourceError& e : snap->errors) {
          log.log("warning", "source_error",
                  {{"source", e.source}, {"reason", e.reason}, {"msg", e.message}});
        }
      }
      log.log("info",
              first   ? "sources_loaded"
              : retry ? "sources_retried"
                      : "sources_reloaded",
              {{"certificates", std::to_string(snap->certificates.size())},
               {"errors", std::to_string(snap->errors.size())}});
      for (const tls::SourceError& e : snap->errors) ++error_counts[{e.source, e.reason}];
      snapshot = std::move(snap);
      lock.unlock();
      ++loads;
      last = std::move(sig);
      first = false;
    }
    lock.lock();
    cv.wait_for(lock, interval, [this] { return stop; });
  }
}

namespace {

namespace metric = core::metric;

core::MetricFamily family(const core::MetricSpec& spec) { return core::make_family(spec); }

// The exposition of families serve holds: with PROMTLS_PROMETHEUS_CPP through prometheus-cpp's
// TextSerializer (prometheus_text.hpp), else with core::ExpositionWriter; the bytes are the same
// (tests/unit/metric_table_test.cpp).
std::string exposition(const std::vector<core::MetricFamily>& families, core::ValueFormat format) {
#ifdef PROMTLS_WITH_PROMETHEUS_CPP
  return render_with_prometheus_cpp(families, format);
#else
  return core::render_exposition(families, format);
#endif
}

void add(core::MetricFamily& f, double value,
         std::vector<std::pair<std::string, std::string>> labels = {}) {
  f.samples.push_back(core::Sample{std::move(labels), value});
}

}  // namespace

std::string Renderer::render(const RenderInput& in) {
  std::string out;
  if (in.sources != nullptr) {
    const auto snap = in.sources->snapshot();
    if (snap != cached_for_ || in.now_unix >= cached_until_) {
      // x509_cert_expired flips when now passes a not_after: cache until the next flip.
      std::int64_t until = std::numeric_limits<std::int64_t>::max();
      if (snap) {
        for (const auto& c : snap->certificates) {
          if (c.cert.not_after_unix >= in.now_unix) {
            until = std::min(until, c.cert.not_after_unix + 1);
          }
        }
        if (in.tigera) {
          std::vector<core::MetricFamily> tigera{
              core::tigera_certificate_family(snap->tigera_secrets)};
          // Like the operator's collector, no family without a TigeraStatus object.
          if (!snap->tigera_statuses.empty()) {
            tigera.push_back(core::tigera_component_family(snap->tigera_statuses));
          }
          cached_text_ = exposition(tigera, core::ValueFormat::go);
        } else {
          cached_text_ = exposition(core::certificate_families(snap->certificates, in.now_unix),
                                    core::ValueFormat::plain);
        }
      } else {
        cached_text_.clear();
      }
      cached_for_ = snap;
      cached_until_ = until;
    }
    out = cached_text_;
    // License validity flips with time; there are few licenses, so they are rendered each time
    // (from the parsed snapshot, never from the files).
    if (snap && !snap->licenses.empty()) {
      out += in.tigera ? exposition(core::tigera_license_families(snap->licenses, in.now_unix),
                                    core::ValueFormat::go)
                       : exposition(core::license_families(snap->licenses, in.now_unix),
                                    core::ValueFormat::plain);
    }
  }

  std::vector<core::MetricFamily> fams;
  const ServerCounters& c = *in.counters;
  {
    auto f = family(metric::kBuildInfo);
    add(f, 1, {{"version", in.version}});
    fams.push_back(std::move(f));
  }
  {
    auto f = family(metric::kTlsHandshakes);
    for (const auto& [key, n] : c.handshakes) {
      add(f, static_cast<double>(n),
          {{"result", key[0]}, {"reason", key[1]}, {"version", key[2]}, {"group", key[3]}});
    }
    if (!f.samples.empty()) fams.push_back(std::move(f));
  }
  if (in.serving_not_after) {
    auto f = family(metric::kServingCertificateNotAfter);
    add(f, static_cast<double>(*in.serving_not_after));
    fams.push_back(std::move(f));
    auto r = family(metric::kCredentialReloads);
    add(r, static_cast<double>(c.reloads_failed), {{"result", "failure"}});
    add(r, static_cast<double>(c.reloads_ok), {{"result", "success"}});
    fams.push_back(std::move(r));
  }
  if (in.sources != nullptr) {
    auto f = family(metric::kSourceErrors);
    for (const auto& [key, n] : in.sources->error_counts()) {
      add(f, static_cast<double>(n), {{"source", key.first}, {"reason", key.second}});
    }
    if (!f.samples.empty()) fams.push_back(std::move(f));
    auto up = family(metric::kSourceUp);
    if (const auto snap = in.sources->snapshot()) {
      for (const auto& [source, ok] : snap->up) add(up, ok ? 1 : 0, {{"source", source}});
    }
    if (!up.samples.empty()) fams.push_back(std::move(up));
  }
  {
    auto f = family(metric::kHttpRequests);
    for (const auto& [code, n] : c.requests) add(f, static_cast<double>(n), {{"code", code}});
    if (!f.samples.empty()) fams.push_back(std::move(f));
  }
  {
    auto f = family(metric::kConnectionsRejected);
    add(f, static_cast<double>(c.connections_rejected));
    fams.push_back(std::move(f));
    auto e = family(metric::kConnectionsEvicted);
    add(e, static_cast<double>(c.connections_evicted));
    fams.push_back(std::move(e));
    auto o = family(metric::kOpenConnections);
    add(o, static_cast<double>(in.open_connections));
    fams.push_back(std::move(o));
  }
  out += exposition(fams, core::ValueFormat::plain);
  const auto now = std::chrono::steady_clock::now();
  if (process_text_.empty() || now - process_at_ >= std::chrono::seconds(1)) {
    process_text_ = exposition(process_families(), core::ValueFormat::plain);
    process_at_ = now;
  }
  out += process_text_;
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
    auto m = family(metric::kProcessCpuSeconds);
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
  auto g = [&out](const core::MetricSpec& spec, double v) {
    auto m = family(spec);
    add(m, v);
    out.push_back(std::move(m));
  };
  g(metric::kProcessOpenFds, static_cast<double>(fds));
  g(metric::kProcessMaxFds, static_cast<double>(rl.rlim_cur));
  g(metric::kProcessResidentMemory, rss * page);
  g(metric::kProcessStartTime, process_start_unix());
  g(metric::kProcessVirtualMemory, vsize * page);
  return out;
}

}  // namespace promtls::net::detail
