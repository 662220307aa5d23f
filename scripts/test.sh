#!/usr/bin/env bash
# Sets everything up and runs the whole test suite: dependencies from Debian's packages, a
# -Werror build, and ctest (unit, CLI and integration tests).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh all
cmake --preset default >/dev/null
cmake --build --preset default
ctest --preset default -j2 --timeout 300
