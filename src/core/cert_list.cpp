// CertificateList: each InspectedCert encoded as one run of bytes in a shared block. Strings are
// a length (LEB128) and their bytes, integers zigzag LEB128, vectors a count and their items:
// an empty string costs one byte instead of 32, and no entry costs an allocation of its own.
#include <algorithm>
#include <cstring>

#include "promtls/core/inspect_report.hpp"

namespace promtls::core {
namespace {

// A field added to one of these types must be encoded below; the sizes are libstdc++'s on
// x86-64 (the build and CI targets), where a new field changes them.
#if defined(__x86_64__) && defined(__GLIBCXX__)
static_assert(sizeof(CertInfo) == 528, "encode the new CertInfo field in cert_list.cpp");
static_assert(sizeof(CertLocation) == 352, "encode the new CertLocation field in cert_list.cpp");
static_assert(sizeof(KeyInfo) == 72, "encode the new KeyInfo field in cert_list.cpp");
static_assert(sizeof(TigeraCheck) == 88, "encode the new TigeraCheck field in cert_list.cpp");
static_assert(sizeof(InspectedCert) == 1088, "encode the new InspectedCert field in cert_list.cpp");
#endif

constexpr std::size_t kBlock = std::size_t{1} << 20;

class Encoder {
 public:
  explicit Encoder(std::string& out) : out_(out) {}

  void number(std::uint64_t v) {
    while (v >= 0x80) {
      out_ += static_cast<char>((v & 0x7F) | 0x80);
      v >>= 7;
    }
    out_ += static_cast<char>(v);
  }
  void integer(std::int64_t v) {
    const auto u = static_cast<std::uint64_t>(v);
    number((u << 1) ^ (v < 0 ? ~std::uint64_t{0} : 0));
  }
  void flag(bool v) { out_ += v ? '\1' : '\0'; }
  void real(double v) {
    char bytes[sizeof v];
    std::memcpy(bytes, &v, sizeof v);
    out_.append(bytes, sizeof v);
  }
  void text(std::string_view s) {
    number(s.size());
    out_.append(s);
  }
  void texts(const std::vector<std::string>& v) {
    number(v.size());
    for (const std::string& s : v) text(s);
  }
  void pairs(const std::vector<std::pair<std::string, std::string>>& v) {
    number(v.size());
    for (const auto& [name, value] : v) {
      text(name);
      text(value);
    }
  }
  void maybe(const std::optional<std::string>& s) {
    flag(s.has_value());
    if (s) text(*s);
  }

 private:
  std::string& out_;
};

class Decoder {
 public:
  explicit Decoder(const char* at) : at_(at) {}

  std::uint64_t number() {
    std::uint64_t v = 0;
    for (int shift = 0;; shift += 7) {
      const auto byte = static_cast<unsigned char>(*at_++);
      v |= std::uint64_t{byte & 0x7Fu} << shift;
      if (byte < 0x80) return v;
    }
  }
  std::int64_t integer() {
    const std::uint64_t u = number();
    return static_cast<std::int64_t>((u >> 1) ^ (~(u & 1) + 1));
  }
  bool flag() { return *at_++ != '\0'; }
  double real() {
    double v = 0;
    std::memcpy(&v, at_, sizeof v);
    at_ += sizeof v;
    return v;
  }
  std::string_view view() {
    const std::size_t n = number();
    const std::string_view s(at_, n);
    at_ += n;
    return s;
  }
  void text(std::string& into) {
    const std::string_view s = view();
    into.assign(s.data(), s.size());
  }
  void texts(std::vector<std::string>& into) {
    into.resize(number());
    for (std::string& s : into) text(s);
  }
  void pairs(std::vector<std::pair<std::string, std::string>>& into) {
    into.resize(number());
    for (auto& [name, value] : into) {
      text(name);
      text(value);
    }
  }
  void maybe(std::optional<std::string>& into) {
    if (!flag()) {
      into.reset();
      return;
    }
    if (!into) into.emplace();
    text(*into);
  }

