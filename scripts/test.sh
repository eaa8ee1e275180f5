#!/usr/bin/env bash
# README's test command: install + configure + build, then run every test (ctest).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
BUILD_DIR="${WAMBENCH_BUILD_DIR:-build}"
ctest --test-dir "$BUILD_DIR" --output-on-failure -j"$(nproc)"
