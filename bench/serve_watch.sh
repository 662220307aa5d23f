#!/usr/bin/env bash
# Benchmark: promtls serve --watch over large certificate trees (issue 17).
#   idle CPU  serve --watch over 100,000 certificates, % of a core over IDLE_S seconds
#             (/proc/PID/stat utime+stime), with inotify and with the polling fallback
#             (PROMTLS_WATCH_POLL=1);
#   reload    one file among 10,000 rewritten in place: ms from the write to the first scrape
#             that shows the new certificate (median of RELOADS);
#   scrape    server CPU per keep-alive mTLS scrape at 10,000 certificates, plain and gzip
#             (Accept-Encoding: gzip, as Prometheus sends), against nginx serving the same body
#             statically (gzip_static with a gzip -6 copy for the gzip case); same client
#             (bench/serve_load.cpp);
#   RSS       VmRSS after the first load and after 20 reloads (10,000 certificates).
# Trees come from bench/make_tree.cpp (100 certificates per directory). The machine is shared:
# run it more than once.
# Usage: bench/serve_watch.sh [PROMTLS_BINARY]   (default build/src/cli/promtls)
# Env: IDLE_S (30), RELOADS (7), SCRAPES (200), RUNS (3), BIG (100000), SMALL (10000),
# KEEP_WORK=1 keeps the work directory.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
promtls=${1:-$here/../build/src/cli/promtls}
IDLE_S=${IDLE_S:-30}
RELOADS=${RELOADS:-7}
SCRAPES=${SCRAPES:-200}
RUNS=${RUNS:-3}
BIG=${BIG:-100000}
SMALL=${SMALL:-10000}
# shellcheck source=bench/lib.sh
. "$here/lib.sh"
bench_work promtls-bench-watch
WAIT_PORT_S=30  # loading 100,000 certificates takes a while
wait_log() {  # wait_log FILE PATTERN COUNT
  for _ in $(seq 1200); do [ "$(grep -c "$2" "$1" || true)" -ge "$3" ] && return 0; sleep 0.1; done
  echo "$1: no $3 x $2" >&2; return 1
}
median() { sort -n | sed -n "$(( (RUNS + 1) / 2 ))p"; }

cd "$work"
g++ -O2 -o make_tree "$here/make_tree.cpp" -lcrypto
g++ -O2 -o serve_load "$here/serve_load.cpp" -lssl -lcrypto -lpthread
./make_tree big "$BIG"
./make_tree small "$SMALL"
./make_tree spare "$RELOADS" spare-  # replacements whose CN names them
./make_tree spare20 20 spare-

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "promtls: $("$promtls" --version 2>&1 | head -1)   nginx: $(/usr/sbin/nginx -v 2>&1 | cut -d/ -f2)"

# --- idle CPU at $BIG certificates ---
idle() {  # idle LABEL [ENV...]
  local label=$1; shift
  local port log pid t0 t1
  port=$(free_port); log=$work/idle-$label.log
  env "$@" "$promtls" serve --listen "127.0.0.1:$port" --watch "$work/big" --recursive 2>"$log" &
  pid=$!; pids+=("$pid")
  wait_port "$port"; wait_log "$log" sources_loaded 1
  sleep 2
  t0=$(ticks "$pid"); sleep "$IDLE_S"; t1=$(ticks "$pid")
  echo "idle $label: $(python3 -c "print(round(($t1-$t0)/$hz/$IDLE_S*100, 3))") % of a core over ${IDLE_S} s ($(grep -o 'certificates=[0-9]*' "$log" | head -1))"
  kill "$pid"; wait "$pid" 2>/dev/null || true
}
idle inotify
idle polling PROMTLS_WATCH_POLL=1

# --- reload latency and RSS at $SMALL certificates (plain HTTP) ---
port=$(free_port); log=$work/reload.log
"$promtls" serve --listen "127.0.0.1:$port" --watch "$work/small" --recursive 2>"$log" &
pid=$!; pids+=("$pid")
wait_port "$port"; wait_log "$log" sources_loaded 1
curl -sf "http://127.0.0.1:$port/metrics" -o /dev/null
rss1=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
python3 - "$port" "$work" "$RELOADS" "$SMALL" <<'PY'
import os, socket, sys, time, statistics
port, work, n, small = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
def scrape():
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    chunks = []
    while True:
        b = s.recv(1 << 20)
        if not b: break
        chunks.append(b)
    s.close()
    return b"".join(chunks)
