#!/usr/bin/env bash
# Installs dependencies, builds, and runs the whole test suite (the README's test command).
#   scripts/test.sh            build/ + ctest
#   scripts/test.sh --asan     also an ASan+UBSan build of the tests in build-asan/
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
(cd build && ctest --output-on-failure -j "$(nproc)")
if [ "${1:-}" = "--asan" ]; then
  BUILD_DIR=build-asan scripts/build.sh -DDLEXPORT_SANITIZE=address,undefined -DDLEXPORT_BUILD_BENCH=OFF
  (cd build-asan && ASAN_OPTIONS=detect_leaks=1 ctest --output-on-failure -j "$(nproc)")
fi
