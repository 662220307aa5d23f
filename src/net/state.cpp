#include "state.hpp"

#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <unordered_map>

#include "inotify.hpp"
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
      : spec(std::move(s)), interval(i), log(l), watch(spec.poll_only) {}

  core::FileSystem& files() const {
    return spec.files != nullptr ? *spec.files : tls::real_file_system();
  }
  void loop();
  // One load: the snapshot, or null when stop was asked for while it ran.
  std::shared_ptr<Snapshot> load(const std::vector<std::string>& roots);
  // Pre-renders what changed and assembles the snapshot's text.
  void render(Snapshot& snap, std::int64_t now_unix);
  // The directories whose changes matter after a load.
  std::vector<ChangeWatch::Directory> watched_directories() const;

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
  std::atomic<std::size_t> last_reads{0};
  std::atomic<bool> polling{false};
  // The watcher thread's own.
  ChangeWatch watch;
  tls::LoadCache cache;
  // Each file's pre-rendered sample lines, by its (shared, immutable) SourceFile.
  struct Lines {
    std::shared_ptr<const tls::SourceFile> file;  // keeps the key's object alive
    std::array<std::string, 3> text;              // expired, not_after, not_before
    std::int64_t from = 0, until = 0;             // `expired` is right while from <= now < until
  };
  std::unordered_map<const tls::SourceFile*, Lines> lines;
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
  state_->watch.wake();
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

std::size_t SourceWatcher::last_reads() const { return state_->last_reads.load(); }

bool SourceWatcher::polling() const { return state_->polling.load(); }

std::vector<core::LocatedCert> SourceWatcher::Snapshot::certificates() const {
  std::vector<core::LocatedCert> out;
  out.reserve(certificate_count);
  for (const auto& f : files) {
    out.insert(out.end(), f->result.certificates.begin(), f->result.certificates.end());
  }
  return out;
}

// The identity of every file the sources read (the walk of core/fs.hpp, following symlinks, so
// a Kubernetes `..data` swap changes it) and of the license files: path, device, inode, size,
// mtime; and the walk's errors, so that fixing one is a change too.
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

