// The command-line conventions every subcommand shares (promtls(1) DESCRIPTION, README's
// "Command line"), checked on the built binary against what --help lists, so that an option added
// later is held to them too: a repeatable option takes one value per occurrence and leaves the
// next word alone; a numeric option refuses anything outside its range with plain bounds; a
// misspelt subcommand is named; `promtls help [SUBCOMMAND]` prints the same help as --help.
#include <catch2/catch.hpp>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "docs_support.hpp"
#include "pki.hpp"
#include "process.hpp"
#include "run.hpp"

namespace promtls::test::docs {
namespace {

using nlohmann::json;

const std::string kAt = "--at=2027-01-01T00:00:00Z";  // kNow
const std::string kPassword = "storepass";

// The files the cases read: a certificate, a PKCS#12 store, a license, a directory of two
// certificates, env files and a manifest.
struct Inputs {
  TempDir dir;
  Authority ca = Authority::make("conventions-ca");
  Key key{KeyKind::ec_p256};
  std::string cert, store, license, tree, env_a, env_b, manifest;
  Inputs() {
    CertSpec spec;
    spec.cn = "conventions.example";
    const Cert leaf = ca.leaf(spec, key);
    cert = dir.write("server.crt", leaf.pem());
    store = dir.write("store.p12", pkcs12(leaf, key, {&ca.cert}, kPassword));
    license = dir.write("lic.json",
                        R"({"expiry":"2027-06-01T00:00:00Z","grace_period":30,"package":"Pro"})");
    std::filesystem::create_directory(dir.path() / "tree");
    dir.write("tree/a.pem", leaf.pem());
    dir.write("tree/b.pem", ca.cert.pem());
    tree = (dir.path() / "tree").string();
    env_a = dir.write("a.env", "METRICS_PROMETHEUS_PORT=80\n");
    env_b = dir.write("b.env", "METRICS_PROMETHEUS_PORT=9090\n");
    manifest = dir.write("pod.yaml",
                         "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n"
                         "  - name: c\n    image: i\n    env:\n"
                         "    - {name: METRICS_PROMETHEUS_PORT, value: \"9090\"}\n");
  }
};

const Inputs& inputs() {
  static const Inputs in;
  return in;
}

RunResult promtls(const std::vector<std::string>& args) {
  const RunResult r = run_promtls(args);
  INFO("promtls args: " << [&] {
    std::string s;
    for (const auto& a : args) s += a + " ";
    return s;
  }());
  INFO("stderr: " << r.err);
  return r;
}

// The subjects of an inspect JSON report, sorted.
std::multiset<std::string> subjects(const RunResult& r) {
  std::multiset<std::string> out;
  const json report = json::parse(r.out);
  for (const json& c : report["certificates"]) out.insert(c["subject"]);
  return out;
}

const std::multiset<std::string> kLeaf = {"CN=conventions.example"};

// `promtls SUB OPTION VALUE stray` where SUB takes no positional argument: the stray word is
// refused as such, not read as a second VALUE (which would give another message, or none).
void stray_word_refused(const std::string& sub, const std::string& option,
                        const std::string& value) {
  std::vector<std::string> args{sub};
  if (sub != "rules") args.push_back("--no-env");
  args.insert(args.end(), {option, value, "stray"});
  const RunResult r = promtls(args);
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("The following argument was not expected: stray") != std::string::npos);
}

// One case per repeatable option of every subcommand: the option followed by a positional
// argument (inspect's PATH) or by a stray word (the subcommands that take no PATH).
const std::map<std::pair<std::string, std::string>, std::function<void()>>& repeatable_cases() {
  const Inputs& in = inputs();
  static const std::map<std::pair<std::string, std::string>, std::function<void()>> cases = {
      {{"inspect", "--password"},
       [&in] {
         const RunResult r =
             promtls({"inspect", kAt, "-o", "json", "--password", kPassword, in.store});
         CHECK(r.exit_code == 0);
         CHECK(subjects(r) ==
               std::multiset<std::string>{"CN=conventions-ca", "CN=conventions.example"});
       }},
      {{"inspect", "--connect"},
       [&in] {
         const std::string target = "127.0.0.1:" + std::to_string(free_port());  // nobody there
         const RunResult r = promtls({"inspect", kAt, "-o", "json", "--connect", target, in.cert});
         CHECK(r.exit_code == 3);  // the endpoint cannot be reached; the file is still read
         CHECK(subjects(r) == kLeaf);
         const json report = json::parse(r.out);
         REQUIRE(report["errors"].size() == 1);
         CHECK(report["errors"][0]["source"] == target);
       }},
      {{"inspect", "--license"},
       [&in] {
         const RunResult r =
             promtls({"inspect", kAt, "-o", "json", "--license", in.license, in.cert});
         CHECK(r.exit_code == 0);
         CHECK(subjects(r) == kLeaf);
         const json report = json::parse(r.out);
         REQUIRE(report["licenses"].size() == 1);
         CHECK(report["licenses"][0]["package"] == "Pro");
       }},
      {{"inspect", "--include"},
       [&in] {
         const RunResult r = promtls({"inspect", kAt, "-o", "json", "--include", "a.pem", in.tree});
         CHECK(r.exit_code == 0);
         CHECK(subjects(r) == kLeaf);
       }},
      {{"inspect", "--exclude"},
       [&in] {
         const RunResult r = promtls({"inspect", kAt, "-o", "json", "--exclude", "b.pem", in.tree});
         CHECK(r.exit_code == 0);
         CHECK(subjects(r) == kLeaf);
       }},
      {{"inspect", "--warn"},
       [&in] {
         // Within 400 days of expiry (365 left): a warning, which --fail-on warning turns into 1.
         const RunResult r = promtls(
             {"inspect", kAt, "-o", "json", "--fail-on", "warning", "--warn", "400d", in.cert});
         CHECK(r.exit_code == 1);
         CHECK(subjects(r) == kLeaf);
       }},
      {{"inspect", "--crit"},
       [&in] {
         const RunResult r =
             promtls({"inspect", kAt, "-o", "json", "--warn", "500d", "--crit", "400d", in.cert});
         CHECK(r.exit_code == 1);  // critical reaches the default --fail-on critical
         CHECK(subjects(r) == kLeaf);
       }},
      {{"validate", "--env-file"},
       [&in] { stray_word_refused("validate", "--env-file", in.env_b); }},
      {{"validate", "--set"},
       [] { stray_word_refused("validate", "--set", "METRICS_PROMETHEUS_PORT=9090"); }},
      {{"validate", "--manifest"},
       [&in] { stray_word_refused("validate", "--manifest", in.manifest); }},
      {{"validate", "--secret-dir"},
       [&in] { stray_word_refused("validate", "--secret-dir", in.tree); }},
      {{"selftest", "--env-file"},
       [&in] { stray_word_refused("selftest", "--env-file", in.env_b); }},
      {{"selftest", "--set"},
       [] { stray_word_refused("selftest", "--set", "METRICS_PROMETHEUS_PORT=9090"); }},
      {{"selftest", "--warn"}, [] { stray_word_refused("selftest", "--warn", "30d"); }},
      {{"selftest", "--connect"},
       [] { stray_word_refused("selftest", "--connect", "127.0.0.1:1"); }},
      {{"selftest", "--secret-dir"},
       [&in] { stray_word_refused("selftest", "--secret-dir", in.tree); }},
      {{"selftest", "--crit"}, [] { stray_word_refused("selftest", "--crit", "7d"); }},
      {{"serve", "--env-file"}, [&in] { stray_word_refused("serve", "--env-file", in.env_b); }},
      {{"serve", "--set"},
       [] { stray_word_refused("serve", "--set", "METRICS_PROMETHEUS_PORT=9090"); }},
      {{"serve", "--watch"}, [&in] { stray_word_refused("serve", "--watch", in.cert); }},
      {{"serve", "--license"}, [&in] { stray_word_refused("serve", "--license", in.license); }},
      {{"rules", "--label"}, [] { stray_word_refused("rules", "--label", "team=sre"); }},
  };
  return cases;
}

std::vector<std::string> subcommands() {
  std::vector<std::string> out;
  for (const std::string& sub : help_of("").subcommands) {
    if (sub != "help") out.push_back(sub);
  }
  return out;
}

}  // namespace

