// Keystore fixtures for the unit and CLI tests, made once per test binary by the tools people use:
// `openssl pkcs12 -export` (modern and -legacy) and Debian's `keytool` (openjdk-17-jre-headless,
// installed by scripts/install-deps.sh) for JKS and JCEKS. Certificates come from pki.hpp with
// explicit validity windows around kNow. Not thread-safe (tests run one at a time).
#pragma once

#include <catch2/catch.hpp>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "pki.hpp"
#include "run.hpp"

namespace promtls::test {

inline constexpr const char* kKeytool = "/usr/bin/keytool";
inline constexpr const char* kStorePassword = "storepass";

struct KeystoreFixtures {
  TempDir dir;
  Authority root =
      Authority::make("ks-root", KeyKind::ec_p256, kNow - 365 * kDay, kNow + 3650 * kDay);
  Authority other =
      Authority::make("ks-other-root", KeyKind::ec_p256, kNow - 100 * kDay, kNow + 1000 * kDay);
  Key leaf_key{KeyKind::ec_p256};
  Cert leaf = [this] {
    CertSpec spec;
    spec.cn = "ks-leaf.example";
    spec.dns = {"ks-leaf.example"};
    spec.not_before = kNow - 30 * kDay;
    spec.not_after = kNow + 60 * kDay;
    return root.leaf(spec, leaf_key);
  }();
  std::string modern_p12;  // pki.hpp's PKCS12_create: AES-256-CBC, PBKDF2, SHA-256 MAC
  std::string legacy_p12;  // openssl pkcs12 -export -legacy: RC2-40-CBC and 3DES
  std::string jks;         // trusted "root" and "other", key entry "server" (leaf + root)
  std::string jceks;       // the same, plus three secret-key entries
  bool have_keytool = std::filesystem::exists(kKeytool);

  KeystoreFixtures() {
    dir.write("root.pem", root.cert.pem());
    dir.write("other.pem", other.cert.pem());
    dir.write("leaf.pem", leaf.pem());
    dir.write("leaf.key", leaf_key.private_pem());
    modern_p12 = dir.write("modern.p12", pkcs12(leaf, leaf_key, {&root.cert}, kStorePassword));
    legacy_p12 = path("legacy.p12");
    openssl({"pkcs12", "-export", "-legacy", "-in", path("leaf.pem"), "-inkey", path("leaf.key"),
             "-certfile", path("root.pem"), "-name", "server", "-passout",
             std::string("pass:") + kStorePassword, "-out", legacy_p12});
    openssl({"pkcs12", "-export", "-in", path("leaf.pem"), "-inkey", path("leaf.key"), "-certfile",
             path("root.pem"), "-name", "server", "-passout", std::string("pass:") + kStorePassword,
             "-out", path("server.p12")});
    if (!have_keytool) return;
    jks = store("store.jks", "JKS");
    jceks = store("store.jceks", "JCEKS");
    for (const char* alias : {"secret-a", "secret-b", "secret-c"}) {
      keytool({"-genseckey", "-alias", alias, "-keyalg", "AES", "-keysize", "128", "-storetype",
               "JCEKS", "-keystore", jceks, "-storepass", kStorePassword, "-keypass",
               kStorePassword});
    }
  }

  std::string path(const std::string& name) const { return (dir.path() / name).string(); }

 private:
  static void check(const RunResult& r, const std::string& what) {
    if (r.exit_code != 0) throw std::runtime_error(what + " failed: " + r.err + r.out);
  }
  void openssl(std::vector<std::string> args) const {
    args.insert(args.begin(), "/usr/bin/openssl");
    check(run(args, {"PATH=/usr/bin:/bin"}), "openssl " + args[1]);
  }
  void keytool(std::vector<std::string> args) const {
    args.insert(args.begin(), kKeytool);
    args.emplace_back("-noprompt");
    check(run(args, {"PATH=/usr/bin:/bin", "HOME=" + dir.path().string()}, 60000),
          "keytool " + args[1]);
  }
  std::string store(const std::string& name, const std::string& type) const {
    const std::string file = path(name);
    for (const char* alias : {"root", "other"}) {
      keytool({"-importcert", "-alias", alias, "-file", path(std::string(alias) + ".pem"),
               "-storetype", type, "-keystore", file, "-storepass", kStorePassword});
    }
    keytool({"-importkeystore", "-srckeystore", path("server.p12"), "-srcstoretype", "PKCS12",
             "-srcstorepass", kStorePassword, "-destkeystore", file, "-deststoretype", type,
             "-deststorepass", kStorePassword});
    return file;
  }
};

// The fixtures, made on first use.
inline const KeystoreFixtures& keystore_fixtures() {
  static const KeystoreFixtures fixtures;
  return fixtures;
}

// True when keytool is installed; otherwise says why the calling test does nothing.
inline bool keytool_available() {
  if (keystore_fixtures().have_keytool) return true;
  WARN("skipped: " << kKeytool
                   << " is missing (install openjdk-17-jre-headless: scripts/install-deps.sh)");
  return false;
}

}  // namespace promtls::test