namespace {

std::string parent_directory(const std::string& path) {
  const std::size_t slash = path.find_last_not_of('/') == std::string::npos
                                ? std::string::npos
                                : path.rfind('/', path.find_last_not_of('/'));
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

bool is_directory(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

}  // namespace

std::vector<ChangeWatch::Directory> SourceWatcher::State::watched_directories() const {
  std::vector<ChangeWatch::Directory> out;
  // Where `path` is, or will appear: its parent (counting only its name), or the nearest
  // existing ancestor (counting only the next name on the way).
  const auto parent_of = [&out](const std::string& path) {
    std::string child = path;
    std::string dir = parent_directory(path);
    for (int i = 0; i < 64 && !is_directory(dir); ++i) {
      const std::string up = parent_directory(dir);
      if (up == dir) break;
      child = dir;
      dir = up;
    }
    const std::size_t slash = child.find_last_not_of('/') == std::string::npos
                                  ? std::string::npos
                                  : child.rfind('/', child.find_last_not_of('/'));
    std::string name = slash == std::string::npos ? child : child.substr(slash + 1);
    while (name.ends_with('/')) name.pop_back();
    out.push_back({dir, {name.empty() ? std::string(".") : name}});
  };
  for (const std::string& d : cache.directories) out.push_back({d, {}});
  for (const std::string& t : cache.link_targets) {
    if (is_directory(t)) {
      out.push_back({t, {}});
    } else {
      parent_of(t);  // a kubeconfig's file reference
    }
  }
  for (const auto& [path, file] : cache.files) parent_of(path);
  for (const auto* list : {&spec.paths, &spec.licenses}) {
    for (const std::string& root : *list) {
      // A glob: its literal directories; a directory root is listed (above); and the root's
      // parent sees the root itself appear, be replaced or removed.
      std::string base = root;
      if (const std::size_t glob = root.find_first_of("*?["); glob != std::string::npos) {
        base = parent_directory(root.substr(0, glob) + "x");
        if (is_directory(base)) out.push_back({base, {}});
      }
      parent_of(base);
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
      snap->files = tls::load_sources_cached(spec.paths, options, cache);
      last_reads = cache.reads;
      for (const auto& f : snap->files) {
        snap->certificate_count += f->result.certificates.size();
        snap->errors.insert(snap->errors.end(), f->result.errors.begin(), f->result.errors.end());
        if (spec.tigera) {
          // The operator reads Secret annotations and TigeraStatus objects, not certificates
          // (spec §3.1, §3.2).
          for (const tls::TigeraSecret& t : f->result.tigera_secrets) {
            snap->tigera_secrets.push_back(t.metadata);
          }
          snap->tigera_statuses.insert(snap->tigera_statuses.end(),
                                       f->result.tigera_statuses.begin(),
                                       f->result.tigera_statuses.end());
        }
      }
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

void SourceWatcher::State::render(Snapshot& snap, std::int64_t now_unix) {
  if (spec.tigera) return;  // few objects: the Renderer renders them whole
  namespace metric = core::metric;
  const std::array<const core::MetricSpec*, 3> specs{
      &metric::kX509CertExpired, &metric::kX509CertNotAfter, &metric::kX509CertNotBefore};
  decltype(lines) next;
  next.reserve(snap.files.size());
  std::int64_t from = std::numeric_limits<std::int64_t>::min();
  std::int64_t until = std::numeric_limits<std::int64_t>::max();
  std::size_t size = 0;
  for (const auto& f : snap.files) {
    if (f->result.certificates.empty()) continue;
    Lines* l = nullptr;
    if (auto it = lines.find(f.get());
        it != lines.end() && it->second.from <= now_unix && now_unix < it->second.until) {
      l = &next.emplace(f.get(), std::move(it->second)).first->second;
    } else {
      l = &next.emplace(f.get(), Lines{f,
                                       {},
                                       std::numeric_limits<std::int64_t>::min(),
                                       std::numeric_limits<std::int64_t>::max()})
               .first->second;
      // The lines certificate_families() would give for these certificates.
      std::array<core::ExpositionWriter, 3> writers{
          core::ExpositionWriter(l->text[0], core::ValueFormat::plain),
          core::ExpositionWriter(l->text[1], core::ValueFormat::plain),
          core::ExpositionWriter(l->text[2], core::ValueFormat::plain)};
      for (const core::LocatedCert& c : f->result.certificates) {
        const auto labels = core::certificate_labels(c);
        const bool expired = c.cert.not_after_unix < now_unix;
        writers[0].sample(specs[0]->name, labels, expired ? 1.0 : 0.0);
        writers[1].sample(specs[1]->name, labels, static_cast<double>(c.cert.not_after_unix));
        writers[2].sample(specs[2]->name, labels, static_cast<double>(c.cert.not_before_unix));
        if (expired) {
          l->from = std::max(l->from, c.cert.not_after_unix + 1);
        } else {
          l->until = std::min(l->until, c.cert.not_after_unix + 1);
        }
      }
    }
    from = std::max(from, l->from);
    until = std::min(until, l->until);
    size += l->text[0].size() + l->text[1].size() + l->text[2].size();
  }
  auto text = std::make_shared<std::string>();
  text->reserve(size + 1024);
  core::ExpositionWriter writer(*text, core::ValueFormat::plain);
  for (std::size_t k = 0; k < specs.size(); ++k) {
    writer.header(*specs[k]);
    for (const auto& f : snap.files) {
      if (const auto it = next.find(f.get()); it != next.end()) *text += it->second.text[k];
    }
  }
  lines = std::move(next);
  snap.text = std::move(text);
  snap.text_from = from;
  snap.text_until = until;
}

void SourceWatcher::State::loop() {
  bool first = true;
  bool had_errors = false;
  int raced = 0;
  auto loaded_at = std::chrono::steady_clock::now();
  auto checked_at = loaded_at;
  // Each root once: a path given twice (or as --watch and --license) is one series.
  std::vector<std::string> roots;
  for (const auto* list : {&spec.paths, &spec.licenses}) {
    for (const std::string& p : *list) {
      if (std::find(roots.begin(), roots.end(), p) == roots.end()) roots.push_back(p);
    }
  }
  bool changed = true;
  std::unique_lock lock(mutex);
  while (!stop) {
    lock.unlock();
    const auto now = std::chrono::steady_clock::now();
    const auto full_every =
        watch.polling() ? spec.poll_full_check_interval : spec.full_check_interval;
    const bool full = now - checked_at >= full_every;
    const bool retry = !changed && had_errors && now - loaded_at >= spec.retry_interval;
    if (changed || full || retry) {
      checked_at = now;
      std::shared_ptr<Snapshot> snap = load(roots);
      if (!snap) return;  // stop was asked for
      watch.watch(watched_directories());
      polling = watch.polling();
      // A load that raced a change (a Secret volume's old "..<timestamp>" directory removed
      // between listing and reading) is read again at once, uncounted; a few times at most, so
      // files that never stop changing are still reported.
      if (!snap->errors.empty() && raced < 3 && watch.wait(std::chrono::milliseconds(0))) {
        ++raced;
        changed = true;
        lock.lock();
        continue;
      }
      raced = 0;
      snap->up = source_health(roots, snap->errors);
      std::shared_ptr<const Snapshot> previous;
      {
        const std::lock_guard guard(mutex);
        previous = snapshot;
      }
      // Nothing changed (a full check, or an event that changed no file): nothing to publish.
      const auto same_errors = [](const std::vector<tls::SourceError>& a,
                                  const std::vector<tls::SourceError>& b) {
        return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](const auto& x, const auto& y) {
          return x.source == y.source && x.reason == y.reason && x.message == y.message;
        });
      };
      // Pieces are the same objects when their files did not change; walk errors are compared
      // with the errors below.
      const auto same_pieces = [](const auto& a, const auto& b) {
        return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](const auto& x, const auto& y) {
          if (x == y) return true;
          if (!x->path.empty() || !y->path.empty()) return false;
          return std::equal(x->result.skipped.begin(), x->result.skipped.end(),
                            y->result.skipped.begin(), y->result.skipped.end(),
                            [](const auto& p, const auto& q) {
                              return p.source == q.source && p.kind == q.kind;
                            });
        });
      };
      const bool same = previous && !retry && same_pieces(previous->files, snap->files) &&
                        same_errors(previous->errors, snap->errors) &&
                        previous->licenses.size() == snap->licenses.size() &&
                        std::equal(previous->licenses.begin(), previous->licenses.end(),
                                   snap->licenses.begin(), [](const auto& x, const auto& y) {
                                     return x.source == y.source && x.kind == y.kind &&
                                            x.package == y.package &&
                                            x.expiry_unix == y.expiry_unix &&
                                            x.grace_period_days == y.grace_period_days &&
                                            x.grace_period_text == y.grace_period_text &&
                                            x.name == y.name && x.features == y.features &&
                                            x.signature_verified == y.signature_verified;
                                   });
      if (!same) {
        render(*snap, static_cast<std::int64_t>(std::time(nullptr)));
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
                {{"certificates", std::to_string(snap->certificate_count)},
                 {"errors", std::to_string(snap->errors.size())},
                 {"files_read", std::to_string(cache.reads)}});
        for (const tls::SourceError& e : snap->errors) ++error_counts[{e.source, e.reason}];
        snapshot = std::move(snap);
        lock.unlock();
        ++loads;
        first = false;
      }
    }
    changed = watch.wait(interval);
    lock.lock();
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

// A gzip stream (RFC 1952) over the shared part, flushed to a byte boundary (Z_SYNC_FLUSH) and
// kept open: each scrape continues a copy of it (deflateCopy) with its own part and finishes
// it, so the shared part is compressed once per change and the body is one ordinary stream.
struct Renderer::Gzip {
  Gzip() = default;
  Gzip(const Gzip&) = delete;
  Gzip& operator=(const Gzip&) = delete;
  ~Gzip() {
    if (open) ::deflateEnd(&stream);
  }
  // Compresses `text` into `compressed`; false when zlib fails (no memory).
  bool start(const std::shared_ptr<const std::string>& text) {
    if (open) ::deflateEnd(&stream);
    open = false;
    stream = {};
    // Level 1: the exposition's repeated label names compress nearly as well as at level 6
    // (bench/RESULTS.md), at a fraction of the time a change costs.
    if (::deflateInit2(&stream, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
      return false;
    }
    open = true;
    source = text;
    auto out = std::make_shared<std::string>();
    if (!run(stream, text ? std::string_view(*text) : std::string_view(), Z_SYNC_FLUSH, *out)) {
      return false;
    }
    out->shrink_to_fit();
    compressed = std::move(out);
    return true;
  }
  // The rest of the stream for `tail` (appended to `out`).
  bool finish(std::string_view tail, std::string& out) {
    z_stream copy{};
    if (::deflateCopy(&copy, &stream) != Z_OK) return false;
    const bool ok = run(copy, tail, Z_FINISH, out);
    ::deflateEnd(&copy);
    return ok;
  }
  static bool run(z_stream& z, std::string_view in, int flush, std::string& out) {
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    z.avail_in = static_cast<uInt>(in.size());
    std::array<char, 65536> chunk;
    for (;;) {
      z.next_out = reinterpret_cast<Bytef*>(chunk.data());
      z.avail_out = static_cast<uInt>(chunk.size());
      const int rc = ::deflate(&z, flush);
      if (rc == Z_STREAM_ERROR) return false;
      out.append(chunk.data(), chunk.size() - z.avail_out);
      if (flush == Z_FINISH ? rc == Z_STREAM_END : z.avail_out != 0) return true;
    }
  }

  z_stream stream{};
  bool open = false;
  std::shared_ptr<const std::string> source;      // the plain shared part compressed
  std::shared_ptr<const std::string> compressed;  // its compressed bytes
};

Renderer::Renderer() = default;
Renderer::~Renderer() = default;

std::string Renderer::render(const RenderInput& in) {
  MetricsBody body = render_body(in, false);
  return body.shared ? *body.shared + body.own : body.own;
}

MetricsBody Renderer::render_body(const RenderInput& in, bool gzip) {
  MetricsBody body;
  std::string& out = body.own;
  if (in.sources != nullptr) {
    const auto snap = in.sources->snapshot();
    if (snap && snap->text && snap->text_from <= in.now_unix && in.now_unix < snap->text_until) {
      // The watcher's pre-rendered text: shared, not copied.
      body.shared = snap->text;
    } else {
      if (snap != cached_for_ || in.now_unix >= cached_until_) {
        // x509_cert_expired flips when now passes a not_after: cache until the next flip.
        std::int64_t until = std::numeric_limits<std::int64_t>::max();
        if (snap) {
          const std::vector<core::LocatedCert> certs = snap->certificates();
          for (const auto& c : certs) {
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
            cached_text_ =
                std::make_shared<const std::string>(exposition(tigera, core::ValueFormat::go));
          } else {
            cached_text_ = std::make_shared<const std::string>(exposition(
                core::certificate_families(certs, in.now_unix), core::ValueFormat::plain));
          }
        } else {
          cached_text_.reset();
        }
        cached_for_ = snap;
        cached_until_ = until;
      }
      body.shared = cached_text_;
    }
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
  if (!gzip) return body;
  // zlib out of memory: the plain body (gzip is the client's offer, not a must).
  if (!gzip_) gzip_ = std::make_unique<Gzip>();
  if (!gzip_->open || gzip_->source != body.shared) {
    if (!gzip_->start(body.shared)) {
      gzip_.reset();
      return body;
    }
  }
  std::string tail;
  if (!gzip_->finish(out, tail)) return body;
  body.shared = gzip_->compressed;
  body.own = std::move(tail);
  body.gzip = true;
  return body;
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
