#!/usr/bin/env bash
# Builds the libFuzzer harnesses (fuzz/, -DPROMTLS_FUZZ=ON with clang, in build-fuzz/), runs each
# for SECONDS (default 60) from its seed corpus, then runs every corpus file once as a regression
# test. New inputs libFuzzer finds go to build-fuzz/corpus/<target>/, never into the repository;
# a crash is written to build-fuzz/crashes/<target>/ and fails the script (exit 1).
#
#   scripts/fuzz.sh [SECONDS]       PROMTLS_FUZZ_TARGETS="env time" limits the targets
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-60}
case "$seconds" in '' | *[!0-9]*) echo "usage: $0 [SECONDS]" >&2; exit 2 ;; esac
targets=(${PROMTLS_FUZZ_TARGETS:-env documents sources license exposition time})
build=build-fuzz

export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$PWD} CCACHE_NOHASHDIR=true
launcher=()
if command -v ccache >/dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
CXX=clang++ cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPROMTLS_FUZZ=ON \
  -DPROMTLS_WERROR=ON -DPROMTLS_BUILD_TESTS=OFF -DPROMTLS_STATIC_RUNTIME=OFF "${launcher[@]}" \
  >/dev/null
cmake --build "$build" --target promtls_fuzzers -j2

# Leaks count as crashes; UBSan findings are already fatal (-fno-sanitize-recover=all).
export ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=0
export UBSAN_OPTIONS=print_stacktrace=1
# Per input: 10 s of time, 2 GiB of memory (a parser that loops or balloons is a finding).
limits=(-timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=2048)
failed=()
for t in "${targets[@]}"; do
  seeds=fuzz/corpus/$t
  work=$build/corpus/$t
  crashes=$build/crashes/$t
  mkdir -p "$work" "$crashes"
  if [ "$seconds" -gt 0 ]; then
    echo "== fuzz_$t: ${seconds} s"
    if ! "$build/fuzz/fuzz_$t" "${limits[@]}" -max_total_time="$seconds" -print_final_stats=1 \
        -artifact_prefix="$crashes/" "$work" "$seeds" >"$build/fuzz_$t.log" 2>&1; then
      failed+=("fuzz_$t")
      tail -n 40 "$build/fuzz_$t.log" >&2
    fi
    awk '/stat::number_of_executed_units|stat::average_exec_per_sec|stat::peak_rss_mb/ {
           printf "   %s %s\n", $1, $2 }' "$build/fuzz_$t.log"
  fi
  echo "== fuzz_$t: every file of $seeds once"
  if ! "$build/fuzz/fuzz_$t" "${limits[@]}" -runs=0 -artifact_prefix="$crashes/" "$seeds" \
      >"$build/fuzz_$t.regression.log" 2>&1; then
    failed+=("fuzz_$t (corpus)")
    tail -n 40 "$build/fuzz_$t.regression.log" >&2
  fi
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: failed: ${failed[*]} (inputs in $build/crashes/, logs in $build/)" >&2
  exit 1
fi
echo "fuzz: ${targets[*]}: no crash"