TEST_CASE("every repeatable option takes one value per occurrence and leaves the next word") {
  std::set<std::pair<std::string, std::string>> listed;
  for (const std::string& sub : subcommands()) {
    for (const HelpOption& o : help_of(sub).options) {
      if (o.repeatable) listed.insert({sub, o.name});
    }
  }
  std::set<std::pair<std::string, std::string>> tested;
  for (const auto& [key, check] : repeatable_cases()) tested.insert(key);
  // A repeatable option without a case here, or a case for an option --help does not mark.
  CHECK(listed == tested);
  for (const auto& [key, check] : repeatable_cases()) {
    INFO(key.first << " " << key.second);
    check();
  }
}

TEST_CASE("a repeatable option given twice keeps both values in order") {
  const Inputs& in = inputs();
  // The later env file wins: port 9090 is valid where port 80 is not.
  CHECK(
      promtls({"validate", "--no-env", "--env-file", in.env_a, "--env-file", in.env_b}).exit_code ==
      0);
  CHECK(
      promtls({"validate", "--no-env", "--env-file", in.env_b, "--env-file", in.env_a}).exit_code ==
      1);
  // --set overrides env files whatever the order on the line.
  CHECK(promtls({"validate", "--no-env", "--set", "METRICS_PROMETHEUS_PORT=9090", "--env-file",
                 in.env_a})
            .exit_code == 0);
  const RunResult passwords = promtls({"inspect", kAt, "-o", "json", "--password", "wrong",
                                       "--password", kPassword, in.store, in.cert});
  CHECK(passwords.exit_code == 0);
  CHECK(subjects(passwords).size() == 3);
  const RunResult labels = promtls({"rules", "--label", "team=sre", "--label", "tier=1"});
  CHECK(labels.exit_code == 0);
  CHECK(labels.out.find("team: sre") != std::string::npos);
  CHECK(labels.out.find("tier: '1'") != std::string::npos);
}

