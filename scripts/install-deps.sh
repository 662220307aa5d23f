#!/usr/bin/env bash
# Installs everything promtls needs to build, test and benchmark, from Debian 12's packages, and
# (with `all`) the validators of the CI formats from the npm registry (install-validators.sh).
# Idempotent: when everything is already installed it does nothing and touches no network.
set -euo pipefail

# openjdk-17-jre-headless: keytool, which makes the JKS and JCEKS test fixtures.
# file: cpack's dependency scan (dpkg-shlibdeps) in the .deb test.
# debootstrap: the Debian 13 root of scripts/test-debian13.sh.
# runc, umoci: the container image test (tests/image/), which unpacks the OCI image of
# scripts/build-image.sh with umoci and runs it with runc as a cluster's runtime would.
# lld: links promtls with serve's functions laid out together (src/cli/CMakeLists.txt, 2 MiB
# less resident memory in serve); valgrind: scripts/function-order.sh, which makes that layout.
build=(cmake g++ make ninja-build pkg-config clang-format lld
       libssl-dev libcli11-dev nlohmann-json3-dev prometheus-cpp-dev libboost-dev
       libyaml-dev libyaml-cpp-dev zlib1g-dev catch2)
# zlib1g-dev: gzip for serve's /metrics (src/net/state.cpp, linked statically).
# libyaml-dev: the YAML parser (src/core/documents.cpp); libyaml-cpp-dev: only the tests'
# independent reader of the YAML promtls writes. python3-yaml: bench/validate_manifests.sh's peer.
# nodejs (with npm), libicu72, python3-lxml: the CI-format validators (install-validators.sh;
# the SARIF Multitool is a .NET program that reads ICU; lxml checks JUnit against its schema).
test=(openssl prometheus nginx-light prometheus-node-exporter mandoc man-db bash zsh fish
      python3 python3-lxml python3-yaml hyperfine procps dpkg-dev file valgrind openjdk-17-jre-headless
      nodejs libicu72 debootstrap runc umoci)
test+=(clang libclang-rt-14-dev)  # clang and libFuzzer: scripts/fuzz.sh (fuzz/README.md)

mode=${1:-all}
want=("${build[@]}")
case "$mode" in
  build) ;;
  all) want+=("${test[@]}") ;;
  *) echo "usage: $0 [build|all]" >&2; exit 2 ;;
esac

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
validators() {
  if [ "$mode" = all ]; then bash "$(dirname "$0")/install-validators.sh"; fi
}
if [ ${#missing[@]} -eq 0 ]; then
  validators
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing packages: ${missing[*]} (run as root)" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# Services from these packages (prometheus, nginx, node-exporter) are started by the tests
# themselves on loopback; keep the packaged daemons from starting at install time.
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
  trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
validators
