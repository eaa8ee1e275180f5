#!/usr/bin/env bash
# README's main-job command: install + configure + build, then run the evaluation sweep of
# eval/configs/default.json (every bundled policy on every task x split; software rendering unless
# a GPU is available). Extra arguments go to `wambench eval` (e.g. --episodes 5, --out DIR).
# Results: $WAMBENCH_RUNS_DIR/eval-<UTC time>/, by default ~/.local/share/wambench/runs/eval-<UTC time>/
# (episodes.jsonl, manifest.json, summary.json, report.md).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
BUILD_DIR="${WAMBENCH_BUILD_DIR:-build}"
"$BUILD_DIR/cli/wambench" info
"$BUILD_DIR/cli/wambench" eval "$@"