TEST_CASE(
    "every numeric option refuses values outside its range with the option and plain bounds") {
  std::size_t numeric = 0;
  for (const std::string& sub : subcommands()) {
    for (const HelpOption& o : help_of(sub).options) {
      INFO(sub << " " << o.name);
      // Every number goes through the one bounded registration, never CLI11's own checks.
      CHECK_FALSE(o.cli11_number);
      if (o.max.empty()) continue;
      ++numeric;
      // "a whole number" for an integer option, "a number" for a fractional one; the word
      // said for "x" is the one every other refusal of the option must say.
      const RunResult text = promtls({sub, o.name, "x"});
      const bool whole = text.err.find("x is not a whole number") != std::string::npos;
      std::vector<std::string> refused = {"1e400", "inf", "nan", "-1", "x", o.max + "0"};
      if (whole) refused.push_back("1.5");
      for (const std::string& value : refused) {
        if (value == "-1" && o.min != "0") continue;  // below a minimum above 0 is checked next
        INFO("value " << value);
        const RunResult r = promtls({sub, o.name, value});
        CHECK(r.exit_code == 2);
        CHECK(r.err.rfind(o.name + ": " + value + " is not " +
                              (whole ? "a whole number" : "a number") + " from " + o.min + " to " +
                              o.max + "\n",
                          0) == 0);
      }
      if (o.min != "0") {
        const RunResult r = promtls({sub, o.name, "0"});
        CHECK(r.exit_code == 2);
        CHECK(r.err.find(" from " + o.min + " to " + o.max) != std::string::npos);
      }
    }
  }
  CHECK(numeric >= 17);  // the audit found the options (a change to --help's layout fails here)
}

