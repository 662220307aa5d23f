#!/usr/bin/env bash
# Benchmark: promtls serve vs nginx (nginx-light, ssl_verify_client on, a static copy of promtls'
# /metrics body) vs node_exporter (--web.config.file mTLS), same ECDSA P-256 certificates, same
# load client (bench/serve_load.cpp). Reports each server's own CPU time per request from
# /proc/PID/stat (utime+stime, children included for nginx's worker) for
#   (a) a fresh mTLS handshake + scrape per request, (b) keep-alive scrapes,
# and promtls' peak RSS (VmHWM) after 64 concurrent keep-alive connections. A second promtls with
# --session-tickets measures what issuing tickets costs a full handshake and what resuming saves.
# MODE=kex measures only (a), for promtls and nginx, once per key-exchange group in KEX_GROUPS
# (default: X25519MLKEM768 and X25519 where the OpenSSL has ML-KEM, else X25519): the client
# offers and shares that group alone, so both servers must use it (bench/serve_kex.sh runs it on
# Debian 12 and in the Debian 13 root).
# Usage: bench/serve.sh [PROMTLS_BINARY]   (default build/src/cli/promtls)
# Env: FRESH_N (default 2000), KEEP_N (default 20000; node_exporter gets a tenth, its scrapes
# cost milliseconds), CONC (default 4), RUNS (default 3), KEEP_WORK=1 keeps the work directory,
# MODE (all or kex), KEX_GROUPS, BENCH_CLIENT_CHAIN=leaf (the load client presents its certificate
# alone, as Prometheus does, instead of OpenSSL's default of adding the CA it trusts; see
# bench/serve_load.cpp).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
promtls=${1:-$here/../build/src/cli/promtls}
FRESH_N=${FRESH_N:-2000}
KEEP_N=${KEEP_N:-20000}
CONC=${CONC:-4}
RUNS=${RUNS:-3}
MODE=${MODE:-all}
# shellcheck source=bench/lib.sh
. "$here/lib.sh"
bench_work promtls-bench

# --- PKI: ECDSA P-256 CA, server (localhost, 127.0.0.1), client ---
cd "$work"
make_mtls_pki
g++ -O2 -o serve_load "$here/serve_load.cpp" -lssl -lcrypto -lpthread

# --- servers ---
p_promtls=$(free_port)
# start_promtls PORT LOG [SERVE_ARGS...]: promtls serve with mTLS on PORT, logging to LOG; sets
# started_pid once the port is open.
start_promtls() {
  local port=$1 log=$2; shift 2
  METRICS_PROMETHEUS_TLS_CERT=$work/server.crt METRICS_PROMETHEUS_TLS_KEY=$work/server.key \
  METRICS_PROMETHEUS_TLS_CLIENT_AUTH=require METRICS_PROMETHEUS_TLS_CLIENT_CA_FILE=$work/ca.crt \
  METRICS_PROMETHEUS_TLS_MIN_VERSION=1.2 \
    "$promtls" serve --listen "127.0.0.1:$port" --watch "$work/ca.crt" --watch "$work/server.crt" \
    "$@" 2>>"$log" &
  started_pid=$!; pids+=("$started_pid")
  wait_port "$port"
}
start_promtls "$p_promtls" "$work/promtls.log"
pid_promtls=$started_pid; sleep 1.5
if [ "$MODE" != kex ]; then
  p_tickets=$(free_port)
  start_promtls "$p_tickets" "$work/promtls-tickets.log" --session-tickets
  pid_tickets=$started_pid
fi
mkdir -p www; chmod 711 "$work"; chmod 755 www
if command -v curl >/dev/null; then
  curl -sf --cacert ca.crt --cert client.crt --key client.key "https://localhost:$p_promtls/metrics" \
    --resolve "localhost:$p_promtls:127.0.0.1" -o www/metrics
else  # the Debian 13 root has python3 but no curl
  python3 - "$p_promtls" >www/metrics <<'PY'
import http.client, ssl, sys
ctx = ssl.create_default_context(cafile="ca.crt")
ctx.load_cert_chain("client.crt", "client.key")
c = http.client.HTTPSConnection("127.0.0.1", int(sys.argv[1]), context=ctx)
ctx.check_hostname = False
ctx.verify_flags &= ~ssl.VERIFY_X509_STRICT  # the bench CA has no keyUsage
c.request("GET", "/metrics", headers={"Host": "localhost"})
sys.stdout.write(c.getresponse().read().decode())
PY
fi
chmod 644 www/metrics

