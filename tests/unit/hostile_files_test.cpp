// Files that must not hang, exhaust or escape a reader (issue 18): FIFOs and devices are refused
// without blocking, every whole-file read is bounded, and a walked link does not take the walk
// out of the tree. On the real file system: the kernel's FIFOs, /dev/zero and /proc.
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <string>

#include "pki.hpp"
#include "promtls/core/fs.hpp"
#include "promtls/tls/disk.hpp"
#include "promtls/tls/sources.hpp"
#include "trees.hpp"

using namespace promtls;
using namespace promtls::test;
namespace fs = std::filesystem;

namespace {

std::vector<std::string> reasons(const tls::LoadResult& r) {
  std::vector<std::string> out;
  for (const auto& e : r.errors) out.push_back(e.source + " " + e.reason);
  return out;
}

// Restores the process-wide read limit when a test that lowers it ends.
struct LimitGuard {
  explicit LimitGuard(std::uint64_t bytes) { tls::RealFileSystem::set_max_file_bytes(bytes); }
  ~LimitGuard() { tls::RealFileSystem::set_max_file_bytes(core::kDefaultMaxFileBytes); }
};

}  // namespace

TEST_CASE("a FIFO or a device is refused without blocking, named or met in a directory") {
  TempDir dir;
  const Authority ca = Authority::make("fifo-ca");
  const std::string good = dir.write("ca.crt", ca.cert.pem());
  const std::string fifo = (dir.path() / "pipe.pem").string();
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);

  // Named: no writer ever comes, and the read returns at once.
  auto named = tls::load_sources({fifo, "/dev/zero"}, {});
  CHECK(reasons(named) ==
        std::vector<std::string>{fifo + " not_regular_file", "/dev/zero not_regular_file"});
  CHECK(named.errors[0].message ==
        fifo + ": not a regular file (a FIFO, socket or device); not read");

  // Met while listing: reported, and the walk goes on.
  auto walked = tls::load_sources({dir.path().string()}, {});
  CHECK(walked.certificates.size() == 1);
  CHECK(reasons(walked) == std::vector<std::string>{fifo + " not_regular_file"});

  std::string bytes;
  core::FsError error;
  CHECK_FALSE(tls::real_file_system().read_file("/dev/zero", bytes, error));
  CHECK(error.reason() == "not_regular_file");
  CHECK(bytes.empty());
}

TEST_CASE("a file larger than the limit is refused, also one whose size says 0") {
  TempDir dir;
  const std::string big = dir.write("big.pem", std::string(5000, 'x'));
  const std::string exact = dir.write("exact.pem", std::string(4096, 'x'));
  const LimitGuard limit(4096);
  std::string bytes;
  core::FsError error;
  CHECK_FALSE(tls::real_file_system().read_file(big, bytes, error));
  CHECK(error.reason() == "too_large");
  CHECK(error.message() ==
        big + ": larger than 4 KiB; not read (--max-file-size raises the limit)");
  CHECK(tls::real_file_system().read_file(exact, bytes, error));
  CHECK(bytes.size() == 4096);
  // /proc files say size 0 and can produce far more than any limit (pagemap: terabytes).
  const fs::path pagemap_link = dir.path() / "pagemap.pem";
  fs::create_symlink("/proc/self/pagemap", pagemap_link);
  CHECK_FALSE(tls::real_file_system().read_file(pagemap_link.string(), bytes, error));
  CHECK(error.reason() == "too_large");
  CHECK(bytes.size() <= 4096);
  const auto r = tls::load_sources({dir.path().string()}, {});
  CHECK(reasons(r) == std::vector<std::string>{big + " too_large", exact + " decode_failed",
                                               pagemap_link.string() + " too_large"});
}

TEST_CASE("a walked link to a directory outside the tree is not followed unless asked") {
  TempDir outside;
  const Authority ca = Authority::make("outside-ca");
  outside.write("far.crt", ca.cert.pem());
  TempDir dir;
  dir.write("near.crt", ca.cert.pem());
  fs::create_symlink(outside.path(), dir.path() / "elsewhere");
  fs::create_symlink("/", dir.path() / "root");
  tls::SourceOptions options;
  options.recursive = true;
  auto r = tls::load_sources({dir.path().string()}, options);
  CHECK(r.certificates.size() == 1);
  const std::string root_link = (dir.path() / "root").string();
  const std::string far_link = (dir.path() / "elsewhere").string();
  CHECK(reasons(r) == std::vector<std::string>{far_link + " symlink_outside_root",
                                               root_link + " symlink_outside_root"});
  CHECK(r.errors[1].message == root_link + ": links to /, outside " + dir.path().string() +
                                   "; not followed (--follow-symlinks follows it)");
  // Asked for: the outside directory is read (the link to / is left out of this test's walk by
  // an exclude, since walking the whole machine is not the point).
  options.follow_symlinks = true;
  options.exclude = {"root/**"};
  r = tls::load_sources({dir.path().string()}, options);
  CHECK(r.certificates.size() == 2);
}

TEST_CASE("a Secret volume's ..data links stay inside the volume and are read") {
  const Tree volume = secret_volume(Variant::all_fine);
  const auto r = tls::load_sources({volume.root}, {});
  CHECK(r.errors.empty());
  CHECK(r.certificates.size() == 2);
}

TEST_CASE("sizes for --max-file-size are whole bytes with K, M or G units") {
  std::string error;
  CHECK(core::parse_size("64MiB", error) == 64ull << 20);
  CHECK(core::parse_size("1G", error) == 1ull << 30);
  CHECK(core::parse_size("500000", error) == 500000u);
  CHECK(core::parse_size("4K", error) == 4096u);
  CHECK_FALSE(core::parse_size("0", error));
  CHECK(error == "\"0\" is out of range (1 byte to 1 TiB)");
  CHECK_FALSE(core::parse_size("2T", error));
  CHECK(error == "\"2T\" is not a size (a whole number of bytes, or with K, M or G)");
  CHECK_FALSE(core::parse_size("1.5G", error));
  CHECK_FALSE(core::parse_size("2048G", error));
  CHECK_FALSE(core::parse_size("", error));
}
