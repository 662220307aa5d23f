// Java keystores (sources_detail.hpp): keytool's JKS (sun.security.provider.JavaKeyStore, magic
// 0xFEEDFEED) and JCEKS (com.sun.crypto.provider.JceKeyStore, magic 0xCECECECE). Both are one
// big-endian stream:
//
//   magic u32, version u32 (1 or 2), entry count u32, then per entry:
//     tag u32 (1 private key, 2 trusted certificate, 3 secret key: JCEKS only)
//     alias (u16 length + modified UTF-8), creation time u64 (milliseconds)
//     tag 1: protected key (u32 length + bytes), chain length u32, certificates
//     tag 2: one certificate
//     tag 3: the sealed key as one Java-serialized object (a fresh ObjectOutputStream)
//   a certificate: (version 2 only) type (u16 length + UTF-8, "X.509"), u32 length + DER
//   then SHA-1 over (password as UTF-16BE, "Mighty Aphrodite", every byte before the digest).
//
// The certificates are stored in the clear, so nothing is decrypted: the private keys and secret
// keys are skipped unread. Every length is checked against the bytes left before it is used, and
// nothing is allocated from a length read from the file (views into the input only).
#include <openssl/evp.h>

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cert_info.hpp"
#include "promtls/tls/fast_cert.hpp"
#include "sources_detail.hpp"

namespace promtls::tls::detail {
namespace {

constexpr std::uint32_t kJksMagic = 0xFEEDFEEDu;
constexpr std::uint32_t kJceksMagic = 0xCECECECEu;
constexpr std::size_t kDigestSize = 20;  // SHA-1
constexpr std::string_view kWhitener = "Mighty Aphrodite";

// A bounds-checked big-endian reader over the input. Every read fails (and leaves the position)
// when fewer bytes remain than it needs.
class Reader {
 public:
  explicit Reader(std::string_view bytes) : bytes_(bytes) {}

  std::size_t position() const { return at_; }
  std::size_t remaining() const { return bytes_.size() - at_; }

  bool uint(std::size_t width, std::uint64_t& value) {
    if (remaining() < width) return false;
    value = 0;
    for (std::size_t i = 0; i < width; ++i) {
      value = (value << 8) | static_cast<unsigned char>(bytes_[at_ + i]);
    }
    at_ += width;
    return true;
  }
  bool u8(std::uint64_t& v) { return uint(1, v); }
  bool u16(std::uint64_t& v) { return uint(2, v); }
  bool u32(std::uint64_t& v) { return uint(4, v); }
  bool u64(std::uint64_t& v) { return uint(8, v); }

  bool take(std::uint64_t length, std::string_view& out) {
    if (length > remaining()) return false;
    out = bytes_.substr(at_, static_cast<std::size_t>(length));
    at_ += static_cast<std::size_t>(length);
    return true;
  }
  bool skip(std::uint64_t length) {
    std::string_view ignored;
    return take(length, ignored);
  }
  // Java's DataOutput.writeUTF: u16 length, then (modified) UTF-8.
  bool utf(std::string_view& out) {
    std::uint64_t length = 0;
    return u16(length) && take(length, out);
  }
  // A Java int used as a length or count: u32 with the sign bit clear.
  bool count(std::uint64_t& v) { return u32(v) && v <= 0x7FFFFFFFu; }

 private:
  std::string_view bytes_;
  std::size_t at_ = 0;
};

// Skips one Java-serialized object stream (Java Object Serialization Specification §6.4:
// STREAM_MAGIC, STREAM_VERSION, one content), as JceKeyStore writes a secret-key entry's
// SealedObjectForKeyProtector. Only the grammar is followed; nothing is instantiated. Class
// descriptors are remembered by handle (arrays and objects whose descriptor is a reference need
// their field list); the table grows by at most one entry per byte read.
class JavaStreamSkipper {
 public:
  explicit JavaStreamSkipper(Reader& in) : in_(in) {}

  bool skip_stream() {
    std::uint64_t magic = 0;
    std::uint64_t version = 0;
    if (!in_.u16(magic) || magic != 0xACEDu || !in_.u16(version) || version != 5) return false;
    return content(0);
  }

