// The completion scripts, loaded in the real shells (bash, zsh and fish from Debian), offer
// the subcommands, options, option values and file names a user expects at each prefix.
#include <catch2/catch.hpp>
#include <set>
#include <sstream>

#include "docs_support.hpp"
#include "pki.hpp"
#include "run.hpp"

using namespace promtls::test;
using namespace promtls::test::docs;

namespace {

using Offered = std::set<std::string>;

Offered lines_of(const std::string& text) {
  Offered out;
  std::stringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const auto tab = line.find('\t');  // fish prints "candidate<TAB>description"
    if (tab != std::string::npos) line.resize(tab);
    if (!line.empty()) out.insert(line);
  }
  return out;
}

// A working directory holding two files, for file-name completion.
struct Workdir {
  TempDir dir;
  Workdir() {
    dir.write("prod.env", "METRICS_PROMETHEUS_PORT=9090\n");
    dir.write("notes.txt", "\n");
  }
  std::vector<std::string> env() const {
    return {"PATH=/usr/bin:/bin", "HOME=" + dir.path().string(), "TERM=dumb", "LC_ALL=C.UTF-8"};
  }
};

// `words` as bash splits the command line; the last one is being completed.
Offered bash_offers(const Workdir& w, std::vector<std::string> words) {
  std::vector<std::string> argv{"/usr/bin/bash",
                                "--norc",
                                "--noprofile",
                                source_path("tests/cli/docs_complete.bash"),
                                source_path("completions/promtls.bash"),
                                w.dir.path().string()};
  argv.insert(argv.end(), words.begin(), words.end());
  const RunResult r = run(argv, w.env());
  INFO("bash: " << r.err);
  REQUIRE(r.exit_code == 0);
  return lines_of(r.out);
}

// `line` typed at a zsh prompt, then TAB.
Offered zsh_offers(const Workdir& w, const std::string& line) {
  const RunResult r = run({"/usr/bin/zsh", "-f", source_path("tests/cli/docs_complete.zsh"),
                           source_path("completions"), w.dir.path().string(), line},
                          w.env());
  INFO("zsh: " << r.err);
  REQUIRE(r.exit_code == 0);
  return lines_of(r.out);
}

// `complete -C line` in fish.
Offered fish_offers(const Workdir& w, const std::string& line) {
  const std::string script = "cd " + w.dir.path().string() + "; and source " +
                             source_path("completions/promtls.fish") + "; and complete -C '" +
                             line + "'";
  const RunResult r = run({"/usr/bin/fish", "--no-config", "-c", script}, w.env());
  INFO("fish: " << r.err);
  REQUIRE(r.exit_code == 0);
  // fish 4 (Debian 13) lists its fuzzy matches after the prefix matches ("--o" also gives
  // "--no-env"); the shell shows only the best kind there is, so that is what the user sees.
  const std::string word = line.substr(line.rfind(' ') + 1);
  const Offered offered = lines_of(r.out);
  Offered prefixed;
  for (const std::string& o : offered) {
    if (o.starts_with(word)) prefixed.insert(o);
  }
  return prefixed.empty() ? offered : prefixed;
}

// Every subcommand `promtls --help` lists.
Offered all_subcommands() {
  const Help top = help_of("");
  return Offered(top.subcommands.begin(), top.subcommands.end());
}

}  // namespace