TEST_CASE("the bounds of a numeric option are inclusive") {
  const Inputs& in = inputs();
  CHECK(promtls({"rules", "--warn-days", "3650", "--crit-days", "1"}).exit_code == 0);
  CHECK(promtls({"inspect", kAt, "--timeout", "3600", in.cert}).exit_code == 0);
  CHECK(promtls({"inspect", kAt, "--warn-days", "70000", "--crit-days", "0", in.cert}).exit_code ==
        0);
  CHECK(promtls({"inspect", kAt, "--warn-percent", "100", in.cert}).exit_code == 0);
  CHECK(promtls({"validate", "--no-env", "--warn-days", "36500"}).exit_code == 0);
}

TEST_CASE("a port outside its range is refused with the range") {
  const Inputs& in = inputs();
  RunResult r = promtls({"inspect", "--connect", "127.0.0.1:99999", in.cert});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("--connect 127.0.0.1:99999: expected HOST:PORT with PORT from 1 to 65535") !=
        std::string::npos);
  r = promtls({"selftest", "--no-env", "--connect", "127.0.0.1:0"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("--connect 127.0.0.1:0: expected HOST:PORT with PORT from 1 to 65535") !=
        std::string::npos);
  r = promtls({"serve", "--no-env", "--listen", ":65536"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("listen address :65536: expected HOST:PORT, :PORT or [IPv6]:PORT with PORT "
                   "from 0 to 65535") != std::string::npos);
}

TEST_CASE("no help and no range message prints a number in exponent notation") {
  for (const std::string& sub : subcommands()) {
    INFO(sub);
    const RunResult r = promtls({sub, "--help"});
    CHECK(r.out.find("e+") == std::string::npos);
    CHECK(r.out.find("1797693") == std::string::npos);
  }
  const RunResult r = promtls({"inspect", "--warn", "99999999999w", "x.pem"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("--warn 99999999999w: longer than the maximum, 10000w;") != std::string::npos);
}

TEST_CASE("an unknown subcommand names the nearest one and exits 2") {
  RunResult r = promtls({"inspec", "server.crt"});
  CHECK(r.exit_code == 2);
  CHECK(r.err == "unknown subcommand 'inspec'; did you mean 'inspect'?\n");
  CHECK(r.out.empty());
  r = promtls({"valdiate", "--no-env"});
  CHECK(r.exit_code == 2);
  CHECK(r.err == "unknown subcommand 'valdiate'; did you mean 'validate'?\n");
  r = promtls({"kubectl"});
  CHECK(r.exit_code == 2);
  CHECK(r.err ==
        "unknown subcommand 'kubectl'; the subcommands are validate, inspect, selftest, rules, "
        "serve, help (see promtls help)\n");
}

TEST_CASE("promtls help prints the same help as --help for the top level and for each subcommand") {
  const RunResult top = promtls({"help"});
  CHECK(top.exit_code == 0);
  CHECK(top.out == promtls({"--help"}).out);
  CHECK(top.out.find("Subcommands:") != std::string::npos);
  for (const std::string& sub : help_of("").subcommands) {
    INFO(sub);
    const RunResult r = promtls({"help", sub});
    CHECK(r.exit_code == 0);
    CHECK(r.err.empty());
    CHECK(r.out == promtls({sub, "--help"}).out);
    CHECK(r.out.find("\nUsage: promtls " + sub + " ") != std::string::npos);
  }
}

TEST_CASE("promtls help of an unknown subcommand exits 2 and names the nearest one") {
  RunResult r = promtls({"help", "inspec"});
  CHECK(r.exit_code == 2);
  CHECK(r.out.empty());
  CHECK(r.err == "unknown subcommand 'inspec'; did you mean 'inspect'?\n");
  r = promtls({"help", "kubectl"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("unknown subcommand 'kubectl'; the subcommands are validate,") == 0);
  r = promtls({"help", "inspect", "validate"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("The following argument was not expected: validate") != std::string::npos);
}

}  // namespace promtls::test::docs
