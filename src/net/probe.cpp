// Prober: construction, the scrape and the policy probes (load mode is in load.cpp).
#include "promtls/net/probe.hpp"

#include <algorithm>
#include <chrono>

#include "prober_impl.hpp"
#include "promtls/core/error.hpp"
#include "promtls/core/tls_catalog.hpp"
#include "promtls/tls/pem.hpp"

namespace promtls::net {

using detail::Clock;
using detail::ms_since;

detail::ClientContextSpec Prober::Impl::base_spec() const {
  detail::ClientContextSpec spec;
  spec.ca_file = options.ca_file;
  spec.cert_file = options.cert_file;
  spec.key_file = options.key_file;
  spec.verify_at_unix = options.verify_at_unix;
  spec.min_version = options.min_version;
  spec.max_version = options.max_version;
  spec.alpn_http11 = true;
  return spec;
}

detail::Clock::time_point Prober::Impl::deadline_from(Clock::time_point start) const {
  const auto own = start + std::chrono::milliseconds(target.timeout_ms);
  return overall_deadline ? std::min(own, *overall_deadline) : own;
}

bool Prober::Impl::open(detail::Connection& conn, SSL_CTX* ctx, Clock::time_point start,
                        Clock::time_point deadline, core::Exchange& ex, bool describe) const {
  ex.plaintext = ctx == nullptr;
  detail::ConnectFailure failure;
  if (!conn.connect(target.address, deadline, failure)) {
    ex.resolved = failure.resolved;
    ex.connect_error =
        failure.resolved ? "cannot connect to " + target.address.to_string() + ": " + failure.reason
                         : "cannot resolve " + target.address.host + ": " + failure.reason;
    ex.timings.total_ms = ms_since(start);
    return false;
  }
  ex.resolved = true;
  ex.connected = true;
  ex.timings.connect_ms = ms_since(start);
  if (ctx == nullptr) return true;
  detail::HandshakeOptions hs;
  hs.sni = sni;
  ex.tls.completed = conn.handshake(ctx, hs, deadline, ex.tls.error);
  if (!ex.tls.completed) {
    ex.timings.total_ms = ms_since(start);
    if (conn.trace().alert >= 0) ex.tls.alert = detail::alert_words(conn.trace().alert);
  } else {
    ex.timings.handshake_ms = ms_since(start);
  }
  if (describe) conn.describe(verify_name, ex.tls);
  return ex.tls.completed;
}

void Prober::Impl::request(detail::Connection& conn, std::string& buffer, bool keep_alive,
                           Clock::time_point start, Clock::time_point deadline, core::Exchange& ex,
                           detail::Response* out) const {
  std::string err =
      conn.write_all(detail::request_text(target.path, host_header, keep_alive), deadline);
  detail::Response response;
  std::optional<Clock::time_point> first_byte;
  if (err.empty()) {
    const detail::ReadSome read = [&conn, deadline](char* buf, std::size_t size, std::string& why) {
      return conn.read_some(buf, size, deadline, why);
    };
    err = detail::read_response(read, buffer, response, &first_byte);
  } else {
    // The server may have refused us with an alert we have not read yet.
    std::string why;
    char scratch[512];
    if (conn.read_some(scratch, sizeof scratch, deadline, why) < 0 && conn.trace().alert >= 0) {
      err = why;
    }
  }
  if (first_byte) {
    ex.timings.first_byte_ms =
        std::chrono::duration<double, std::milli>(*first_byte - start).count();
  }
  ex.timings.total_ms = ms_since(start);
  if (conn.trace().alert >= 0 && ex.tls.alert.empty()) {
    ex.tls.alert = detail::alert_words(conn.trace().alert);
  }
  if (!err.empty()) {
    ex.http.error = err;
    return;
  }
  ex.http.responded = true;
  ex.http.status = response.status;
  if (const auto it = response.headers.find("content-type"); it != response.headers.end()) {
    ex.http.content_type = it->second;
  }
  if (out != nullptr) {
    *out = std::move(response);
  } else {
    ex.http.body = std::move(response.body);
  }
}

core::Exchange Prober::Impl::exchange(SSL_CTX* ctx) const {
  core::Exchange ex;
  const auto start = Clock::now();
  const auto deadline = deadline_from(start);
  detail::Connection conn;
  if (!open(conn, ctx, start, deadline, ex)) return ex;
  std::string buffer;
  request(conn, buffer, false, start, deadline, ex);
  if (ctx != nullptr) conn.describe(verify_name, ex.tls);
  return ex;
}

Prober::Prober(ProbeTarget target, ClientTlsOptions options) : impl_(std::make_unique<Impl>()) {
  if (target.total_timeout_ms > 0) {
    impl_->overall_deadline = Clock::now() + std::chrono::milliseconds(target.total_timeout_ms);
  }
  impl_->target = std::move(target);
  impl_->options = std::move(options);
  Impl& m = *impl_;
  if (m.target.path.empty() || m.target.path.front() != '/') m.target.path = "/" + m.target.path;
  m.verify_name = m.target.servername.empty() ? m.target.address.host : m.target.servername;
  m.sni = detail::is_ip_literal(m.verify_name) ? "" : m.verify_name;
  m.host_header = join_host_port(m.verify_name, m.target.address.port);
  if (!m.options.cert_file.empty()) {
    if (m.options.key_file.empty()) throw Error("--cert needs --key", ExitCode::usage);
    const core::FileFacts facts = tls::read_credential_file(m.options.cert_file);
    if (!facts.readable) throw Error("--cert: " + facts.read_error);
    if (facts.certificates.empty()) {
      throw Error("--cert " + m.options.cert_file + ": no certificate found");
    }
    m.client_cert = facts.certificates.front();
  } else if (!m.options.key_file.empty()) {
    throw Error("--key needs --cert", ExitCode::usage);
  }
  // Fail early, with the file named, when the CA or our credentials do not load.
  detail::build_client_context(m.base_spec());
}

Prober::~Prober() = default;

const ProbeTarget& Prober::target() const { return impl_->target; }

std::optional<core::CertInfo> Prober::client_certificate() const { return impl_->client_cert; }

core::Exchange Prober::scrape() {
  const auto ctx = detail::build_client_context(impl_->base_spec());
  return impl_->exchange(ctx.get());
}

core::ProbeOutcome Prober::probe(const core::ProbePlan& plan) {
  core::ProbeOutcome outcome{plan, {}};
  detail::ClientContextSpec spec = impl_->base_spec();
  switch (plan.kind) {
    case core::ProbeKind::no_client_cert:
      spec.cert_file.clear();
      spec.key_file.clear();
      break;
    case core::ProbeKind::foreign_client_cert:
      if (!impl_->foreign) {
        impl_->foreign = std::make_unique<tls::detail::ForeignIdentity>(
            tls::detail::make_foreign_identity(impl_->options.wall_clock_unix));
      }
      spec.identity_cert = impl_->foreign->cert.get();
      spec.identity_key = impl_->foreign->key.get();
      break;
    case core::ProbeKind::tls12:
      spec.min_version = spec.max_version = core::kTls12;
      break;
    case core::ProbeKind::tls13:
      spec.min_version = spec.max_version = core::kTls13;
      break;
    case core::ProbeKind::disallowed_cipher: {
      spec.min_version = spec.max_version = core::kTls12;
      std::string list;
      for (const auto& name : plan.openssl_ciphers) list += (list.empty() ? "" : ":") + name;
      spec.tls12_ciphers = list;
      break;
    }
    case core::ProbeKind::plaintext_http:
      outcome.exchange = impl_->exchange(nullptr);
      return outcome;
  }
  const auto ctx = detail::build_client_context(spec);
  outcome.exchange = impl_->exchange(ctx.get());
  return outcome;
}

core::Exchange scrape_as_prometheus(const core::ScrapeJob& job, const std::string& target,
                                    std::int64_t now_unix) {
  const std::optional<HostPort> address = parse_client_target(target);
  if (!address) {
    core::Exchange ex;
    ex.connect_error = "\"" + target + "\" is not host:port";
    return ex;
  }
  ProbeTarget probe_target;
  probe_target.address = *address;
  probe_target.servername = job.tls.server_name;
  probe_target.path = job.metrics_path;
  probe_target.timeout_ms = static_cast<int>(std::min(job.timeout_s, 3600.0) * 1000);
  ClientTlsOptions options;
  options.ca_file = job.tls.ca_file;
  options.cert_file = job.tls.cert_file;
  options.key_file = job.tls.key_file;
  options.verify_at_unix = now_unix;
  options.wall_clock_unix = now_unix;
  options.min_version = job.tls.min_version;
  options.max_version = job.tls.max_version;
  try {
    Prober prober(probe_target, options);
    if (job.scheme == "https") return prober.scrape();
    return prober.probe({core::ProbeKind::plaintext_http, false, {}}).exchange;
  } catch (const Error& e) {
    throw Error("job " + job.name + ": " + e.what(), ExitCode::cannot_run);
  }
}

}  // namespace promtls::net
