// The TLS catalog: every entry has its fields, names and ids are unique, aliases and default
// lists point at existing entries, and the lookups find what they promise.
#include "promtls/core/tls_catalog.hpp"

#include <catch2/catch.hpp>
#include <set>
#include <string>
#include <vector>

using namespace promtls::core;

TEST_CASE("every cipher suite has its names, and no id or name is listed twice") {
  std::set<std::uint16_t> ids;
  std::set<std::string_view> go_names;
  std::set<std::string_view> openssl_names;
  REQUIRE(cipher_suites().size() == 25);
  for (const CipherSuite& s : cipher_suites()) {
    INFO(s.go_name);
    CHECK(s.go_name.rfind("TLS_", 0) == 0);
    CHECK(!s.openssl_name.empty());
    CHECK(s.id != 0);
    CHECK(ids.insert(s.id).second);
    CHECK(go_names.insert(s.go_name).second);
    CHECK(openssl_names.insert(s.openssl_name).second);
    // TLS 1.3 suites are the 0x13xx block, named the same by OpenSSL and Go.
    CHECK(s.tls13 == ((s.id >> 8) == 0x13));
    if (s.tls13) CHECK(s.openssl_name == s.go_name);
    CHECK(s.forward_secret == (s.tls13 || s.go_name.find("ECDHE") != std::string_view::npos));
    CHECK(s.cbc == (s.go_name.find("_CBC_") != std::string_view::npos));
    CHECK(find_cipher_suite(s.id) == &s);
    CHECK(find_cipher_suite_by_go_name(s.go_name) == &s);
    CHECK(find_cipher_suite_by_openssl_name(s.openssl_name) == &s);
  }
}

TEST_CASE("tls.CipherSuites() has 13 entries and the HTTP/2 suites are the two AES-128-GCM ones") {
  std::size_t secure = 0;
  std::set<std::string_view> h2;
  for (const CipherSuite& s : cipher_suites()) {
    if (s.go_secure) ++secure;
    if (s.http2_required) h2.insert(s.go_name);
  }
  CHECK(secure == 13);
  CHECK(h2 == std::set<std::string_view>{"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
                                         "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"});
}

