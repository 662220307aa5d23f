// The rules that decide whether a certificate/key pair can be served: one copy, read by
// validate's credential checks (as findings) and by serve's credential loader (as the error it
// exits with), so that validate predicts exactly what serve does with the same files.
//
// Everything here judges core::FileFacts, the description tls::describe_credentials() gives of a
// file (the one certificate reader, whose list of PEM block names is tls::is_certificate_block()).
// Pure functions: no I/O, thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "promtls/core/cert_info.hpp"

namespace promtls::core {

// True when serve refuses to use a private key file with permission bits `mode`: anyone may
// write it (S_IWOTH, 0002), so anyone could replace the key (DESIGN.md, security defaults).
// A mode of 0 (unknown) is never refused.
bool key_mode_refused(unsigned mode);

// Who besides the owner may read a key file with permission bits `mode`: "others" (0004),
// "its group" (0040), or "" when nobody. serve accepts such a key; validate warns.
std::string_view key_mode_readers(unsigned mode);

// The key-match rule: false only when both sides parsed and the key's public half differs from
// the leaf certificate's (CertInfo::public_key_id), true otherwise (nothing to compare).
bool key_matches_certificate(const FileFacts& cert, const FileFacts& key);

// The chain-order rule: the index of the leaf when the certificate file lists it after another
// certificate, nullopt when the order is right or cannot be told. The leaf is the certificate
// whose public key is the private key's (when the key parsed and the first certificate is not
// it), or else a non-CA certificate after a CA first certificate that issued it (directly, or
// through one intermediate listed between them). Go's tls.X509KeyPair and OpenSSL's
// SSL_CTX_use_certificate_chain_file both take the first certificate as the server's own, so
// such a file fails as a key mismatch although the pair is right.
std::optional<std::size_t> misplaced_leaf(const FileFacts& cert, const FileFacts& key);

// serve's messages for the refusals above, exactly as it exits with them.
std::string key_mode_refusal_message(const std::string& key_path);
std::string key_mismatch_message(const std::string& key_path, const std::string& cert_path);
std::string no_certificate_message(const std::string& cert_path);
// `leaf` is misplaced_leaf()'s index (0-based; the message counts from 1).
std::string chain_order_message(const std::string& cert_path, std::size_t leaf);

// The first reason serve refuses the pair, as its error message; nullopt when none applies.
// serve builds its context from the very bytes these facts describe (tls::ServerContext), so
// every refusal is decided here, none by a TLS library loader. The order is serve's: the key
// file (unreadable, writable by others), the certificate file (unreadable, no PEM, no
// certificate that parses, a block that does not parse), the key itself (no key block,
// encrypted, does not parse), the chain's order (the leaf not first), then the pairing.
std::optional<std::string> credential_pair_refusal(const FileFacts& cert, const FileFacts& key);

// Why serve refuses the client CA bundle `ca`, as its error message; nullopt when at least one
// certificate in it parses. Like Go's CertPool.AppendCertsFromPEM, blocks that do not parse are
// skipped (spec R-M7).
std::optional<std::string> client_ca_refusal(const FileFacts& ca);

// True for the codes of the findings that say what the two refusals above refuse, so that
// serve's loader cannot load the files: a certificate, key or client CA file that is missing,
// unreadable, not PEM, holds nothing that parses, a key that is encrypted, writable by others or
// does not match, a chain out of order (checks.cpp; the profiles' own client CA reads). serve
// and selftest --local exit 3 (could not run) when these are the only errors
// (core::serve_refusal); a judgement of credentials that load (expired, a short RSA key) is not
// one of them.
bool credential_load_failure(std::string_view finding_code);

}  // namespace promtls::core
