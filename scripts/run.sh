#!/usr/bin/env bash
# README's main-job command: install + configure + build, then run the main job.
# Until the evaluation runner exists, the main job renders the default scene from both cameras
# into results/runs/default_scene.png (software rendering unless a GPU is available).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
BUILD_DIR="${WAMBENCH_BUILD_DIR:-build}"
mkdir -p results/runs
"$BUILD_DIR/cli/wambench" info
"$BUILD_DIR/cli/wambench" render --out results/runs/default_scene.png --camera all --size 256 "$@"
