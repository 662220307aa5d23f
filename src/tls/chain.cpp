#include "promtls/tls/chain.hpp"

#include <openssl/x509_vfy.h>

#include "detail/openssl.hpp"
#include "promtls/tls/pem.hpp"

namespace promtls::tls {
namespace {

using detail::X509Ptr;
// sk_X509_free is a macro; the stack does not own the certificates pushed onto it.
struct StackFree {
  void operator()(STACK_OF(X509) * stack) const noexcept { sk_X509_free(stack); }
};
using X509StackPtr = std::unique_ptr<STACK_OF(X509), StackFree>;
using StoreCtxPtr = std::unique_ptr<X509_STORE_CTX, detail::Deleter<::X509_STORE_CTX_free>>;

std::vector<X509Ptr> certificates(std::string_view pem) {
  std::vector<X509Ptr> out;
  for (const detail::PemBlock& block : detail::pem_blocks(pem)) {
    if (!is_certificate_block(block.name)) continue;
    if (X509Ptr cert = detail::parse_certificate_block(block)) out.push_back(std::move(cert));
  }
  return out;
}

}  // namespace

std::string verify_chain(std::string_view ca_bundle, std::string_view chain) {
  const std::vector<X509Ptr> roots = certificates(ca_bundle);
  if (roots.empty()) return "no certificate in the CA bundle";
  const std::vector<X509Ptr> path = certificates(chain);
  if (path.empty()) return "no certificate to verify";
  detail::X509StorePtr store(::X509_STORE_new());
  X509StackPtr intermediates(sk_X509_new_null());
  StoreCtxPtr ctx(::X509_STORE_CTX_new());
  if (!store || !intermediates || !ctx) return "out of memory";
  for (const X509Ptr& root : roots) ::X509_STORE_add_cert(store.get(), root.get());
  for (std::size_t i = 1; i < path.size(); ++i) sk_X509_push(intermediates.get(), path[i].get());
  // Time is judged in core (Go checks the leaf's window first). Go takes any certificate of its
  // root pool as an anchor, an intermediate too; X509_V_FLAG_PARTIAL_CHAIN does the same.
  ::X509_STORE_set_flags(store.get(), X509_V_FLAG_NO_CHECK_TIME | X509_V_FLAG_PARTIAL_CHAIN);
  if (::X509_STORE_CTX_init(ctx.get(), store.get(), path.front().get(), intermediates.get()) != 1) {
    return detail::drain_errors();
  }
  const int ok = ::X509_verify_cert(ctx.get());
  const int error = ::X509_STORE_CTX_get_error(ctx.get());
  ::ERR_clear_error();
  if (ok == 1) return {};
  return ::X509_verify_cert_error_string(error);
}

}  // namespace promtls::tls
