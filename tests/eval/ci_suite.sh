#!/usr/bin/env bash
# Runs the CI suite (eval/configs/ci.json) and compares it with the committed baseline.
set -euo pipefail
WAMBENCH="$1"; SRC="$2"; DIR="$3"
rm -rf "$DIR" "$DIR-traj"
"$WAMBENCH" eval --config "$SRC/eval/configs/ci.json" --out "$DIR"
# One episode with its trajectory, read back in Python with h5py.
"$WAMBENCH" eval --tasks pick_place --splits train --episodes 1 --workers 1 --out "$DIR-traj" > /dev/null 2>&1
# Debian's interpreter, where python3-h5py is installed (not a pyenv / venv python3 on PATH).
/usr/bin/python3 "$SRC/tests/eval/check_trajectory.py" "$DIR-traj/recordings/scripted/pick_place/train/episode_0.h5"
"$WAMBENCH" compare --baseline "$SRC/results/baselines/ci.json" "$DIR"
