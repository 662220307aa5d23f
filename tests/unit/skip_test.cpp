// What is a certificate source and what is not (issue 12): files without certificates met while
// walking are skipped by kind, the same files named are errors, and what cannot be read or
// identified stays an error wherever it is met.
#include <catch2/catch.hpp>
#include <map>

#include "fake_files.hpp"
#include "pki.hpp"
#include "promtls/core/documents.hpp"
#include "promtls/tls/sources.hpp"
#include "trees.hpp"

using namespace promtls;
using namespace promtls::test;

namespace {

struct Material {
  Authority ca = Authority::make("skip-ca");
  Key key{KeyKind::ec_p256};
  Key rsa{KeyKind::rsa_2048};
  Cert leaf = [this] {
    CertSpec spec;
    spec.cn = "skip.example";
    return ca.leaf(spec, key);
  }();
};

const Material& material() {
  static const Material m;
  return m;
}

// One directory of every kind of file that holds no certificate, and one certificate.
FakeFileSystem mixed_directory() {
  const Material& m = material();
  FakeFileSystem fs;
  fs.file("/d/cert.pem", m.leaf.pem());
  fs.file("/d/pkcs8.key", m.key.private_pem());
  fs.file("/d/rsa.key", m.rsa.traditional_pem());
  fs.file("/d/encrypted.key", m.key.private_pem("pass"));
  fs.file("/d/ec.key",
          "-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n" +
              m.key.traditional_pem());
  fs.file("/d/der.key", [&] {
    // A PKCS#8 DER key: the PEM body decoded.
    const std::string pem = m.key.private_pem();
    std::string body;
    for (std::size_t at = pem.find('\n') + 1; at < pem.size();) {
      const std::size_t end = pem.find('\n', at);
      const std::string line = pem.substr(at, end - at);
      if (line.starts_with("-----")) break;
      body += line;
      at = end + 1;
    }
    return *core::base64_decode(body);
  }());
  fs.file("/d/sa.pub", m.rsa.public_pem());
  fs.file("/d/server.csr", csr(m.key, "skip.example"));
  fs.file("/d/server.csr.der", csr(m.key, "skip.example", true));
  fs.file("/d/ca.crl", crl(m.ca));
  fs.file("/d/ca.crl.der", crl(m.ca, true));
  fs.file("/d/dhparam.pem",
          "-----BEGIN DH PARAMETERS-----\nMAYCAQACAQI=\n-----END DH PARAMETERS-----\n");
  fs.file("/d/kubeadm-flags.env",
          "# written by kubeadm\nKUBELET_KUBEADM_ARGS=\"--node-ip=10.0.0.10\"\n\nexport "
          "OTHER=1\n");
  fs.file("/d/pod.yaml",
          "apiVersion: v1\nkind: Pod\nmetadata:\n  name: etcd\nspec:\n  containers: []\n");
  fs.file("/d/deploy.json",
          R"({"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"}})");
  fs.file("/d/opaque.yaml",
          "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ndata:\n  password: c2VjcmV0\n");
  return fs;
}

std::map<std::string, std::string> kinds(const tls::LoadResult& r) {
  std::map<std::string, std::string> out;
  for (const tls::SkippedFile& s : r.skipped) out[s.source] = s.kind;
  return out;
}

}  // namespace

TEST_CASE("files without certificates met walking a directory are skipped by kind") {
  FakeFileSystem fs = mixed_directory();
  tls::SourceOptions options;
  options.files = &fs;
  const tls::LoadResult r = tls::load_sources({"/d"}, options);
  CHECK(r.errors.empty());
  for (const auto& e : r.errors) INFO(e.message);
  REQUIRE(r.certificates.size() == 1);
  CHECK(r.certificates[0].location.filepath == "/d/cert.pem");
  CHECK(kinds(r) == std::map<std::string, std::string>{
                        {"/d/ca.crl", "crl"},
                        {"/d/ca.crl.der", "crl"},
                        {"/d/deploy.json", "kubernetes_objects"},
                        {"/d/der.key", "private_key"},
                        {"/d/dhparam.pem", "key_parameters"},
                        {"/d/ec.key", "private_key"},
                        {"/d/encrypted.key", "private_key"},
                        {"/d/kubeadm-flags.env", "env_file"},
                        {"/d/opaque.yaml", "kubernetes_objects"},
                        {"/d/pkcs8.key", "private_key"},
                        {"/d/pod.yaml", "kubernetes_objects"},
                        {"/d/rsa.key", "private_key"},
                        {"/d/sa.pub", "public_key"},
                        {"/d/server.csr", "certificate_request"},
                        {"/d/server.csr.der", "certificate_request"},
                    });
  // In walk order, once each.
  CHECK(r.skipped.size() == 15);
  CHECK(r.skipped.front().source == "/d/ca.crl");
}

