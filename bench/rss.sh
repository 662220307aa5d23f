#!/usr/bin/env bash
# Memory of promtls serve: where its resident pages come from.
# Starts `promtls serve` with mutual TLS (ECDSA P-256 CA and server certificate, client auth
# require, --watch of the CA file) on loopback, waits until it listens and its source watcher has
# read once, then prints VmHWM / VmRSS and the Rss of every mapping (grouped by file; anonymous
# mappings as [heap], [stack], [anon]) at three points:
#   idle       right after start-up
#   scraped    after one mTLS scrape (a handshake, client-chain verification, one /metrics)
#   conns      after CONNS concurrent keep-alive connections (bench/serve_load.cpp; 0 skips)
# Then the same three points for nginx's worker (nginx-light: one worker, the same certificates,
# ssl_verify_client on, a static copy of promtls' /metrics body), the peer issue 17 compares with,
# and its master's; NGINX=0 skips them. Stops everything it starts.
# Usage: bench/rss.sh [PROMTLS_BINARY]   (default build/src/cli/promtls)
# Env: CONNS (default 64), SETTLE (seconds to wait after start, default 1.5), NGINX (default 1
# when /usr/sbin/nginx exists), KEEP_WORK=1.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
promtls=$(realpath "${1:-$here/../build/src/cli/promtls}")
CONNS=${CONNS:-64}
SETTLE=${SETTLE:-1.5}
NGINX=${NGINX:-$([ -x /usr/sbin/nginx ] && echo 1 || echo 0)}
# shellcheck source=bench/lib.sh
. "$here/lib.sh"
work=$(mktemp -d /tmp/promtls-rss-XXXXXX)
pid=
pids=()
cleanup() {
  for p in $pid "${pids[@]}"; do
    kill "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
  done
  [ -n "${KEEP_WORK:-}" ] || rm -rf "$work"
}
trap cleanup EXIT

cd "$work"
ec="-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes"
openssl req -x509 $ec -keyout ca.key -out ca.crt -subj /CN=rss-ca -days 30 2>/dev/null
openssl req -x509 $ec -keyout s.key -out s.crt -subj /CN=localhost -days 30 -CA ca.crt \
  -CAkey ca.key -addext subjectAltName=DNS:localhost,IP:127.0.0.1 2>/dev/null
openssl req -x509 $ec -keyout c.key -out c.crt -subj /CN=rss-client -days 30 -CA ca.crt \
  -CAkey ca.key 2>/dev/null
chmod 600 ./*.key

METRICS_PROMETHEUS_TLS_CERT=$work/s.crt METRICS_PROMETHEUS_TLS_KEY=$work/s.key \
METRICS_PROMETHEUS_TLS_CLIENT_AUTH=require METRICS_PROMETHEUS_TLS_CLIENT_CA_FILE=$work/ca.crt \
  "$promtls" serve --listen 127.0.0.1:0 --watch "$work/ca.crt" 2>"$work/log" &
pid=$!
port=
for _ in $(seq 100); do
  port=$(sed -n 's/.*event=listening address=127\.0\.0\.1:\([0-9]*\) listener=main.*/\1/p' log)
  [ -n "$port" ] && break
  sleep 0.1
done
[ -n "$port" ] || { echo "promtls serve did not start:" >&2; cat log >&2; exit 1; }
sleep "$SETTLE"

# report LABEL [PID]: VmHWM, VmRSS, threads, and Rss (kB) per mapping source, largest first, of
# PID (default: promtls).
report() {
  local p=${2:-$pid}
  echo "== $1: $(awk '/^(VmHWM|VmRSS|Threads):/ {printf "%s %s %s  ", $1, $2, $3}' "/proc/$p/status")"
  awk '
    /^[0-9a-f]+-[0-9a-f]+ / { name = ($6 == "") ? "[anon]" : $6; for (i = 7; i <= NF; i++) name = name " " $i; next }
    /^Rss:/ { rss[name] += $2; total += $2 }
    END {
      for (n in rss) if (rss[n] > 0) printf "%8d kB  %s\n", rss[n], n
      printf "%8d kB  total\n", total
    }' "/proc/$p/smaps" | sort -k1,1nr
}

report idle
mkdir -p www
curl -sf --cacert ca.crt --cert c.crt --key c.key --resolve "localhost:$port:127.0.0.1" \
  "https://localhost:$port/metrics" -o www/metrics
report scraped
if [ "$CONNS" -gt 0 ]; then
  g++ -O2 -o serve_load "$here/serve_load.cpp" -lssl -lcrypto -lpthread
  ./serve_load "$port" keepalive $((CONNS * 100)) "$CONNS" /metrics ca.crt c.crt c.key
  report "$CONNS keep-alive connections"
fi
[ "$NGINX" = 1 ] || exit 0

chmod 711 "$work"; chmod 755 www; chmod 644 www/metrics
p_nginx=$(free_port)
nginx_metrics_conf "$work" "$p_nginx" "$work/s.crt" "$work/s.key" "$work/ca.crt" >nginx.conf
start_nginx "$work" "$p_nginx"
worker=
for _ in $(seq 50); do
  worker=$(pgrep -P "$nginx_pid" | head -1)
  [ -n "$worker" ] && break
  sleep 0.1
done
[ -n "$worker" ] || { echo "nginx started no worker" >&2; exit 1; }
sleep "$SETTLE"
report "nginx worker idle" "$worker"
curl -sf --cacert ca.crt --cert c.crt --key c.key --resolve "localhost:$p_nginx:127.0.0.1" \
  "https://localhost:$p_nginx/metrics" -o /dev/null
report "nginx worker scraped" "$worker"
if [ "$CONNS" -gt 0 ]; then
  ./serve_load "$p_nginx" keepalive $((CONNS * 100)) "$CONNS" /metrics ca.crt c.crt c.key
  report "nginx worker, $CONNS keep-alive connections" "$worker"
fi
# The master read the configuration, initialised OpenSSL and loaded the certificates before it
# forked the worker: the worker shares those pages but has mapped only those it touched since.
report "nginx master" "$nginx_pid"
