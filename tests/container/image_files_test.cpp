// The Containerfile and scripts/build-image.sh describe one image: the same build configuration,
// the same runtime files (both run scripts/image-rootfs.sh on the same stripped binary), the
// same user, entrypoint, command and labels. The Containerfile cannot be built here (no
// container daemon), so these checks are what keeps it from drifting. Needs no root; the last
// test also reads the built image when PROMTLS_IMAGE names one.
#include <yaml-cpp/yaml.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "test_skip.hpp"

namespace promtls::test {
namespace {

namespace fs = std::filesystem;

std::string source(const std::string& relative) {
  std::ifstream in(fs::path(PROMTLS_SOURCE_DIR) / relative);
  REQUIRE(in.good());
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// `text` with backslash-newline continuations joined and runs of blanks made one space.
std::string joined(std::string text) {
  text = std::regex_replace(text, std::regex("\\\\\n"), " ");
  return std::regex_replace(text, std::regex("[ \t]+"), " ");
}

std::set<std::string> words(const std::string& text) {
  std::istringstream in(text);
  std::set<std::string> out;
  for (std::string w; in >> w;) out.insert(w);
  return out;
}

// The packages the Containerfile's build stage installs.
std::set<std::string> containerfile_packages() {
  const std::string c = joined(source("Containerfile"));
  std::smatch m;
  REQUIRE(
      std::regex_search(c, m, std::regex("apt-get install -y --no-install-recommends ([^&]*)")));
  return words(m[1]);
}

// The package list of scripts/test-debian13.sh (the Debian 13 root build-image.sh builds in).
std::set<std::string> debian13_packages() {
  const std::string s = source("scripts/test-debian13.sh");
  std::smatch m;
  REQUIRE(std::regex_search(s, m, std::regex("\\npackages=\\(([^)]*)\\)")));
  return words(m[1]);
}

// The LABEL key="value" pairs of the Containerfile.
std::map<std::string, std::string> containerfile_labels() {
  const std::string c = joined(source("Containerfile"));
  std::smatch label;
  REQUIRE(std::regex_search(c, label, std::regex("\nLABEL ([^\n]*)")));
  std::map<std::string, std::string> out;
  const std::string pairs = label[1];
  const std::regex pair("([a-z.]+)=\"([^\"]*)\"");
  for (std::sregex_iterator it(pairs.begin(), pairs.end(), pair), end; it != end; ++it)
    out[(*it)[1]] = (*it)[2];
  return out;
}

TEST_CASE("the Containerfile and build-image.sh assemble the runtime files with one script") {
  const std::string line =
      "scripts/image-rootfs.sh /build-image/promtls.stripped /build-image/rootfs";
  CHECK(joined(source("Containerfile")).find(line) != std::string::npos);
  CHECK(joined(source("scripts/test-debian13.sh")).find(line) != std::string::npos);
  // The runtime stage holds that root file system and nothing else.
  const std::string c = source("Containerfile");
  const auto runtime = c.find("\nFROM scratch\nCOPY --from=build /build-image/rootfs/ /\n");
  REQUIRE(runtime != std::string::npos);
  const std::string stage = c.substr(runtime + 1);
  const std::regex adds("\n(COPY|ADD|RUN) ");
  CHECK(std::distance(std::sregex_iterator(stage.begin(), stage.end(), adds),
                      std::sregex_iterator()) == 1);
}

TEST_CASE("the Containerfile builds promtls as build-image.sh does") {
  const std::string c = joined(source("Containerfile"));
  const std::string d = joined(source("scripts/test-debian13.sh"));
  for (const std::string piece :
       {"cmake -S /src -B /build-image -G Ninja -DCMAKE_BUILD_TYPE=MinSizeRel -DPROMTLS_WERROR=ON "
        "-DPROMTLS_BUILD_TESTS=OFF",
        "cmake --build /build-image -j2 --target promtls",
        "strip --strip-all -o /build-image/promtls.stripped /build-image/src/cli/promtls"}) {
    INFO(piece);
    CHECK(c.find(piece) != std::string::npos);
    CHECK(d.find(piece) != std::string::npos);
  }
}

TEST_CASE("the Containerfile installs the Debian 13 lane's build packages and no test tools") {
  const std::set<std::string> image = containerfile_packages();
  const std::set<std::string> lane = debian13_packages();
  // What builds promtls: the compilers and build tools and every library's -dev package
  // (dpkg-dev is the .deb test's tool).
  for (const std::string& p : lane) {
    const bool build = p.size() > 4 && p.compare(p.size() - 4, 4, "-dev") == 0 && p != "dpkg-dev";
    const bool tool = p == "cmake" || p == "g++" || p == "make" || p == "ninja-build" ||
                      p == "pkg-config" || p == "lld";
    INFO(p);
    if (build || tool) CHECK(image.count(p) == 1);
  }
  // Nothing the lane lacks but strip (binutils, in the lane through g++) and the CA bundle.
  for (const std::string& p : image) {
    INFO(p);
    CHECK((lane.count(p) == 1 || p == "binutils" || p == "ca-certificates"));
  }
}

TEST_CASE("the Containerfile's user, entrypoint, command and labels are build-image.sh's") {
  const std::string c = source("Containerfile");
  const std::string b = source("scripts/build-image.sh");
  CHECK(c.find("\nUSER 65532:65532\n") != std::string::npos);
  CHECK(b.find("\"User\":\"65532:65532\"") != std::string::npos);
  CHECK(c.find("\nENTRYPOINT [\"promtls\"]\nCMD [\"serve\"]\n") != std::string::npos);
  CHECK(b.find("\"Entrypoint\":[\"promtls\"],\"Cmd\":[\"serve\"]") != std::string::npos);
  CHECK(c.find("\nENV PATH=/usr/bin\n") != std::string::npos);
  CHECK(b.find("\"Env\":[\"PATH=/usr/bin\"]") != std::string::npos);

  std::smatch m;
  const std::string cmake = source("CMakeLists.txt");
  REQUIRE(std::regex_search(cmake, m, std::regex("project\\(promtls VERSION ([0-9.]+)")));
  const std::string version = m[1];
  const std::string packaging = source("cmake/packaging.cmake");
  REQUIRE(std::regex_search(packaging, m,
                            std::regex("set\\(CPACK_PACKAGE_HOMEPAGE_URL \"([^\"]+)\"\\)")));
  const std::string home = m[1];
  const std::map<std::string, std::string> want{
      {"org.opencontainers.image.title", "promtls"},
      {"org.opencontainers.image.version", version},
      {"org.opencontainers.image.source", home},
      {"org.opencontainers.image.licenses", "NOASSERTION"}};
  CHECK(containerfile_labels() == want);
  CHECK(b.find("licenses=${PROMTLS_IMAGE_LICENSES:-NOASSERTION}") != std::string::npos);
}

TEST_CASE("the built image carries the Containerfile's labels, user, entrypoint and command") {
  const char* image = std::getenv("PROMTLS_IMAGE");
  if (image == nullptr || *image == '\0')
    PROMTLS_SKIP("PROMTLS_IMAGE is not set (an OCI layout from scripts/build-image.sh)");
  using nlohmann::json;
  const auto read = [](const fs::path& p) {
    std::ifstream in(p);
    return json::parse(in);
  };
  const fs::path blobs = fs::path(image) / "blobs" / "sha256";
  const auto blob = [&](const json& descriptor) {
    return read(blobs / descriptor.at("digest").get<std::string>().substr(7));
  };
  const json index = read(fs::path(image) / "index.json");
  REQUIRE(index["manifests"].size() == 1);
  const json manifest = blob(index["manifests"][0]);
  const json config = blob(manifest["config"]);
  CHECK(index["manifests"][0]["annotations"]["org.opencontainers.image.ref.name"] ==
        containerfile_labels().at("org.opencontainers.image.version"));
  CHECK(config["config"]["User"] == "65532:65532");
  CHECK(config["config"]["Entrypoint"] == json::array({"promtls"}));
  CHECK(config["config"]["Cmd"] == json::array({"serve"}));
  for (const auto& [key, value] : containerfile_labels()) {
    INFO(key);
    CHECK(config["config"]["Labels"][key] == value);
  }
  REQUIRE(manifest["layers"].size() == 1);
  CHECK(manifest["layers"][0]["mediaType"] == "application/vnd.oci.image.layer.v1.tar+gzip");
}

TEST_CASE("the fleet DaemonSet watches the node trees read-only and the PodMonitor adds node") {
  const YAML::Node ds =
      YAML::LoadFile((fs::path(PROMTLS_SOURCE_DIR) / "deploy/fleet/daemonset.yaml").string());
  const YAML::Node pm =
      YAML::LoadFile((fs::path(PROMTLS_SOURCE_DIR) / "deploy/fleet/podmonitor.yaml").string());
  REQUIRE(ds["kind"].as<std::string>() == "DaemonSet");
  REQUIRE(pm["kind"].as<std::string>() == "PodMonitor");
  const YAML::Node pod = ds["spec"]["template"]["spec"];
  const YAML::Node container = pod["containers"][0];
  // hostPath volume name -> host path, and mount path -> (volume, read-only).
  std::map<std::string, std::string> host_paths;
  for (const auto& v : pod["volumes"]) {
    if (v["hostPath"])
      host_paths[v["name"].as<std::string>()] = v["hostPath"]["path"].as<std::string>();
  }
  std::map<std::string, std::string> mounted;  // host path -> mount path
  for (const auto& m : container["volumeMounts"]) {
    const auto host = host_paths.find(m["name"].as<std::string>());
    if (host == host_paths.end()) continue;
    INFO(host->second);
    CHECK(m["readOnly"].as<bool>());
    mounted[host->second] = m["mountPath"].as<std::string>();
  }
  REQUIRE(mounted.size() == 2);
  std::set<std::string> watched;
  for (const auto& a : container["args"]) {
    const std::string arg = a.as<std::string>();
    if (arg.rfind("--watch=", 0) == 0) watched.insert(arg.substr(8));
  }
  CHECK(watched == std::set<std::string>{mounted.at("/etc/kubernetes/pki"),
                                         mounted.at("/var/lib/kubelet/pki")});
  CHECK(container["securityContext"]["readOnlyRootFilesystem"].as<bool>());
  CHECK(container["securityContext"]["allowPrivilegeEscalation"].as<bool>() == false);
  CHECK(container["securityContext"]["capabilities"]["drop"][0].as<std::string>() == "ALL");
  CHECK(container["image"].as<std::string>().find("@sha256:") != std::string::npos);

  for (const auto& kv : pm["spec"]["selector"]["matchLabels"]) {
    CHECK(ds["spec"]["template"]["metadata"]["labels"][kv.first.as<std::string>()]
              .as<std::string>() == kv.second.as<std::string>());
  }
  const YAML::Node endpoint = pm["spec"]["podMetricsEndpoints"][0];
  CHECK(endpoint["scheme"].as<std::string>() == "https");
  CHECK(endpoint["port"].as<std::string>() == "metrics");
  bool node_label = false;
  for (const auto& r : endpoint["relabelings"]) {
    node_label |= r["sourceLabels"][0].as<std::string>() == "__meta_kubernetes_pod_node_name" &&
                  r["targetLabel"].as<std::string>() == "node";
  }
  CHECK(node_label);
  CHECK(endpoint["tlsConfig"]["keySecret"]["key"].as<std::string>() == "tls.key");
}

}  // namespace
}  // namespace promtls::test
