#!/usr/bin/env bash
# Produces results/main_table.md (and results/main_table/: summary.json, the chart) from the
# committed checkpoints: every policy of eval/configs/main_table.json (scripted, bc_state, vla,
# wam_ite, harmowam: the bundled checkpoints, all image policies with the same recipe and budget;
# see policies/checkpoints/README.md)
# on all six tasks x five splits, 20 episodes per cell, identical episodes for every policy. Builds
# first (scripts/build.sh).
# Extra arguments go to `wambench eval` (e.g. --workers 4). The run folder stays in
# results/runs/main_table-<UTC time>/ (episode records, trajectories for `wambench view --run`).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
BUILD_DIR="${WAMBENCH_BUILD_DIR:-build}"
RUN="results/runs/main_table-$(date -u +%Y%m%dT%H%M%SZ)"
"$BUILD_DIR/cli/wambench" eval --config eval/configs/main_table.json --out "$RUN" "$@"
mkdir -p results/main_table
cp "$RUN/summary.json" results/main_table/summary.json
if [ -f "$RUN/success_by_split.svg" ]; then cp "$RUN/success_by_split.svg" results/main_table/success_by_split.svg; fi
sed 's#](success_by_split.svg)#](main_table/success_by_split.svg)#' "$RUN/report.md" > results/main_table.md
echo "wrote results/main_table.md (run: $RUN)"