 private:
  static constexpr int kMaxDepth = 32;
  enum : unsigned char {
    kNull = 0x70,
    kReference = 0x71,
    kClassDesc = 0x72,
    kObject = 0x73,
    kString = 0x74,
    kArray = 0x75,
    kClass = 0x76,
    kBlockData = 0x77,
    kEndBlockData = 0x78,
    kReset = 0x79,
    kBlockDataLong = 0x7A,
    kLongString = 0x7C,
    kProxyClassDesc = 0x7D,
    kEnum = 0x7E,
  };
  static constexpr unsigned kWriteMethod = 0x01;
  static constexpr unsigned kSerializable = 0x02;
  static constexpr unsigned kExternalizable = 0x04;
  static constexpr unsigned kBlockDataMode = 0x08;

  struct Field {
    char type = 0;  // B C D F I J S Z, or L / [ for objects
  };
  struct ClassDesc {
    std::string_view name;
    unsigned flags = 0;
    std::vector<Field> fields;
    std::optional<std::size_t> super;  // handle of the superclass descriptor
  };
  // One per handle; null for handles that are not class descriptors.
  std::vector<std::optional<ClassDesc>> handles_;

  bool tag(std::uint64_t& t) { return in_.u8(t); }

  // classDesc: TC_CLASSDESC | TC_PROXYCLASSDESC | TC_NULL | TC_REFERENCE; `handle` is set to
  // the descriptor's handle (nullopt for null).
  bool class_desc(int depth, std::optional<std::size_t>& handle) {
    std::uint64_t t = 0;
    if (!tag(t)) return false;
    return class_desc_after(static_cast<unsigned char>(t), depth, handle);
  }

  bool class_desc_after(unsigned char t, int depth, std::optional<std::size_t>& handle) {
    if (depth > kMaxDepth) return false;
    handle.reset();
    if (t == kNull) return true;
    if (t == kReference) {
      std::uint64_t h = 0;
      if (!in_.u32(h) || h < 0x7E0000u || h - 0x7E0000u >= handles_.size()) return false;
      const std::size_t index = static_cast<std::size_t>(h - 0x7E0000u);
      if (!handles_[index]) return false;
      handle = index;
      return true;
    }
    if (t == kProxyClassDesc) {
      const std::size_t index = handles_.size();
      handles_.emplace_back(ClassDesc{});
      handles_[index]->flags = kSerializable;
      std::uint64_t interfaces = 0;
      if (!in_.count(interfaces)) return false;
      for (std::uint64_t i = 0; i < interfaces; ++i) {
        std::string_view name;
        if (!in_.utf(name)) return false;
      }
      std::optional<std::size_t> super;
      if (!annotation(depth) || !class_desc(depth + 1, super)) return false;
      handles_[index]->super = super;
      handle = index;
      return true;
    }
    if (t != kClassDesc) return false;
    ClassDesc desc;
    std::uint64_t flags = 0;
    std::uint64_t fields = 0;
    if (!in_.utf(desc.name) || !in_.skip(8)) return false;  // name, serialVersionUID
    const std::size_t index = handles_.size();
    handles_.emplace_back();  // the handle is assigned before the descriptor's body is read
    if (!in_.u8(flags) || !in_.u16(fields)) return false;
    desc.flags = static_cast<unsigned>(flags);
    for (std::uint64_t i = 0; i < fields; ++i) {
      std::uint64_t type = 0;
      std::string_view name;
      if (!in_.u8(type) || !in_.utf(name)) return false;
      const char c = static_cast<char>(type);
      if (c == 'L' || c == '[') {
        if (!content(depth + 1)) return false;  // the field's class name, a String object
      } else if (primitive_size(c) == 0) {
        return false;
      }
      desc.fields.push_back({c});
    }
    if (!annotation(depth)) return false;
    if (!class_desc(depth + 1, desc.super)) return false;
    handles_[index] = std::move(desc);
    handle = index;
    return true;
  }

  static std::size_t primitive_size(char c) {
    switch (c) {
      case 'B':
      case 'Z':
        return 1;
      case 'C':
      case 'S':
        return 2;
      case 'I':
      case 'F':
        return 4;
      case 'J':
      case 'D':
        return 8;
      default:
        return 0;
    }
  }