spare = sorted(os.path.join(dp, f) for dp, _, fs in os.walk(os.path.join(work, "spare")) for f in fs)
ms = []
writes = []
for i in range(n):
    data = open(spare[i], "rb").read()
    k = (i * 97 + 5) % small
    target = os.path.join(work, "small", "d%d" % (k // 100), "cert-%d.pem" % k)
    # The spare's CN is unique to it: the scrape shows it once the reload is served.
    needle = ('subject_CN="spare-%d.bench.test"' % int(os.path.basename(spare[i])[5:-4])).encode()
    t0 = time.monotonic()
    writes.append(time.time())
    with open(target, "wb") as f:
        f.write(data)
    while needle not in scrape():
        pass
    ms.append((time.monotonic() - t0) * 1000)
    time.sleep(0.3)
print("reload of one file among %s: median %.1f ms (min %.1f, max %.1f, n=%d)" % (
    "%d certificates" % small, statistics.median(ms), min(ms), max(ms), len(ms)))
# The watcher's part alone: from the write to its sources_reloaded log line.
import datetime
stamps = []
for line in open(os.path.join(work, "reload.log")):
    if "event=sources_reloaded" in line:
        t = line.split("time=")[1].split(" ")[0]
        stamps.append(datetime.datetime.strptime(t, "%Y-%m-%dT%H:%M:%S.%fZ").replace(
            tzinfo=datetime.timezone.utc).timestamp())
watcher = [(s - w) * 1000 for w, s in zip(writes, stamps[-n:])]
print("  of which the watcher (write to sources_reloaded): median %.1f ms (min %.1f, max %.1f)" % (
    statistics.median(watcher), min(watcher), max(watcher)))
PY
grep -o 'files_read=[0-9]*' "$log" | sort | uniq -c | sed 's/^/  loads with /'
# RSS after 20 reloads.
loads=$(grep -c 'sources_reloaded' "$log" || true)
for i in $(seq 20); do
  f=$(find "$work/spare20" -name '*.pem' | sort | sed -n "${i}p")
  k=$(( (i * 131 + 3) % SMALL ))
  cp "$f" "$work/small/d$((k / 100))/cert-$k.pem"
  wait_log "$log" sources_reloaded $((loads + i))
  curl -sf "http://127.0.0.1:$port/metrics" -o /dev/null
done
rss20=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
echo "RSS: after the first load $((rss1 / 1024)) MiB, after 20 more reloads $((rss20 / 1024)) MiB ($(python3 -c "print(f'{$rss20/$rss1:.2f}')")x)"
curl -sf "http://127.0.0.1:$port/metrics" -o "$work/body.txt"
kill "$pid"; wait "$pid" 2>/dev/null || true

# --- scrape CPU at $SMALL certificates, mTLS, against nginx ---
make_mtls_pki
p_promtls=$(free_port)
METRICS_PROMETHEUS_TLS_CERT=$work/server.crt METRICS_PROMETHEUS_TLS_KEY=$work/server.key \
METRICS_PROMETHEUS_TLS_CLIENT_AUTH=require METRICS_PROMETHEUS_TLS_CLIENT_CA_FILE=$work/ca.crt \
  "$promtls" serve --listen "127.0.0.1:$p_promtls" --watch "$work/small" --recursive 2>"$work/tls.log" &
pid_promtls=$!; pids+=("$pid_promtls")
wait_port "$p_promtls"; wait_log "$work/tls.log" sources_loaded 1
mkdir -p www; chmod 711 "$work"; chmod 755 www
cp "$work/body.txt" www/metrics; gzip -6 -k www/metrics; chmod 644 www/metrics www/metrics.gz
p_nginx=$(free_port)
nginx_metrics_conf "$work" "$p_nginx" "$work/server.crt" "$work/server.key" "$work/ca.crt" \
  "gzip_static on;" >nginx.conf
start_nginx "$work" "$p_nginx"
pid_nginx=$nginx_pid
scrape_cpu() {  # scrape_cpu PID PORT ENCODING -> µs of server CPU per scrape (median of RUNS)
  local r t0 t1 out vals=()
  BENCH_ACCEPT_ENCODING=$3 ./serve_load "$2" keepalive 10 1 /metrics ca.crt client.crt client.key >/dev/null
  for r in $(seq "$RUNS"); do
    t0=$(ticks "$1")
    out=$(BENCH_ACCEPT_ENCODING=$3 ./serve_load "$2" keepalive "$SCRAPES" 1 /metrics ca.crt client.crt client.key)
    t1=$(ticks "$1")
    case $out in *failed=0*) ;; *) echo "scrape $2 $3: $out" >&2; return 1 ;; esac
    vals+=("$(python3 -c "print(round(($t1-$t0)/$hz/$SCRAPES*1e6))")")
  done
  printf '%s\n' "${vals[@]}" | median
}
gz_size=$(curl -sf --cacert ca.crt --cert client.crt --key client.key -H 'Accept-Encoding: gzip' \
  --resolve "localhost:$p_promtls:127.0.0.1" "https://localhost:$p_promtls/metrics" | wc -c)
echo "body at $SMALL certificates: $(wc -c <www/metrics) bytes plain, promtls gzip $gz_size bytes, gzip -6 $(wc -c <www/metrics.gz) bytes"
a=$(scrape_cpu "$pid_promtls" "$p_promtls" "")
b=$(scrape_cpu "$pid_nginx" "$p_nginx" "")
c=$(scrape_cpu "$pid_promtls" "$p_promtls" gzip)
d=$(scrape_cpu "$pid_nginx" "$p_nginx" gzip)
echo
echo "| keep-alive mTLS scrape, server CPU µs | promtls | nginx (static) | promtls/nginx |"
echo "|---|---|---|---|"
echo "| plain | $a | $b | $(python3 -c "print(f'{$a/$b:.2f}')") |"
echo "| gzip | $c | $d | $(python3 -c "print(f'{$c/$d:.2f}')") |"
echo "| promtls gzip / nginx plain | $c | $b | $(python3 -c "print(f'{$c/$b:.2f}')") |"
