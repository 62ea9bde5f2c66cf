#!/usr/bin/env bash
# Configures and builds dlexport into build/ (or $BUILD_DIR). Extra args go to cmake configure.
#   scripts/build.sh                      RelWithDebInfo build in build/
#   BUILD_DIR=build-asan scripts/build.sh -DDLEXPORT_SANITIZE=address,undefined
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
cmake -S . -B "$BUILD_DIR" -G Ninja "$@" >/dev/null
cmake --build "$BUILD_DIR" -j "$(nproc)"
