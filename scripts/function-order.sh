#!/usr/bin/env bash
# Regenerates cmake/promtls.order: the functions of the promtls binary that `serve` runs, which
# the link (src/cli/CMakeLists.txt, lld --symbol-ordering-file) places next to each other.
# Why: the kernel maps file pages around each fault in 64 KiB blocks, so code serve needs,
# scattered among the code of the other subcommands, makes nearly the whole text resident
# (2.4 MiB instead of 0.8 MiB; bench/rss.sh, bench/RESULTS.md). An outdated list is harmless: a
# name it lists that no longer exists is skipped, a new function lands after the listed ones.
# Rerun after large changes to serve's code paths and commit the result.
#
# It runs `promtls serve` (mutual TLS) under callgrind twice, once with --watch of a directory and
# --probe-listen, driving the paths a running server takes (scrapes with a client certificate,
# fresh and keep-alive, 16 connections at once from bench/serve_load.cpp, HEAD, 404, 405,
# /healthz and /readyz on both listeners, a handshake without a client certificate, SIGHUP
# reload, SIGTERM drain), once with --watch of one file as bench/rss.sh runs it, and lists every
# function of the binary that ran, mangled.
# Usage: scripts/function-order.sh [PROMTLS_BINARY]   (default build/src/cli/promtls)
# Needs valgrind, curl, openssl, g++, python3.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
promtls=$(realpath "${1:-$root/build/src/cli/promtls}")
work=$(mktemp -d /tmp/promtls-order-XXXXXX)
pid=
cleanup() {
  if [ -n "$pid" ]; then
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

mkdir "$work/pki"
cd "$work/pki"
ec="-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes"
openssl req -x509 $ec -keyout ca.key -out ca.crt -subj /CN=order-ca -days 30 2>/dev/null
openssl req -x509 $ec -keyout s.key -out s.crt -subj /CN=localhost -days 30 -CA ca.crt \
  -CAkey ca.key -addext subjectAltName=DNS:localhost 2>/dev/null
openssl req -x509 $ec -keyout c.key -out c.crt -subj /CN=order-client -days 30 -CA ca.crt \
  -CAkey ca.key 2>/dev/null
chmod 600 ./*.key
cd "$work"

g++ -O2 -o serve_load "$root/bench/serve_load.cpp" -lssl -lcrypto -lpthread

# profile NAME SERVE_ARGS...: starts serve under callgrind (output $work/NAME.out), sets $port
# and $probe, and waits for the source watcher's first read.
profile() {
  local name=$1
  shift
  METRICS_PROMETHEUS_TLS_CERT=$work/pki/s.crt METRICS_PROMETHEUS_TLS_KEY=$work/pki/s.key \
  METRICS_PROMETHEUS_TLS_CLIENT_AUTH=require METRICS_PROMETHEUS_TLS_CLIENT_CA_FILE=$work/pki/ca.crt \
    valgrind --tool=callgrind --demangle=no --callgrind-out-file="$work/$name.out" \
    "$promtls" serve --listen 127.0.0.1:0 "$@" 2>"$work/$name.log" &
  pid=$!
  port=
  for _ in $(seq 300); do
    port=$(listening "$name" main)
    [ -n "$port" ] && break
    sleep 0.1
  done
  [ -n "$port" ] || { echo "promtls serve did not start:" >&2; cat "$work/$name.log" >&2; exit 1; }
  probe=$(listening "$name" probe)
  sleep 3
}
listening() { sed -n "s/.*event=listening address=127\.0\.0\.1:\([0-9]*\) listener=$2.*/\1/p" "$1.log"; }
stop() {
  kill -TERM "$pid"
  wait "$pid" || true
  pid=
}

# 1. Every path a running server takes: a directory of sources, the probe listener.
profile full --probe-listen 127.0.0.1:0 --watch "$work/pki"
tls=(--cacert pki/ca.crt --resolve "localhost:$port:127.0.0.1")
url=https://localhost:$port
curl -s "${tls[@]}" --cert pki/c.crt --key pki/c.key "$url/metrics" "$url/metrics" "$url/healthz" \
  "$url/readyz" "$url/nothing" -o /dev/null -o /dev/null -o /dev/null -o /dev/null -o /dev/null
curl -s "${tls[@]}" --cert pki/c.crt --key pki/c.key -I "$url/metrics" -o /dev/null
curl -s "${tls[@]}" --cert pki/c.crt --key pki/c.key -X POST "$url/metrics" -o /dev/null
curl -s "${tls[@]}" "$url/metrics" -o /dev/null || true  # no client certificate: refused
curl -s "http://127.0.0.1:$probe/healthz" "http://127.0.0.1:$probe/readyz" -o /dev/null -o /dev/null
./serve_load "$port" keepalive 160 16 /metrics pki/ca.crt pki/c.crt pki/c.key >/dev/null
./serve_load "$port" fresh 16 4 /metrics pki/ca.crt pki/c.crt pki/c.key >/dev/null
kill -HUP "$pid"
sleep 2.5  # the reload and a second of credential polling
curl -s "${tls[@]}" --cert pki/c.crt --key pki/c.key "$url/metrics" -o /dev/null
stop
# 2. One watched file, as bench/rss.sh runs it.
profile file --watch "$work/pki/ca.crt"
./serve_load "$port" keepalive 64 8 /metrics pki/ca.crt pki/c.crt pki/c.key >/dev/null
stop

python3 - "$promtls" "$work/full.out" "$work/file.out" >"$root/cmake/promtls.order" <<'PY'
import re, sys
order, seen = [], set()
for path in sys.argv[2:]:
    # callgrind compresses names: "fn=(12) name" defines id 12, later "fn=(12)" refers to it.
    objects, functions, current = {}, {}, None
    for line in open(path, errors="replace"):
        m = re.match(r"^(c?ob|c?fn)=\((\d+)\)(?: (.*))?$", line.rstrip("\n"))
        if not m:
            continue
        kind, ident, name = m.groups()
        table = objects if kind.endswith("ob") else functions
        if name is not None:
            table[ident] = name
        if kind == "ob":
            current = objects[ident]
        elif kind == "fn" and current == sys.argv[1]:
            symbol = re.sub(r"'\d+$", "", functions[ident])  # "'2": a recursion level
            if not symbol.startswith("0x") and symbol not in seen:
                seen.add(symbol)
                order.append(symbol)
print("# Generated by scripts/function-order.sh: the functions promtls serve runs, in the order")
print("# lld lays them out (--symbol-ordering-file). Regenerate, do not edit.")
print("\n".join(order))
PY
echo "cmake/promtls.order: $(wc -l <"$root/cmake/promtls.order") functions" >&2
