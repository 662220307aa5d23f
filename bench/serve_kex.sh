#!/usr/bin/env bash
# Benchmark of the key exchange: server CPU per fresh mTLS handshake (+ scrape) with
# X25519MLKEM768 and with X25519, for promtls serve and nginx, on Debian 13 (OpenSSL 3.5, in the
# root scripts/test-debian13.sh makes and builds in) and on this Debian 12 host (OpenSSL 3.0:
# X25519 only), one after the other: bench/serve.sh with MODE=kex in both.
# Usage: bench/serve_kex.sh   (as root; builds the host's build/ first: cmake --build build)
# Env: FRESH_N, CONC, RUNS, BENCH_CLIENT_CHAIN as for bench/serve.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
pass=(FRESH_N="${FRESH_N:-2000}" CONC="${CONC:-4}" RUNS="${RUNS:-3}" MODE=kex
  BENCH_CLIENT_CHAIN="${BENCH_CLIENT_CHAIN:-}")
echo "== Debian 13"
PROMTLS_DEBIAN13_RUN="env ${pass[*]} bench/serve.sh /build/src/cli/promtls" \
  bash scripts/test-debian13.sh | grep -v '^\[' | grep -v '^== debian13\|^build:\|^command:'
echo
echo "== Debian 12 (this host)"
env "${pass[@]}" bench/serve.sh "$PWD/build/src/cli/promtls"
