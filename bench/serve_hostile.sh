#!/usr/bin/env bash
# Benchmark: promtls serve and nginx (nginx-light, ssl_verify_client on, worker_connections 512 as
# nginx's default and promtls' --max-connections) under hostile clients, the same load client for
# both (bench/hostile_load.cpp), same ECDSA P-256 certificates:
#   idle       IDLE connections that never send a byte, plus FLOOD more reopened as soon as the
#              server closes them; N legitimate mTLS scrapes (new connection each) and a plain
#              GET /readyz on the probe listener (nginx: a second plain server block) after every
#              fourth scrape.
#   handshake  HS_FLOOD threads of handshakes without a client certificate; N legitimate scrapes.
# Prints, per server and attack, the median over RUNS of: scrapes that succeeded, p50 and p99
# scrape latency, probes answered.
# Usage: bench/serve_hostile.sh [PROMTLS_BINARY]   (default build/src/cli/promtls)
# Env: N (default 400), IDLE (2000), FLOOD (600), HS_FLOOD (3), RUNS (3), KEEP_WORK=1.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
promtls=${1:-$here/../build/src/cli/promtls}
N=${N:-400}
IDLE=${IDLE:-2000}
FLOOD=${FLOOD:-600}
HS_FLOOD=${HS_FLOOD:-3}
RUNS=${RUNS:-3}
# shellcheck source=bench/lib.sh
. "$here/lib.sh"
bench_work promtls-hostile
ulimit -n "$(ulimit -Hn)"

cd "$work"
# issue NAME SUBJECT EXT: a P-256 key and a certificate signed by the CA (self-signed for "ca").
issue() {
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$1.key" \
    -subj "/CN=$2" -out "$1.csr" 2>/dev/null
  if [ "$1" = ca ]; then
    openssl x509 -req -in ca.csr -signkey ca.key -days 30 -out ca.crt 2>/dev/null
  else
    printf '%s\n' "$3" >"$1.ext"
    openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days 30 \
      -extfile "$1.ext" -out "$1.crt" 2>/dev/null
  fi
  chmod 600 "$1.key"
}
issue ca hostile-bench-ca
issue server localhost $'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth'
issue client hostile-bench-client 'extendedKeyUsage=clientAuth'
g++ -O2 -o hostile_load "$here/hostile_load.cpp" -lssl -lcrypto -lpthread

p_promtls=$(free_port)
p_promtls_probe=$(free_port)
METRICS_PROMETHEUS_TLS_CERT=$work/server.crt METRICS_PROMETHEUS_TLS_KEY=$work/server.key \
METRICS_PROMETHEUS_TLS_CLIENT_AUTH=require METRICS_PROMETHEUS_TLS_CLIENT_CA_FILE=$work/ca.crt \
  "$promtls" serve --listen "127.0.0.1:$p_promtls" --probe-listen "127.0.0.1:$p_promtls_probe" \
  --log-format json 2>"$work/promtls.log" &
pids+=($!)
wait_port "$p_promtls"

p_nginx=$(free_port)
p_nginx_probe=$(free_port)
mkdir -p www
echo ok >www/metrics
chmod 711 "$work"; chmod 755 www; chmod 644 www/metrics
{ nginx_preamble "$work" 512; cat <<CONF
  server {
    listen 127.0.0.1:$p_nginx ssl;
    ssl_certificate $work/server.crt;
    ssl_certificate_key $work/server.key;
    ssl_client_certificate $work/ca.crt;
    ssl_verify_client on;
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_session_tickets off;
    location = /metrics { root $work/www; }
  }
  server {
    listen 127.0.0.1:$p_nginx_probe;
    location = /readyz { return 200 "ok\n"; }
  }
}
CONF
} >nginx.conf
start_nginx "$work" "$p_nginx"

median() { sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
field() { sed -n "s/.* $1=\([0-9.]*\).*/\1/p"; }

# run NAME PORT PROBE_PORT ATTACK
run() {
  local out=() line r flood=0
  [ "$4" = idle ] && flood=$FLOOD
  [ "$4" = handshake ] && flood=$HS_FLOOD
  for r in $(seq "$RUNS"); do
    line=$(./hostile_load "$2" "$3" "$4" "$N" "$IDLE" "$flood" ca.crt client.crt client.key)
    out+=("$line")
    sleep 1
  done
  printf '%-8s %-9s ok %s/%s  p50 %s ms  p99 %s ms  probes %s/%s\n' "$1" "$4" \
    "$(printf '%s\n' "${out[@]}" | sed -n 's/^ok=\([0-9]*\).*/\1/p' | median)" "$N" \
    "$(printf '%s\n' "${out[@]}" | field p50_ms | median)" \
    "$(printf '%s\n' "${out[@]}" | field p99_ms | median)" \
    "$(printf '%s\n' "${out[@]}" | field probes_ok | median)" \
    "$(printf '%s\n' "${out[@]}" | sed -n 's/.*probes_ok=[0-9]* of=\([0-9]*\).*/\1/p' | median)"
}

echo "# N=$N IDLE=$IDLE FLOOD=$FLOOD HS_FLOOD=$HS_FLOOD RUNS=$RUNS; $(nproc) cores; $(openssl version)"
run promtls "$p_promtls" "$p_promtls_probe" none
run nginx "$p_nginx" "$p_nginx_probe" none
run promtls "$p_promtls" "$p_promtls_probe" idle
run nginx "$p_nginx" "$p_nginx_probe" idle
run promtls "$p_promtls" 0 handshake
run nginx "$p_nginx" 0 handshake