TEST_CASE("bash completes subcommands and options and output formats and env files") {
  Workdir w;
  CHECK(bash_offers(w, {"promtls", "v"}) == Offered{"validate"});
  CHECK(bash_offers(w, {"promtls", ""}) == all_subcommands());
  CHECK(bash_offers(w, {"promtls", "help", ""}) == all_subcommands());
  CHECK(bash_offers(w, {"promtls", "help", "in"}) == Offered{"inspect"});
  CHECK(bash_offers(w, {"promtls", "rules", "--format", ""}) ==
        Offered{"prometheus-rule", "prometheus"});
  CHECK(bash_offers(w, {"promtls", "rules", "--metrics-compat", "t"}) == Offered{"tigera"});
  CHECK(bash_offers(w, {"promtls", "rules", "--c"}) == Offered{"--crit-days"});
  CHECK(bash_offers(w, {"promtls", "-"}) == Offered{"--help", "--version"});
  CHECK(bash_offers(w, {"promtls", "validate", "--o"}) == Offered{"--offline", "--output"});
  CHECK(bash_offers(w, {"promtls", "validate", "--output", ""}) ==
        Offered{"text", "json", "github", "junit", "sarif"});
  CHECK(bash_offers(w, {"promtls", "validate", "-o", "js"}) == Offered{"json"});
  CHECK(bash_offers(w, {"promtls", "validate", "--output", "=", "t"}) == Offered{"text"});
  CHECK(bash_offers(w, {"promtls", "validate", "--profile", ""}) ==
        Offered{"knative", "tigera", "auto"});
  CHECK(bash_offers(w, {"promtls", "validate", "--env-file", "pr"}) == Offered{"prod.env"});
  CHECK(bash_offers(w, {"promtls", "validate", "--env-file", ""}) ==
        Offered{"prod.env", "notes.txt"});
  // No file names where a value is free text, and nothing for an unknown subcommand.
  CHECK(bash_offers(w, {"promtls", "validate", "--manifest", "pr"}) == Offered{"prod.env"});
  CHECK(bash_offers(w, {"promtls", "validate", "--at", ""}).empty());
  CHECK(bash_offers(w, {"promtls", "validate", "--container", ""}).empty());
  CHECK(bash_offers(w, {"promtls", "nosuch", "--"}).empty());
}

TEST_CASE("zsh completes subcommands and options and output formats and env files") {
  Workdir w;
  CHECK(zsh_offers(w, "promtls v") == Offered{"validate"});
  CHECK(zsh_offers(w, "promtls ") == all_subcommands());
  CHECK(zsh_offers(w, "promtls help ") == all_subcommands());
  CHECK(zsh_offers(w, "promtls rules --format ") == Offered{"prometheus-rule", "prometheus"});
  CHECK(zsh_offers(w, "promtls rules --metrics-compat=t") == Offered{"tigera"});
  CHECK(zsh_offers(w, "promtls --v") == Offered{"--version"});
  CHECK(zsh_offers(w, "promtls validate --o") == Offered{"--offline", "--output"});
  CHECK(zsh_offers(w, "promtls validate --output ") ==
        Offered{"text", "json", "github", "junit", "sarif"});
  CHECK(zsh_offers(w, "promtls validate --output=js") == Offered{"json"});
  CHECK(zsh_offers(w, "promtls validate -o t") == Offered{"text"});
  CHECK(zsh_offers(w, "promtls validate --profile ") == Offered{"knative", "tigera", "auto"});
  CHECK(zsh_offers(w, "promtls validate --env-file pr") == Offered{"prod.env"});
  CHECK(zsh_offers(w, "promtls validate --env-file=pr") == Offered{"prod.env"});
  CHECK(zsh_offers(w, "promtls validate --manifest pr") == Offered{"prod.env"});
}

TEST_CASE("fish completes subcommands and options and output formats and env files") {
  Workdir w;
  CHECK(fish_offers(w, "promtls v") == Offered{"validate"});
  CHECK(fish_offers(w, "promtls ") == all_subcommands());
  CHECK(fish_offers(w, "promtls help ") == all_subcommands());
  CHECK(fish_offers(w, "promtls rules --format ") == Offered{"prometheus-rule", "prometheus"});
  CHECK(fish_offers(w, "promtls rules --metrics-compat t") == Offered{"tigera"});
  CHECK(fish_offers(w, "promtls --") == Offered{"--help", "--version"});
  CHECK(fish_offers(w, "promtls validate --o") == Offered{"--offline", "--output"});
  CHECK(fish_offers(w, "promtls validate --output ") ==
        Offered{"text", "json", "github", "junit", "sarif"});
  CHECK(fish_offers(w, "promtls validate -o js") == Offered{"json"});
  CHECK(fish_offers(w, "promtls validate --profile ") == Offered{"knative", "tigera", "auto"});
  CHECK(fish_offers(w, "promtls validate --env-file pr") == Offered{"prod.env"});
  CHECK(fish_offers(w, "promtls validate --env-file ") == Offered{"prod.env", "notes.txt"});
  CHECK(fish_offers(w, "promtls validate --at ").empty());
  CHECK(fish_offers(w, "promtls validate --manifest pr") == Offered{"prod.env"});
}