  // classAnnotation / objectAnnotation: contents up to TC_ENDBLOCKDATA.
  bool annotation(int depth) {
    for (;;) {
      std::uint64_t t = 0;
      if (!tag(t)) return false;
      if (t == kEndBlockData) return true;
      if (!content_after(static_cast<unsigned char>(t), depth + 1)) return false;
    }
  }

  bool content(int depth) {
    std::uint64_t t = 0;
    return tag(t) && content_after(static_cast<unsigned char>(t), depth);
  }

  // The field values of `handle`'s class and its superclasses, superclass first.
  bool class_data(std::size_t handle, int depth) {
    std::vector<std::size_t> chain;
    for (std::optional<std::size_t> h = handle; h; h = handles_[*h]->super) {
      if (chain.size() > static_cast<std::size_t>(kMaxDepth)) return false;
      chain.push_back(*h);
    }
    for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
      // Copied: reading values may add handles and move the table.
      const ClassDesc desc = *handles_[*it];
      if ((desc.flags & kExternalizable) != 0) {
        if ((desc.flags & kBlockDataMode) == 0) return false;  // protocol 1: length unknown
        if (!annotation(depth)) return false;
        continue;
      }
      for (const Field& f : desc.fields) {
        if (f.type == 'L' || f.type == '[') {
          if (!content(depth + 1)) return false;
        } else if (!in_.skip(primitive_size(f.type))) {
          return false;
        }
      }
      if ((desc.flags & kWriteMethod) != 0 && !annotation(depth)) return false;
    }
    return true;
  }

  bool content_after(unsigned char t, int depth) {
    if (depth > kMaxDepth) return false;
    std::uint64_t n = 0;
    std::optional<std::size_t> desc;
    switch (t) {
      case kNull:
        return true;
      case kReference:
        return in_.u32(n) && n >= 0x7E0000u && n - 0x7E0000u < handles_.size();
      case kClassDesc:
      case kProxyClassDesc:
        return class_desc_after(t, depth, desc);
      case kString:
        handles_.emplace_back();
        return in_.u16(n) && in_.skip(n);
      case kLongString:
        handles_.emplace_back();
        return in_.u64(n) && in_.skip(n);
      case kBlockData:
        return in_.u8(n) && in_.skip(n);
      case kBlockDataLong:
        return in_.count(n) && in_.skip(n);
      case kReset:
        return false;  // only ever between top-level objects, never inside one
      case kClass:
        if (!class_desc(depth + 1, desc)) return false;
        handles_.emplace_back();
        return true;
      case kEnum:
        if (!class_desc(depth + 1, desc) || !desc) return false;
        handles_.emplace_back();
        return content(depth + 1);  // the constant's name, a String
      case kObject:
        if (!class_desc(depth + 1, desc) || !desc) return false;
        handles_.emplace_back();
        return class_data(*desc, depth + 1);
      case kArray: {
        if (!class_desc(depth + 1, desc) || !desc) return false;
        handles_.emplace_back();
        const std::string_view name = handles_[*desc]->name;
        if (name.size() < 2 || name[0] != '[' || !in_.count(n)) return false;
        const std::size_t width = primitive_size(name[1]);
        if (name[1] == 'L' || name[1] == '[') {
          for (std::uint64_t i = 0; i < n; ++i) {
            if (!content(depth + 1)) return false;
          }
          return true;
        }
        return width != 0 && n <= in_.remaining() / width && in_.skip(n * width);
      }
      default:
        return false;  // TC_EXCEPTION and unknown tags: not in a keystore
    }
  }

