#!/usr/bin/env bash
# Sets everything up and runs the whole test suite: dependencies from Debian's packages, a
# -Werror build, and ctest (unit, CLI and integration tests); then the same suite again on
# Debian 13 (OpenSSL 3.5, GCC 14, Catch2 v3) in a debootstrap root (scripts/test-debian13.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh all
cmake --preset default >/dev/null
cmake --build --preset default
ctest --preset default -j2 --timeout 300
bash scripts/test-debian13.sh