TEST_CASE("suite lookups are exact and return nullptr for unknown names and ids") {
  CHECK(find_cipher_suite(0xC02F)->go_name == "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
  CHECK(find_cipher_suite_by_openssl_name("ECDHE-RSA-AES128-GCM-SHA256")->id == 0xC02F);
  CHECK(find_cipher_suite_by_go_name("tls_ecdhe_rsa_with_aes_128_gcm_sha256") == nullptr);
  CHECK(find_cipher_suite_by_go_name("TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305") == nullptr);
  CHECK(find_cipher_suite_by_openssl_name("ecdhe-rsa-aes128-gcm-sha256") == nullptr);
  CHECK(find_cipher_suite(0x0000) == nullptr);
  CHECK(find_cipher_suite(0xFFFF) == nullptr);
}

TEST_CASE("every group has its names, and no id or name is listed twice") {
  std::set<std::uint16_t> ids;
  std::set<std::string_view> names;
  std::set<std::string_view> iana;
  std::set<std::string_view> openssl;
  for (const Group& g : groups()) {
    INFO(g.name);
    CHECK(!g.name.empty());
    CHECK(!g.iana_name.empty());
    CHECK(!g.openssl_name.empty());
    CHECK(ids.insert(g.id).second);
    CHECK(names.insert(g.name).second);
    CHECK(iana.insert(g.iana_name).second);
    CHECK(openssl.insert(g.openssl_name).second);
    CHECK(find_group(g.id) == &g);
    CHECK(find_group_by_openssl_name(g.openssl_name) == &g);
    CHECK(find_group_by_openssl_name(g.iana_name) == &g);
    CHECK(find_group_by_go_name(g.name) == (g.go ? &g : nullptr));
    // The ML-KEM hybrids are TLS 1.3 only and post-quantum.
    CHECK(g.post_quantum == (g.name.find("MLKEM") != std::string_view::npos));
    CHECK(is_post_quantum(g.id) == g.post_quantum);
    if (g.post_quantum) CHECK(g.tls13_only);
  }
}

TEST_CASE("the groups' code points, Go names and OpenSSL names are the registry's") {
  CHECK(find_group(23)->openssl_name == "P-256");
  CHECK(find_group(23)->iana_name == "secp256r1");
  CHECK(find_group(24)->name == "CurveP384");
  CHECK(find_group(25)->name == "CurveP521");
  CHECK(find_group(29)->name == "X25519");
  CHECK(find_group(30)->iana_name == "x448");
  CHECK_FALSE(find_group(30)->go);
  CHECK(find_group(kX25519MLKEM768)->name == "X25519MLKEM768");
  CHECK(kX25519MLKEM768 == 0x11EC);
  CHECK(find_group_by_go_name("SecP256r1MLKEM768")->id == 4587);
  CHECK(find_group_by_go_name("SecP384r1MLKEM1024")->id == 4589);
  CHECK(find_group_by_go_name("X448") == nullptr);
  CHECK(find_group_by_openssl_name("x25519")->id == 29);
  CHECK(find_group_by_openssl_name("p-256") == nullptr);
  CHECK(find_group(0) == nullptr);
  CHECK(find_group(256)->openssl_name == "ffdhe2048");
  CHECK_FALSE(find_group(257)->go);
  CHECK_FALSE(is_post_quantum(29));
  CHECK_FALSE(is_post_quantum(0));
}

TEST_CASE("knative's map has its eight spellings, each naming a Go group") {
  REQUIRE(knative_group_spellings().size() == 8);
  std::set<std::string_view> spellings;
  for (const GroupSpelling& g : knative_group_spellings()) {
    INFO(g.spelling);
    CHECK(spellings.insert(g.spelling).second);
    REQUIRE(find_group(g.id) != nullptr);
    CHECK(find_group(g.id)->go);
    CHECK(find_knative_group_spelling(g.spelling) == &g);
  }
  CHECK(find_knative_group_spelling("P-256")->id == 23);
  CHECK(find_knative_group_spelling("x25519") == nullptr);
  CHECK(find_knative_group_spelling("X448") == nullptr);
  CHECK(find_knative_group_spelling("SecP256r1MLKEM768") == nullptr);
}

TEST_CASE("every group alias suggests a knative spelling, and aliases resolve ignoring case") {
  std::set<std::string> seen;
  for (const GroupAlias& a : group_aliases()) {
    INFO(a.alias);
    std::string folded(a.alias);
    for (char& c : folded) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    CHECK(seen.insert(folded).second);
    CHECK(find_knative_group_spelling(a.suggest) != nullptr);
    CHECK(find_group_alias(a.alias) == &a);
    CHECK(find_group_alias(folded) == &a);
  }
  // Every knative spelling is its own alias, so a case slip is caught.
  for (const GroupSpelling& g : knative_group_spellings()) {
    REQUIRE(find_group_alias(g.spelling) != nullptr);
    CHECK(find_group_alias(g.spelling)->suggest == g.spelling);
  }
  CHECK(find_group_alias("PRIME256V1")->suggest == "CurveP256");
  CHECK(find_group_alias("p256")->suggest == "P-256");
  CHECK(find_group_alias("x25519")->suggest == "X25519");
  CHECK(find_group_alias("X448") == nullptr);
  CHECK(find_group_alias("") == nullptr);
}

TEST_CASE("the default lists name existing entries without repeats") {
  const auto check_groups = [](std::span<const std::uint16_t> ids) {
    std::set<std::uint16_t> seen;
    for (const std::uint16_t id : ids) {
      INFO(id);
      REQUIRE(find_group(id) != nullptr);
      CHECK(seen.insert(id).second);
    }
  };
  check_groups(go_default_curve_preferences());
  check_groups(server_default_groups());
  std::vector<std::string_view> go_curves;
  for (const std::uint16_t id : go_default_curve_preferences()) {
    CHECK(find_group(id)->go);
    go_curves.push_back(find_group(id)->name);
  }
  CHECK(go_curves == std::vector<std::string_view>{"X25519MLKEM768", "X25519", "CurveP256",
                                                   "CurveP384", "CurveP521"});

  // Go's default TLS 1.2 suites are exactly the TLS 1.2 part of tls.CipherSuites(), AEADs first.
  std::set<std::uint16_t> defaults;
  bool seen_cbc = false;
  for (const std::uint16_t id : go_default_tls12_cipher_suites()) {
    const CipherSuite* s = find_cipher_suite(id);
    REQUIRE(s != nullptr);
    CHECK(defaults.insert(id).second);
    CHECK(s->go_secure);
    CHECK_FALSE(s->tls13);
    if (s->cbc) seen_cbc = true;
    CHECK((!seen_cbc || s->cbc));
  }
  std::set<std::uint16_t> secure12;
  for (const CipherSuite& s : cipher_suites()) {
    if (s.go_secure && !s.tls13) secure12.insert(s.id);
  }
  CHECK(defaults == secure12);
  CHECK(go_default_tls12_cipher_suites().front() == 0xC02B);
}

TEST_CASE("version names") {
  CHECK(version_name(kTls12) == "TLS 1.2");
  CHECK(version_name(kTls13) == "TLS 1.3");
  CHECK(version_name(0x0301) == "TLS 1.0");
  CHECK(version_name(0x0200) == "TLS ?");
}

TEST_CASE(
    "OpenSSL 3.5's default group list is its tuples in its order, the hybrid alone in the first") {
  std::vector<std::string> tuples;
  for (const TupleGroup& g : openssl35_default_groups()) {
    const Group* group = find_group(g.id);
    REQUIRE(group != nullptr);
    if (g.starts_tuple) tuples.emplace_back();
    tuples.back() += std::string(g.key_share ? "*" : "") + std::string(group->iana_name) + " ";
  }
  CHECK(tuples == std::vector<std::string>{"*X25519MLKEM768 ", "*x25519 secp256r1 ",
                                           "x448 secp384r1 secp521r1 ", "ffdhe2048 ffdhe3072 "});
}

TEST_CASE("CVE-2026-2673 affects OpenSSL 3.5 before 3.5.6 and 3.6 before 3.6.2 only") {
  CHECK_FALSE(openssl_group_tuples_affected(0x30000130L));  // 3.0.19
  CHECK_FALSE(openssl_group_tuples_affected(0x30400000L));  // 3.4.0
  CHECK(openssl_group_tuples_affected(0x30500000L));        // 3.5.0
  CHECK(openssl_group_tuples_affected(0x30500050L));        // 3.5.5
  CHECK_FALSE(openssl_group_tuples_affected(0x30500060L));  // 3.5.6
  CHECK_FALSE(openssl_group_tuples_affected(0x30500090L));  // 3.5.9 (Debian 13)
  CHECK(openssl_group_tuples_affected(0x30600010L));        // 3.6.1
  CHECK_FALSE(openssl_group_tuples_affected(0x30600020L));  // 3.6.2
  CHECK_FALSE(openssl_group_tuples_affected(0x30700000L));  // 3.7.0
  CHECK_FALSE(openssl_group_tuples_affected(0));
}

TEST_CASE("the configuration spelling of TLS versions reads and writes Go's names only") {
  for (const std::uint16_t v : {std::uint16_t{0x0301}, std::uint16_t{0x0302}, kTls12, kTls13}) {
    const std::string_view name = config_version_name(v);
    CHECK(parse_config_version(name) == v);
  }
  CHECK(config_version_name(kTls12) == "TLS12");
  CHECK(config_version_name(0) == "");
  CHECK(config_version_name(0x0305) == "");
  CHECK_FALSE(parse_config_version("TLS 1.2").has_value());
  CHECK_FALSE(parse_config_version("tls12").has_value());
  CHECK_FALSE(parse_config_version("").has_value());
}