p_nginx=$(free_port)
nginx_metrics_conf "$work" "$p_nginx" "$work/server.crt" "$work/server.key" "$work/ca.crt" >nginx.conf
start_nginx "$work" "$p_nginx"
pid_nginx=$nginx_pid


# measure_run NAME PID PORT MODE N [GROUPS] -> prints microseconds of server CPU per request over
# one run of N requests; with GROUPS, checks that the run negotiated the (single) group given.
measure_run() {
  local name=$1 pid=$2 port=$3 mode=$4 n=$5 groups=${6:-} t0 t1 out
  t0=$(ticks "$pid")
  out=$("$work/serve_load" "$port" "$mode" "$n" "$CONC" /metrics ca.crt client.crt client.key \
    ${groups:+"$groups"})
  t1=$(ticks "$pid")
  case $out in *failed=0*) ;; *) echo "$name $mode: $out" >&2; return 1 ;; esac
  if [ "$mode" = resume ]; then
    case $out in *resumed=$((n - CONC))\ *) ;; *) echo "$name resume: $out (expected $((n - CONC)) resumed)" >&2; return 1 ;; esac
  fi
  if [ -n "$groups" ]; then
    # OpenSSL names X25519 "x25519": compared ignoring case.
    case ${out,,} in *" group=${groups,,}") ;; *) echo "$name $groups: $out" >&2; return 1 ;; esac
  fi
  python3 -c "print(round(($t1-$t0)/$hz/$n*1e6, 1))"
}
# warm PORT MODE [GROUPS]: 100 requests that are not measured.
warm() {
  "$work/serve_load" "$1" "$2" 100 "$CONC" /metrics ca.crt client.crt client.key ${3:+"$3"} >/dev/null
}
median() { printf '%s\n' "$@" | sort -n | sed -n "$(( ($# + 1) / 2 ))p"; }
# measure NAME PID PORT MODE N [GROUPS] -> the median of RUNS measure_run results, after warm.
measure() {
  local r vals=()
  warm "$3" "$4" "${6:-}"
  for r in $(seq "$RUNS"); do vals+=("$(measure_run "$@")"); done
  median "${vals[@]}"
}
ratio() { python3 -c "print(f'{$1/$2:.2f}')"; }

if [ "$MODE" = kex ]; then
  if [ -z "${KEX_GROUPS:-}" ]; then
    KEX_GROUPS=X25519
    if openssl list -kem-algorithms 2>/dev/null | grep -qi mlkem768; then
      KEX_GROUPS="X25519MLKEM768 X25519"
    fi
  fi
  echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "system: $(. /etc/os-release && echo "$PRETTY_NAME")   openssl: $(openssl version)   nginx: $(/usr/sbin/nginx -v 2>&1 | cut -d/ -f2)   promtls: $("$promtls" --version 2>&1 | head -1)"
  echo "FRESH_N=$FRESH_N CONC=$CONC RUNS=$RUNS client chain: ${BENCH_CLIENT_CHAIN:-OpenSSL default}; fresh mTLS handshake (TLS 1.3, ECDSA P-256 certificates) + scrape, server CPU µs/req"
  echo "Each run measures promtls, then nginx, so both see the same moment of a noisy machine;"
  echo "the last column is the median of the runs' own ratios (min-max in brackets)."
  echo
  echo "| group | promtls (median) | nginx (median) | promtls/nginx, median of runs |"
  echo "|---|---|---|---|"
  for g in $KEX_GROUPS; do
    warm "$p_promtls" fresh "$g"
    warm "$p_nginx" fresh "$g"
    as=() bs=() rs=()
    for r in $(seq "$RUNS"); do
      a=$(measure_run promtls "$pid_promtls" "$p_promtls" fresh "$FRESH_N" "$g")
      b=$(measure_run nginx "$pid_nginx" "$p_nginx" fresh "$FRESH_N" "$g")
      as+=("$a"); bs+=("$b"); rs+=("$(ratio "$a" "$b")")
    done
    sorted=$(printf '%s\n' "${rs[@]}" | sort -n)
    echo "| $g | $(median "${as[@]}") | $(median "${bs[@]}") | $(median "${rs[@]}") ($(echo "$sorted" | head -1)-$(echo "$sorted" | tail -1)) |"
  done
  exit 0
fi

p_node=$(free_port)
cat >web.yml <<CONF
tls_server_config:
  cert_file: $work/server.crt
  key_file: $work/server.key
  client_ca_file: $work/ca.crt
  client_auth_type: RequireAndVerifyClientCert
