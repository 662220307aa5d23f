#include "promtls/tls/sources.hpp"

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "promtls/core/go.hpp"
#include "promtls/tls/pem.hpp"

namespace promtls::tls {
namespace {

namespace fs = std::filesystem;

std::string reason_for(int err) {
  switch (err) {
    case ENOENT:
      return "not_found";
    case EACCES:
    case EPERM:
      return "permission_denied";
    default:
      return "read_failed";
  }
}

void load_file(const std::string& path, LoadResult& out) {
  errno = 0;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int err = errno != 0 ? errno : EIO;
    out.errors.push_back({path, reason_for(err), core::go::path_error("open", path, err)});
    return;
  }
  std::ostringstream buf;
  buf << in.rdbuf();
  LoadResult loaded = load_bytes(buf.str(), path);
  out.certificates.insert(out.certificates.end(), loaded.certificates.begin(),
                          loaded.certificates.end());
  out.errors.insert(out.errors.end(), loaded.errors.begin(), loaded.errors.end());
}

void load_directory(const fs::path& dir, const SourceOptions& options, LoadResult& out) {
  std::error_code ec;
  std::vector<fs::path> files;
  const auto collect = [&](const fs::directory_entry& entry) {
    std::error_code type_ec;
    if (entry.is_regular_file(type_ec)) files.push_back(entry.path());
  };
  if (options.recursive) {
    fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec);
    for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) collect(*it);
  } else {
    fs::directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec);
    for (; !ec && it != fs::directory_iterator(); it.increment(ec)) collect(*it);
  }
  if (ec) out.errors.push_back({dir.string(), "walk_error", dir.string() + ": " + ec.message()});
  std::sort(files.begin(), files.end());
  for (const fs::path& file : files) load_file(file.string(), out);
}

}  // namespace

LoadResult load_bytes(std::string_view bytes, const std::string& source) {
  LoadResult out;
  std::size_t bad = 0;
  std::vector<core::CertInfo> certs = parse_pem_certificates(bytes, &bad);
  if (certs.empty() && bad == 0) {
    core::CertInfo der;
    if (parse_der_certificate(bytes, der)) {
      certs.push_back(std::move(der));
    } else {
      const bool looks_pem = bytes.find("-----BEGIN ") != std::string_view::npos;
      out.errors.push_back({source, looks_pem ? "no_certificate_found" : "decode_failed",
                            source + (looks_pem ? ": no CERTIFICATE block in PEM data"
                                                : ": neither PEM nor a DER certificate")});
    }
  }
  if (bad > 0) {
    out.errors.push_back(
        {source, "bad_pem",
         source + ": " + std::to_string(bad) + " CERTIFICATE block(s) do not parse"});
  }
  for (core::CertInfo& cert : certs) {
    core::LocatedCert located;
    located.cert = std::move(cert);
    located.location.filepath = source;
    out.certificates.push_back(std::move(located));
  }
  return out;
}

LoadResult load_sources(const std::vector<std::string>& paths, const SourceOptions& options) {
  LoadResult out;
  for (const std::string& path : paths) {
    std::error_code ec;
    const auto status = fs::status(path, ec);
    if (!ec && fs::is_directory(status)) {
      load_directory(path, options, out);
    } else {
      load_file(path, out);
    }
  }
  return out;
}

}  // namespace promtls::tls