  Reader& in_;
};

struct Entry {
  std::string alias;
  std::vector<std::string_view> certificates;  // DER, views into the input
  std::size_t unreadable = 0;                  // certificates of a type other than X.509
};

struct Keystore {
  const char* kind = "jks";
  std::vector<Entry> entries;
  std::size_t body = 0;  // bytes before the digest
};

// Parses the structure; on failure `error` says where and why.
bool parse_keystore(std::string_view bytes, Keystore& out, std::string& error) {
  Reader in(bytes);
  std::uint64_t magic = 0;
  std::uint64_t version = 0;
  std::uint64_t count = 0;
  if (!in.u32(magic) || !in.u32(version) || !in.count(count)) {
    error = "the header is truncated";
    return false;
  }
  const bool jceks = magic == kJceksMagic;
  out.kind = jceks ? "jceks" : "jks";
  if (version != 1 && version != 2) {
    error = "unknown version " + std::to_string(version);
    return false;
  }
  const auto at = [&](const std::string& what) {
    return what + " at byte " + std::to_string(in.position());
  };
  const auto certificate = [&](Entry& entry) {
    std::string_view type = "X.509";
    std::uint64_t length = 0;
    std::string_view der;
    if (version == 2 && !in.utf(type)) return false;
    if (!in.count(length) || !in.take(length, der)) return false;
    if (type == "X.509") {
      entry.certificates.push_back(der);
    } else {
      ++entry.unreadable;
    }
    return true;
  };
  for (std::uint64_t i = 0; i < count; ++i) {
    std::uint64_t tag = 0;
    std::string_view alias;
    if (!in.u32(tag) || !in.utf(alias) || !in.skip(8)) {
      error = at("entry " + std::to_string(i + 1) + " is truncated");
      return false;
    }
    Entry entry;
    // Java writes aliases as modified UTF-8; any other bytes must not reach a report (issue 18).
    entry.alias = detail::repair_utf8(alias);
    const std::string name = "entry " + std::to_string(i + 1) + " (" + entry.alias + ")";
    if (tag == 1) {
      std::uint64_t key_length = 0;
      std::uint64_t chain = 0;
      if (!in.count(key_length) || !in.skip(key_length) || !in.count(chain)) {
        error = at(name + " is truncated");
        return false;
      }
      for (std::uint64_t c = 0; c < chain; ++c) {
        if (!certificate(entry)) {
          error = at(name + " is truncated");
          return false;
        }
      }
    } else if (tag == 2) {
      if (!certificate(entry)) {
        error = at(name + " is truncated");
        return false;
      }
    } else if (tag == 3 && jceks) {
      JavaStreamSkipper skipper(in);
      if (!skipper.skip_stream()) {
        error = at(name + ": the sealed secret key does not parse");
        return false;
      }
    } else {
      error = at(name + ": unknown entry type " + std::to_string(tag));
      return false;
    }
    out.entries.push_back(std::move(entry));
  }
  if (in.remaining() != kDigestSize) {
    error = in.remaining() < kDigestSize
                ? "the integrity digest is truncated"
                : std::to_string(in.remaining() - kDigestSize) + " bytes follow the last entry";
    return false;
  }
  out.body = in.position();
  return true;
}

// A password as Java's char[] in big-endian bytes (UTF-16BE); nullopt when `utf8` is not UTF-8.
std::optional<std::string> utf16be(std::string_view utf8) {
  std::string out;
  for (std::size_t i = 0; i < utf8.size();) {
    const auto b = static_cast<unsigned char>(utf8[i]);
    std::uint32_t cp = 0;
    std::size_t n = 0;
    if (b < 0x80) {
      cp = b;
      n = 1;
    } else if ((b & 0xE0) == 0xC0) {
      cp = b & 0x1Fu;
      n = 2;
    } else if ((b & 0xF0) == 0xE0) {
      cp = b & 0x0Fu;
      n = 3;
    } else if ((b & 0xF8) == 0xF0) {
      cp = b & 0x07u;
      n = 4;
    } else {
      return std::nullopt;
    }
    if (i + n > utf8.size()) return std::nullopt;
    for (std::size_t k = 1; k < n; ++k) {
      const auto c = static_cast<unsigned char>(utf8[i + k]);
      if ((c & 0xC0) != 0x80) return std::nullopt;
      cp = (cp << 6) | (c & 0x3Fu);
    }
    i += n;
    const auto unit = [&](std::uint32_t u) {
      out += static_cast<char>((u >> 8) & 0xFF);
      out += static_cast<char>(u & 0xFF);
    };
    if (cp >= 0x10000) {
      cp -= 0x10000;
      unit(0xD800 + (cp >> 10));
      unit(0xDC00 + (cp & 0x3FF));
    } else {
      unit(cp);
    }
  }
  return out;
}

// True when the keystore's digest is SHA-1(password, "Mighty Aphrodite", body).
bool digest_matches(std::string_view bytes, std::size_t body, const std::string& password) {
  const auto key = utf16be(password);
  if (!key) return false;
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  std::unique_ptr<EVP_MD_CTX, decltype(&::EVP_MD_CTX_free)> ctx(::EVP_MD_CTX_new(),
                                                                &::EVP_MD_CTX_free);
  const bool ok = ctx && ::EVP_DigestInit_ex(ctx.get(), ::EVP_sha1(), nullptr) == 1 &&
                  ::EVP_DigestUpdate(ctx.get(), key->data(), key->size()) == 1 &&
                  ::EVP_DigestUpdate(ctx.get(), kWhitener.data(), kWhitener.size()) == 1 &&
                  ::EVP_DigestUpdate(ctx.get(), bytes.data(), body) == 1 &&
                  ::EVP_DigestFinal_ex(ctx.get(), digest.data(), &length) == 1;
  return ok && length == kDigestSize &&
         bytes.substr(body, kDigestSize) ==
             std::string_view(reinterpret_cast<const char*>(digest.data()), kDigestSize);
}

}  // namespace

