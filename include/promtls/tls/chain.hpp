// Chain verification by signature, for checks made without a handshake (validate's scrape-path
// checks: does the monitor's CA sign the serving chain, does the server's client CA sign the
// monitor's client certificate). Validity windows and key usages are judged in core from the
// certificates' facts, in Go's order; this answers only "is there a signature path to one of
// these roots". No OpenSSL types here; reentrant, thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace promtls::tls {

// "" when a certificate of `ca_bundle` (PEM) verifies the first certificate of `chain` (PEM),
// through the certificates after it as intermediates; else OpenSSL's reason ("unable to get
// local issuer certificate"), or what was missing ("no certificate in the CA bundle").
// Time and purpose are not checked.
std::string verify_chain(std::string_view ca_bundle, std::string_view chain);

}  // namespace promtls::tls