TEST_CASE("a glob's matches without certificates are skipped as a directory's files are") {
  FakeFileSystem fs = mixed_directory();
  tls::SourceOptions options;
  options.files = &fs;
  const tls::LoadResult r = tls::load_sources({"/d/*.key"}, options);
  CHECK(r.errors.empty());
  CHECK(r.certificates.empty());
  CHECK(kinds(r) == std::map<std::string, std::string>{{"/d/der.key", "private_key"},
                                                       {"/d/ec.key", "private_key"},
                                                       {"/d/encrypted.key", "private_key"},
                                                       {"/d/pkcs8.key", "private_key"},
                                                       {"/d/rsa.key", "private_key"}});
}

TEST_CASE("the same files named on the command line are no_certificate_found errors") {
  FakeFileSystem fs = mixed_directory();
  tls::SourceOptions options;
  options.files = &fs;
  const std::map<std::string, std::string> expected{
      {"/d/pkcs8.key", "/d/pkcs8.key: no CERTIFICATE block in PEM data (it holds a private key)"},
      {"/d/sa.pub", "/d/sa.pub: no CERTIFICATE block in PEM data (it holds a public key)"},
      {"/d/server.csr",
       "/d/server.csr: no CERTIFICATE block in PEM data (it holds a certificate request)"},
      {"/d/ca.crl", "/d/ca.crl: no CERTIFICATE block in PEM data (it holds a CRL)"},
      {"/d/der.key", "/d/der.key: no certificate (it holds a private key, DER)"},
      {"/d/ca.crl.der", "/d/ca.crl.der: no certificate (it holds a CRL, DER)"},
      {"/d/kubeadm-flags.env",
       "/d/kubeadm-flags.env: no certificate (an env file of NAME=value lines)"},
      {"/d/pod.yaml", "/d/pod.yaml: no Secret, ConfigMap or kubeconfig in the documents"},
  };
  for (const auto& [path, message] : expected) {
    INFO(path);
    const tls::LoadResult r = tls::load_sources({path}, options);
    CHECK(r.certificates.empty());
    CHECK(r.skipped.empty());
    REQUIRE(r.errors.size() == 1);
    CHECK(r.errors[0].source == path);
    CHECK(r.errors[0].reason == "no_certificate_found");
    CHECK(r.errors[0].message == message);
  }
  // Standard input is named too.
  const auto stdin_like = tls::load_bytes(material().key.private_pem(), "-");
  REQUIRE(stdin_like.errors.size() == 1);
  CHECK(stdin_like.errors[0].reason == "no_certificate_found");
}

TEST_CASE("no private key material appears in what a skipped or refused key file reports") {
  FakeFileSystem fs = mixed_directory();
  tls::SourceOptions options;
  options.files = &fs;
  const std::string pem = material().key.private_pem();
  const std::string body = pem.substr(pem.find('\n') + 1, 40);
  for (const auto& path : {"/d", "/d/pkcs8.key"}) {
    const tls::LoadResult r = tls::load_sources({path}, options);
    for (const auto& e : r.errors) CHECK(e.message.find(body) == std::string::npos);
    for (const auto& s : r.skipped) CHECK(s.source.find(body) == std::string::npos);
  }
}

