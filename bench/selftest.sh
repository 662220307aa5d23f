#!/usr/bin/env bash
# selftest load mode as a mutual-TLS load generator: handshakes per second with a new connection
# and client certificate for every request (`promtls selftest --load --new-connections
# --concurrency 1`), against `openssl s_time -new` doing the same full handshakes with the same
# client certificate, both against one nginx (ssl_verify_client on, TLS 1.3, P-256) on loopback;
# and keep-alive scrapes per second. wrk, h2load and hey cannot present client certificates, so
# s_time is the peer. Needs a built tree (cmake --preset default), nginx-light and openssl.
# Usage: bash bench/selftest.sh [rounds] [seconds]   (default 5 rounds of 10 s each)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-5}
seconds=${2:-10}
bash scripts/install-deps.sh all
cmake --build --preset default --target promtls >/dev/null
bin=$PWD/build/src/cli/promtls
work=$(mktemp -d /tmp/promtls-bench.XXXXXX)
chmod 755 "$work"
cleanup() {
  [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work"

q() { "$@" >/dev/null 2>&1; }
q openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 \
  -subj "/CN=bench CA" -keyout ca.key -out ca.crt \
  -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
for who in server client; do
  q openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=bench-$who" \
    -keyout $who.key -out $who.csr
  q openssl x509 -req -in $who.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 365 \
    -out $who.crt -extfile <(printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n')
done
printf '# HELP up Whether the target is up.\n# TYPE up gauge\nup 1\n' > metrics
chmod 644 metrics ca.crt
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat > nginx.conf <<CONF
worker_processes 1;
pid $work/nginx.pid;
error_log $work/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $work/body; proxy_temp_path $work/proxy; fastcgi_temp_path $work/fcgi;
  uwsgi_temp_path $work/uwsgi; scgi_temp_path $work/scgi;
  server {
    listen 127.0.0.1:$port ssl;
    ssl_certificate $work/server.crt; ssl_certificate_key $work/server.key;
    ssl_protocols TLSv1.3; ssl_client_certificate $work/ca.crt; ssl_verify_client on;
    ssl_session_cache off; ssl_session_tickets off; keepalive_requests 1000000;
    location = /metrics { types { } default_type "text/plain; version=0.0.4"; alias $work/metrics; }
  }
}
CONF
nginx -p "$work" -e "$work/error.log" -c "$work/nginx.conf"
for _ in $(seq 50); do [ -f nginx.pid ] && break; sleep 0.1; done

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
creds=(--ca ca.crt --cert client.crt --key client.key)
: > promtls_new.txt; : > s_time_new.txt; : > promtls_keepalive.txt
for r in $(seq "$rounds"); do
  # Size each promtls run to last about $seconds, from a short calibration.
  n=$("$bin" selftest --no-env --connect "127.0.0.1:$port" "${creds[@]}" --load 200 \
    --concurrency 1 --new-connections -o json | python3 -c \
    "import json,sys; print(max(200, int(json.load(sys.stdin)['load']['handshakes_per_second'] * $seconds)))")
  "$bin" selftest --no-env --connect "127.0.0.1:$port" "${creds[@]}" --load "$n" --concurrency 1 \
    --new-connections -o json |
    python3 -c "import json,sys; print(json.load(sys.stdin)['load']['handshakes_per_second'])" \
      >> promtls_new.txt
  openssl s_time -connect "127.0.0.1:$port" -new -time "$seconds" -cert client.crt \
    -key client.key -CAfile ca.crt -www /metrics 2>/dev/null |
    awk '/connections in [0-9]+ real seconds/ {print $1 / $4}' >> s_time_new.txt
  "$bin" selftest --no-env --connect "127.0.0.1:$port" "${creds[@]}" --load $((n * 20)) \
    --concurrency 4 -o json |
    python3 -c "import json,sys; print(json.load(sys.stdin)['load']['requests_per_second'])" \
      >> promtls_keepalive.txt
  echo "round $r: promtls new $(tail -1 promtls_new.txt)/s, s_time new $(tail -1 s_time_new.txt)/s," \
    "promtls keep-alive $(tail -1 promtls_keepalive.txt)/s"
done
p=$(median < promtls_new.txt)
s=$(median < s_time_new.txt)
k=$(median < promtls_keepalive.txt)
echo
echo "| measurement (median of $rounds rounds) | per second | ratio to s_time -new |"
echo "|---|---|---|"
echo "| promtls selftest --load --new-connections --concurrency 1 (handshake + GET) | $p | $(python3 -c "print(round($p/$s, 2))") |"
echo "| openssl s_time -new (handshake + GET) | $s | 1.00 |"
echo "| promtls selftest --load --concurrency 4 (keep-alive GETs) | $k | $(python3 -c "print(round($k/$s, 2))") |"
