#!/usr/bin/env bash
# inspect over 10,000 certificates in a directory tree (issue 4's speed target): median wall and
# CPU time of `promtls inspect -r` (text, prometheus, json) against the baseline loop
# (bench/pem_loop.cpp: read every file, PEM_read_bio_X509 on it) and against running
# `openssl x509 -noout -enddate` once per file (skipped above 20,000 certificates: minutes of
# process starts); then each command's peak RSS (/usr/bin/time -f %M, median of `runs` runs).
# Needs hyperfine. Issue 17 runs it with 100,000: `bash bench/inspect.sh 3 100000`.
# Usage: bash bench/inspect.sh [runs] [certificates]   (defaults 10 and 10000)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-10}
count=${2:-10000}
cmake --preset default >/dev/null
cmake --build --preset default --target promtls promtls_bench_make_tree promtls_bench_pem_loop \
  >/dev/null
bin=$PWD/build/src/cli/promtls
work=$(mktemp -d /tmp/promtls-bench-inspect.XXXXXX)
trap 'rm -rf "$work"' EXIT
./build/bench/promtls_bench_make_tree "$work/tree" "$count"
at=--at=2026-06-01T00:00:00Z
# Every tool must see every certificate.
[ "$(./build/bench/promtls_bench_pem_loop "$work/tree")" = "$count" ]
n=$({ "$bin" inspect -r "$work/tree" $at -o json || true; } | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["certificates"]))')
[ "$n" = "$count" ]

hyperfine -N -i --warmup 2 --runs "$runs" --export-json "$work/main.json" \
  -n "baseline PEM_read_bio_X509 loop" "./build/bench/promtls_bench_pem_loop $work/tree" \
  -n "promtls inspect -r (text)" "$bin inspect -r $work/tree $at --fail-on expired" \
  -n "promtls inspect -r -o prometheus" "$bin inspect -r $work/tree $at -o prometheus --fail-on expired" \
  -n "promtls inspect -r -o json" "$bin inspect -r $work/tree $at -o json --fail-on expired" \
  >/dev/null
# 10,000 openssl processes take minutes on a loaded machine: one run; none above 20,000.
exports=("$work/main.json")
if [ "$count" -le 20000 ]; then
  hyperfine -i --warmup 0 --runs 1 --export-json "$work/openssl.json" \
    -n "openssl x509 -enddate per file" \
    "find $work/tree -name '*.pem' -exec openssl x509 -noout -enddate -in {} \\; >/dev/null" \
    >/dev/null
  exports+=("$work/openssl.json")
fi

# Peak RSS (KiB) of each command, median of `runs` runs, output to /dev/null as above.
rss() {
  for _ in $(seq "$runs"); do
    /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -1
  done | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}
{
  echo "baseline PEM_read_bio_X509 loop	$(rss ./build/bench/promtls_bench_pem_loop "$work/tree")"
  echo "promtls inspect -r (text)	$(rss "$bin" inspect -r "$work/tree" $at --fail-on expired)"
  echo "promtls inspect -r -o prometheus	$(rss "$bin" inspect -r "$work/tree" $at -o prometheus \
    --fail-on expired)"
  echo "promtls inspect -r -o json	$(rss "$bin" inspect -r "$work/tree" $at -o json --fail-on expired)"
} >"$work/rss.tsv"

python3 - "$count" "$work/rss.tsv" "${exports[@]}" <<'PY'
import json, statistics, sys
rss = dict(line.rstrip("\n").split("\t") for line in open(sys.argv[2]))
rows = []
for path in sys.argv[3:]:
    for r in json.load(open(path))["results"]:
        # hyperfine 1.15 exports the mean user and system time only.
        rows.append((r["command"], statistics.median(r["times"]), r["user"] + r["system"],
                     len(r["times"])))
base = rows[0]
print(f"{sys.argv[1]} certificates; median wall time, mean CPU time, median peak RSS; ratios to "
      "the baseline loop\n")
print("| command | runs | median wall ms | mean CPU ms (user+sys) | wall ratio | CPU ratio | "
      "peak RSS MiB |")
print("|---|---|---|---|---|---|---|")
for name, wall, cpu, n in rows:
    mib = f"{int(rss[name]) / 1024:.0f}" if name in rss else "-"
    print(f"| {name} | {n} | {wall*1000:.0f} | {cpu*1000:.0f} | {wall/base[1]:.3f} | "
          f"{cpu/base[2]:.3f} | {mib} |")
PY
