#!/usr/bin/env bash
# `wambench view` as a person would use it, under a virtual X server (Xvfb):
#  - live, replay and browse (side by side) modes render frames and save a screenshot of the
#    window size that is not blank;
#  - bad input (missing / corrupt recording, run folder without episodes, no display) exits 2 with
#    a clear message, and never hangs.
# Usage: view_cli.sh WAMBENCH WORKDIR
set -euo pipefail
exe="$1"
work="$2"
here="$(cd "$(dirname "$0")" && pwd)"
rm -rf "$work"
mkdir -p "$work"
xvfb() { timeout 120 xvfb-run -a -s "-screen 0 1920x1080x24" "$@"; }

# A small run to replay and browse: two policies' worth of the same episodes (clean and noisy expert).
echo '{"policies": ["scripted"], "tasks": ["pick_place", "peg_insert"], "splits": ["train"], "episodes": 2, "workers": 2}' > "$work/a.json"
echo '{"policies": [{"name": "scripted", "noise_std": 0.3}], "tasks": ["pick_place", "peg_insert"], "splits": ["train"], "episodes": 2, "workers": 2}' > "$work/b.json"
"$exe" eval --config "$work/a.json" --out "$work/run_a" > "$work/eval_a.log"
"$exe" eval --config "$work/b.json" --out "$work/run_b" > "$work/eval_b.log"

xvfb "$exe" view --task pick_place --split unseen_object --episode 1 --frames 25 --screenshot "$work/live.png"
xvfb "$exe" view --replay "$work/run_a/recordings/scripted/peg_insert/train/episode_0" --frames 30 \
  --screenshot "$work/replay.png"
xvfb "$exe" view --run "$work/run_a" --run "$work/run_b" --select 0 --side-by-side --frames 20 \
  --screenshot "$work/browse.png"
/usr/bin/python3 "$here/check_screenshot.py" 1280 720 "$work/live.png" "$work/replay.png" "$work/browse.png"

source "$(dirname "$0")/../expect_error.sh"
expect_error "no recording at" xvfb "$exe" view --replay "$work/run_a/recordings/scripted/pick_place/train/episode_99" --frames 1
head -c 2000 "$work/run_a/recordings/scripted/pick_place/train/episode_0.h5" > "$work/truncated.h5"
expect_error "truncated.h5" xvfb "$exe" view --replay "$work/truncated.h5" --frames 1
mkdir -p "$work/empty_run"
expect_error "no episodes.jsonl" xvfb "$exe" view --run "$work/empty_run" --frames 1
: > "$work/empty_run/episodes.jsonl"
expect_error "no finished episodes" xvfb "$exe" view --run "$work/empty_run" --frames 1
expect_error "valid" xvfb "$exe" view --task juggle --frames 1
expect_error "DISPLAY is not set" env -u DISPLAY timeout 60 "$exe" view --frames 1
expect_error "cannot open display" env DISPLAY=:97531 timeout 60 "$exe" view --frames 1
echo "view_cli: all checks passed"
