// inspect --connect: the certificate chain a TLS endpoint presents, over the net layer's client
// connection (a real OpenSSL handshake with a deadline). The chain is returned even when
// verification fails, with the verification result (OpenSSL's verify error text, including a
// hostname mismatch); whether that fails the run is the caller's decision (inspect: yes, unless
// --no-verify). Blocking; reentrant. The process must ignore SIGPIPE.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "promtls/core/cert_info.hpp"
#include "promtls/net/host_port.hpp"

namespace promtls::net {

struct RemoteOptions {
  HostPort target;         // parse_client_target's rules
  std::string servername;  // SNI and the name verified; default: the host (unless an IP address)
  std::string ca_file;     // trust anchors; default: the system store
  std::string cert_file;   // client certificate, when the endpoint requires one
  std::string key_file;    // its key; default: cert_file (one PEM file holding both)
  int timeout_ms = 10000;  // for connect and handshake together
  std::int64_t verify_at_unix = 0;  // verify the chain at this time (--at); 0: the current time
};

struct RemoteResult {
  bool connected = false;  // the handshake completed
  std::string error;       // why not, when !connected ("connect 127.0.0.1:1: Connection refused")
  std::vector<core::CertInfo> chain;  // as presented, leaf first
  bool verified = false;     // the chain verifies at verify_at_unix and the leaf matches the name
  std::string verify_error;  // OpenSSL's text when !verified, e.g. "self-signed certificate",
                             // "hostname mismatch" (the name is checked as part of the chain)
  bool hostname_match = false;  // the leaf matches the name (servername, else the host or IP)
  std::string tls_version;      // "TLSv1.3"
};

// Connects, handshakes and closes. Never throws for network or TLS failures (they are in the
// result); throws promtls::Error when the client credentials or CA file cannot be loaded (exit
// 3) or a key is given without a certificate (exit 2).
RemoteResult fetch_chain(const RemoteOptions& options);

}  // namespace promtls::net
