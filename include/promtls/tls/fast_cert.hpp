// The fast certificate reader inspect and serve --watch use: every CertInfo field, read through
// OpenSSL's ASN.1 template machinery without decoding the public key (the key's type, size and
// curve come from the SubjectPublicKeyInfo's algorithm identifier, its parameters and the length
// of the key itself). OpenSSL 3's d2i_X509 spends almost all its time building the EVP_PKEY;
// this path skips that and gives the same fields as the full parse (tests/unit/fast_cert_test
// proves it on every fixture). Keys of other algorithms (DSA, explicit EC parameters) fall back
// to decoding just the key. Reentrant; call from any thread.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include "promtls/core/cert_info.hpp"

namespace promtls::tls {

// How much to read; inspect does not pay for what it does not report. `table` fills what the
// text table shows: subject_cn (the subject attributes too when there is no CN), not_before,
// not_after, and sha256_fingerprint (every level: inspect reports a certificate met at several
// places once). `summary` adds what the Prometheus gauges label and the kubeadm view shows:
// issuer_cn, the subject and issuer attributes, serial, is_ca. `full` fills every field. Fields
// not read stay empty.
enum class CertDetail { table, summary, full };

// Describes the DER certificate at the start of `der`. Returns false (and leaves `out` in an
// unspecified state) when it does not parse as a certificate. `consumed`, when given, receives
// the length of the certificate's encoding.
bool read_certificate_fast(std::string_view der, core::CertInfo& out,
                           std::size_t* consumed = nullptr, CertDetail level = CertDetail::full);

// Every certificate block of PEM text (tls::is_certificate_block(), pem.hpp), in order, through
// the fast reader.
// `blocks` (optional) receives the number of certificate blocks seen; `bad_blocks` those that did
// not parse.
std::vector<core::CertInfo> read_pem_certificates_fast(std::string_view pem,
                                                       std::size_t* blocks = nullptr,
                                                       std::size_t* bad_blocks = nullptr,
                                                       CertDetail level = CertDetail::full);

}  // namespace promtls::tls