CONF
prometheus-node-exporter --web.listen-address="127.0.0.1:$p_node" --web.config.file="$work/web.yml" \
  2>"$work/node.log" &
pid_node=$!; pids+=("$pid_node")
wait_port "$p_node"

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "openssl: $(openssl version)   nginx: $(/usr/sbin/nginx -v 2>&1 | cut -d/ -f2)   node_exporter: $(prometheus-node-exporter --version 2>&1 | head -1 | awk '{print $3}')"
echo "body: promtls /metrics $(wc -c <www/metrics) bytes; FRESH_N=$FRESH_N KEEP_N=$KEEP_N CONC=$CONC RUNS=$RUNS (median)"
declare -A res
for s in promtls nginx node; do
  pid_var=pid_$s; port_var=p_$s
  res[$s,fresh]=$(measure "$s" "${!pid_var}" "${!port_var}" fresh "$FRESH_N")
  n=$KEEP_N; [ "$s" = node ] && n=$((KEEP_N / 10))
  res[$s,keep]=$(measure "$s" "${!pid_var}" "${!port_var}" keepalive "$n")
done
res[tickets,fresh]=$(measure promtls-tickets "$pid_tickets" "$p_tickets" fresh "$FRESH_N")
res[tickets,resume]=$(measure promtls-tickets "$pid_tickets" "$p_tickets" resume "$FRESH_N")
# Peak RSS (VmHWM) of promtls with 64 concurrent keep-alive connections: in the server that ran
# every measurement above, and in RUNS fresh servers (one scrape, then the 64 connections).
"$work/serve_load" "$p_promtls" keepalive 6400 64 /metrics ca.crt client.crt client.key >/dev/null
hwm_kib=$(awk '/VmHWM/ {print $2}' "/proc/$pid_promtls/status")
node_hwm_kib=$(awk '/VmHWM/ {print $2}' "/proc/$pid_node/status")
fresh_hwm=()
for r in $(seq "$RUNS"); do
  p_rss=$(free_port)
  start_promtls "$p_rss" "$work/promtls-rss.log"
  pid_rss=$started_pid; sleep 1.5
  "$work/serve_load" "$p_rss" fresh 1 1 /metrics ca.crt client.crt client.key >/dev/null
  "$work/serve_load" "$p_rss" keepalive 6400 64 /metrics ca.crt client.crt client.key >/dev/null
  fresh_hwm+=("$(awk '/VmHWM/ {print $2}' "/proc/$pid_rss/status")")
  kill "$pid_rss"; wait "$pid_rss" 2>/dev/null || true
done
rss_median=$(printf '%s\n' "${fresh_hwm[@]}" | sort -n | sed -n "$(( (RUNS + 1) / 2 ))p")
rss_max=$(printf '%s\n' "${fresh_hwm[@]}" | sort -n | tail -1)
mib() { python3 -c "print(f'{$1/1024:.2f}')"; }
echo
echo "| server | (a) fresh mTLS handshake + scrape, server CPU µs/req | (b) keep-alive scrape, server CPU µs/req |"
echo "|---|---|---|"
for s in promtls nginx node; do
  label=$s; [ "$s" = node ] && label=node_exporter
  echo "| $label | ${res[$s,fresh]} | ${res[$s,keep]} |"
done
echo
echo "ratios: (a) promtls/nginx = $(ratio "${res[promtls,fresh]}" "${res[nginx,fresh]}") (target <= 1.00), promtls/node_exporter = $(ratio "${res[promtls,fresh]}" "${res[node,fresh]}") (target <= 0.70)"
echo "        (b) promtls/node_exporter = $(ratio "${res[promtls,keep]}" "${res[node,keep]}") (target <= 0.20)"
echo
echo "session tickets (promtls --session-tickets, server CPU µs per new connection + scrape):"
echo "  full handshake, ticket issued, client does not resume: ${res[tickets,fresh]} ($(ratio "${res[tickets,fresh]}" "${res[promtls,fresh]}")x of tickets off)"
echo "  resumed handshake: ${res[tickets,resume]} ($(ratio "${res[tickets,resume]}" "${res[promtls,fresh]}")x of a full handshake with tickets off)"
echo "peak RSS (VmHWM) with 64 concurrent keep-alive connections (target <= 10 MiB):"
echo "  fresh promtls, median of $RUNS: $(mib "$rss_median") MiB ($rss_median kB; max $(mib "$rss_max") MiB)"
echo "  the promtls that ran every measurement above: $(mib "$hwm_kib") MiB ($hwm_kib kB)"
echo "  node_exporter after its runs: $(mib "$node_hwm_kib") MiB"