TEST_CASE("what cannot be read or identified stays an error in a walked directory") {
  const Material& m = material();
  FakeFileSystem fs;
  fs.file("/d/good.pem", m.leaf.pem());
  fs.file("/d/denied.pem", m.leaf.pem());
  fs.deny("/d/denied.pem");
  fs.file("/d/denied.key", m.key.private_pem());
  fs.deny("/d/denied.key");  // a key we may not read is not known to be a key
  fs.link("/d/dangling.crt", "gone.crt");
  fs.file("/d/junk.bin", std::string("\x7f"
                                     "ELF\x02\x01\x01\0\0\0",
                                     10));
  fs.file("/d/notes.txt", "rotate these before March\n");
  fs.file("/d/empty.crt", "");
  fs.file("/d/bad.crt", "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n");
  fs.file("/d/old.crt", "-----BEGIN X509 CERTIFICATE-----\nAAAA\n-----END X509 CERTIFICATE-----\n");
  fs.file("/d/pgp.asc",
          "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nmQ==\n-----END PGP PUBLIC KEY BLOCK-----\n");
  fs.file("/d/broken.yaml", "apiVersion: v1\nkind: [unclosed\n");
  fs.file("/d/bad.p12", pkcs12(m.leaf, m.key, {}, "s3cret"));
  tls::SourceOptions options;
  options.files = &fs;
  const tls::LoadResult r = tls::load_sources({"/d"}, options);
  REQUIRE(r.certificates.size() == 1);
  CHECK(r.certificates[0].location.filepath == "/d/good.pem");
  CHECK(r.skipped.empty());
  std::map<std::string, std::string> reasons;
  for (const auto& e : r.errors) reasons[e.source] = e.reason;
  CHECK(reasons == std::map<std::string, std::string>{
                       {"/d/bad.crt", "bad_pem"},
                       {"/d/bad.p12", "bad_passphrase"},
                       {"/d/broken.yaml", "decode_failed"},
                       {"/d/dangling.crt", "broken_symlink"},
                       {"/d/denied.key", "permission_denied"},
                       {"/d/denied.pem", "permission_denied"},
                       {"/d/empty.crt", "decode_failed"},
                       {"/d/junk.bin", "decode_failed"},
                       {"/d/notes.txt", "decode_failed"},
                       {"/d/old.crt", "no_certificate_found"},
                       {"/d/pgp.asc", "no_certificate_found"},
                   });
}

TEST_CASE("a file with a key and a certificate is a certificate source, not a skipped key") {
  const Material& m = material();
  FakeFileSystem fs;
  fs.file("/d/both.pem", m.key.private_pem() + m.leaf.pem());
  tls::SourceOptions options;
  options.files = &fs;
  const tls::LoadResult r = tls::load_sources({"/d"}, options);
  CHECK(r.errors.empty());
  CHECK(r.skipped.empty());
  REQUIRE(r.certificates.size() == 1);
}

TEST_CASE("an env file is NAME=value lines and nothing else") {
  FakeFileSystem fs;
  fs.file("/d/a.env", "A=1\n");
  fs.file("/d/b.env", "A=1\nthis is prose\n");
  fs.file("/d/c.env", "1A=1\n");
  fs.file("/d/d.env", "# only a comment\n");
  fs.file("/d/e.env", "A-B=1\n");
  tls::SourceOptions options;
  options.files = &fs;
  const tls::LoadResult r = tls::load_sources({"/d"}, options);
  CHECK(kinds(r) == std::map<std::string, std::string>{{"/d/a.env", "env_file"}});
  CHECK(r.errors.size() == 4);
}

TEST_CASE("Kubernetes documents that are not all objects are not skipped") {
  FakeFileSystem fs;
  fs.file("/d/package.json", R"({"name":"web","version":"1.0.0"})");
  fs.file("/d/half.yaml", "apiVersion: v1\nkind: Pod\n---\nfoo: bar\n");
  fs.file("/d/list.yaml", "apiVersion: v1\nkind: List\nitems: []\n");
  tls::SourceOptions options;
  options.files = &fs;
  const tls::LoadResult r = tls::load_sources({"/d"}, options);
  CHECK(kinds(r) == std::map<std::string, std::string>{{"/d/list.yaml", "kubernetes_objects"}});
  std::map<std::string, std::string> reasons;
  for (const auto& e : r.errors) reasons[e.source] = e.reason;
  CHECK(reasons == std::map<std::string, std::string>{{"/d/half.yaml", "no_certificate_found"},
                                                      {"/d/package.json", "no_certificate_found"}});
}

TEST_CASE("excluded files are skipped of kind excluded, never read and never errors") {
  FakeFileSystem fs = mixed_directory();
  fs.link("/d/dangling.key", "gone.key");
  tls::SourceOptions options;
  options.files = &fs;
  options.include = {"*.pem", "*.key"};
  options.exclude = {"dhparam.pem", "*.key"};
  const tls::LoadResult r = tls::load_sources({"/d"}, options);
  CHECK(r.errors.empty());
  REQUIRE(r.certificates.size() == 1);
  CHECK(r.skipped.size() == 16);  // every other file, the dangling link too
  for (const auto& s : r.skipped) CHECK(s.kind == "excluded");
  CHECK(fs.reads == std::vector<std::string>{"/d/cert.pem"});
}