bool load_keystore(std::string_view bytes, const std::string& source, const SourceOptions& options,
                   LoadResult& out) {
  core::CertLocation location;
  location.filepath = source;
  return load_keystore(bytes, source, source, location, options, out);
}

bool load_keystore(std::string_view bytes, const std::string& source, const std::string& what,
                   const core::CertLocation& location, const SourceOptions& options,
                   LoadResult& out) {
  Reader probe(bytes);
  std::uint64_t magic = 0;
  if (!probe.u32(magic) || (magic != kJksMagic && magic != kJceksMagic)) return false;
  const std::string format = magic == kJksMagic ? "JKS" : "JCEKS";
  Keystore keystore;
  std::string error;
  if (!parse_keystore(bytes, keystore, error)) {
    out.errors.push_back(
        {source, "bad_keystore", what + ": bad " + format + " keystore: " + error});
    return true;
  }
  // The digest is checked before anything is reported: with no password that matches, the
  // entries are unverified (a corrupt or altered file reads as well as a good one), and the
  // report must not look complete when it may not be. keytool -list prints unverified entries
  // with a warning; a cron job would never see that warning, so here it is an error.
  bool verified = digest_matches(bytes, keystore.body, "");
  for (std::size_t i = 0; !verified && i < options.passwords.size(); ++i) {
    verified = digest_matches(bytes, keystore.body, options.passwords[i]);
  }
  if (!verified) {
    out.errors.push_back(
        {source, "bad_passphrase",
         what + ": " + format +
             " keystore integrity check failed: the password is wrong or the file is corrupt "
             "(tried the empty password" +
             (options.passwords.empty() ? "" : " and the given ones") + ")"});
    return true;
  }
  std::size_t certificates = 0;
  std::size_t errors = 0;
  for (const Entry& entry : keystore.entries) {
    std::size_t bad = entry.unreadable;
    for (const std::string_view der : entry.certificates) {
      core::LocatedCert located;
      if (!read_certificate_fast(der, located.cert, nullptr, options.detail)) {
        ++bad;
        continue;
      }
      located.location = location;
      located.location.embedded_kind = keystore.kind;
      located.location.embedded_key = entry.alias;
      out.certificates.push_back(std::move(located));
      ++certificates;
    }
    if (bad > 0) {
      out.errors.push_back({source, "bad_keystore",
                            what + ": " + format + " entry " + entry.alias + ": " +
                                std::to_string(bad) + " certificate(s) do not parse"});
      ++errors;
    }
  }
  if (certificates == 0 && errors == 0) {
    out.errors.push_back(
        {source, "no_certificate_found", what + ": " + format + " keystore holds no certificate"});
  }
  return true;
}

}  // namespace promtls::tls::detail