 private:
  const char* at_;
};

}  // namespace

void CertificateList::clear() {
  entries_.clear();
  blocks_.clear();
}

CertificateList::Entry CertificateList::encode(const InspectedCert& ic) {
  const CertInfo& c = ic.located.cert;
  const CertLocation& l = ic.located.location;
  scratch_.clear();
  Encoder e(scratch_);
  // source and the fingerprint first: source() and sha256_fingerprint() read them in place.
  e.text(ic.source);
  e.text(c.sha256_fingerprint);
  e.text(c.subject);
  e.text(c.issuer);
  e.text(c.subject_cn);
  e.text(c.issuer_cn);
  e.pairs(c.subject_attributes);
  e.pairs(c.issuer_attributes);
  e.text(c.serial);
  e.texts(c.dns_names);
  e.texts(c.ip_addresses);
  e.texts(c.emails);
  e.texts(c.uris);
  e.integer(c.not_before_unix);
  e.text(c.key.type);
  e.integer(c.key.bits);
  e.text(c.key.curve);
  e.text(c.signature_algorithm);
  e.text(c.public_key_id);
  e.flag(c.is_ca);
  e.flag(c.self_signed);
  e.texts(c.extended_key_usage);
  e.flag(c.has_extended_key_usage);
  for (const std::string* s :
       {&l.filepath, &l.embedded_kind, &l.embedded_key, &l.secret_namespace, &l.secret_name,
        &l.secret_key, &l.configmap_namespace, &l.configmap_name, &l.configmap_key,
        &l.certificate_name, &l.kube_context}) {
    e.text(*s);
  }
  e.real(ic.judgement.lifetime_used_percent);
  e.flag(ic.tigera.has_value());
  if (ic.tigera) {
    e.maybe(ic.tigera->issuer);
    e.maybe(ic.tigera->expiry);
    e.flag(ic.tigera->issuer_matches);
    e.flag(ic.tigera->expiry_matches);
  }
  e.flag(ic.from_endpoint);
  e.flag(ic.verified);
  e.text(ic.verify_error);
  e.flag(ic.verify_required);
  e.flag(ic.hostname_match);

  // A new block when this one is full; an entry larger than a block gets one of its own.
  if (blocks_.empty() || blocks_.back().capacity() - blocks_.back().size() < scratch_.size()) {
    blocks_.emplace_back().reserve(std::max(kBlock, scratch_.size()));
  }
  std::string& block = blocks_.back();
  Entry entry;
  entry.not_after_unix = c.not_after_unix;
  entry.days_left = ic.judgement.days_left;
  entry.block = static_cast<std::uint32_t>(blocks_.size() - 1);
  entry.offset = static_cast<std::uint32_t>(block.size());
  entry.index = ic.index;
  entry.status = ic.judgement.status;
  if (c.is_ca) entry.flags |= kIsCa;
  if (ic.from_endpoint && ic.index == 0) entry.flags |= kEndpointLeaf;
  if (ic.from_endpoint && ic.index == 0 && !ic.verified && ic.verify_required) {
    entry.flags |= kEndpointUnverified;
  }
  if (ic.tigera && !ic.tigera->agrees()) entry.flags |= kTigeraDisagrees;
  block += scratch_;
  return entry;
}

void CertificateList::push_back(const InspectedCert& cert) { entries_.push_back(encode(cert)); }

void CertificateList::set(std::size_t i, const InspectedCert& cert) { entries_[i] = encode(cert); }

void CertificateList::read(std::size_t i, InspectedCert& ic) const {
  const Entry& entry = entries_[i];
  CertInfo& c = ic.located.cert;
  CertLocation& l = ic.located.location;
  Decoder d(data(entry));
  d.text(ic.source);
  d.text(c.sha256_fingerprint);
  d.text(c.subject);
  d.text(c.issuer);
  d.text(c.subject_cn);
  d.text(c.issuer_cn);
  d.pairs(c.subject_attributes);
  d.pairs(c.issuer_attributes);
  d.text(c.serial);
  d.texts(c.dns_names);
  d.texts(c.ip_addresses);
  d.texts(c.emails);
  d.texts(c.uris);
  c.not_before_unix = d.integer();
  c.not_after_unix = entry.not_after_unix;
  d.text(c.key.type);
  c.key.bits = static_cast<int>(d.integer());
  d.text(c.key.curve);
  d.text(c.signature_algorithm);
  d.text(c.public_key_id);
  c.is_ca = d.flag();
  c.self_signed = d.flag();
  d.texts(c.extended_key_usage);
  c.has_extended_key_usage = d.flag();
  for (std::string* s : {&l.filepath, &l.embedded_kind, &l.embedded_key, &l.secret_namespace,
                         &l.secret_name, &l.secret_key, &l.configmap_namespace, &l.configmap_name,
                         &l.configmap_key, &l.certificate_name, &l.kube_context}) {
    d.text(*s);
  }
  ic.index = entry.index;
  ic.judgement.status = entry.status;
  ic.judgement.days_left = entry.days_left;
  ic.judgement.lifetime_used_percent = d.real();
  if (d.flag()) {
    if (!ic.tigera) ic.tigera.emplace();
    d.maybe(ic.tigera->issuer);
    d.maybe(ic.tigera->expiry);
    ic.tigera->issuer_matches = d.flag();
    ic.tigera->expiry_matches = d.flag();
  } else {
    ic.tigera.reset();
  }
  ic.from_endpoint = d.flag();
  ic.verified = d.flag();
  d.text(ic.verify_error);
  ic.verify_required = d.flag();
  ic.hostname_match = d.flag();
}

const InspectedCert CertificateList::at(std::size_t i) const {
  InspectedCert ic;
  read(i, ic);
  return ic;
}

std::string_view CertificateList::source(std::size_t i) const {
  return Decoder(data(entries_[i])).view();
}

std::string_view CertificateList::sha256_fingerprint(std::size_t i) const {
  Decoder d(data(entries_[i]));
  d.view();
  return d.view();
}

void CertificateList::sort_by_not_after(std::size_t from) {
  std::stable_sort(
      entries_.begin() + static_cast<std::ptrdiff_t>(from), entries_.end(),
      [](const Entry& a, const Entry& b) { return a.not_after_unix < b.not_after_unix; });
}

CertificateList::const_iterator CertificateList::begin() const { return {this, 0}; }

CertificateList::const_iterator CertificateList::end() const { return {this, size()}; }

CertificateList::const_iterator::reference CertificateList::const_iterator::operator*() const {
  if (decoded_ != i_) {
    list_->read(i_, current_);
    decoded_ = i_;
  }
  return current_;
}

}  // namespace promtls::core
