#!/usr/bin/env bash
# Runs the CI suite (eval/configs/ci.json) and compares it with the committed baseline.
set -euo pipefail
WAMBENCH="$1"; SRC="$2"; DIR="$3"
rm -rf "$DIR"
"$WAMBENCH" eval --config "$SRC/eval/configs/ci.json" --out "$DIR"
"$WAMBENCH" compare --baseline "$SRC/results/baselines/ci.json" "$DIR"
