#!/usr/bin/env bash
# The sim-to-real bridge's acceptance runs on the networked twin (README "Validate on a real arm"):
#  1. the sim sweep: `wambench eval` of scripted and vla on every task, train split, EPISODES each;
#  2. the same episodes with `wambench real` on the twin without faults (scripted and vla);
#  3. vla on the twin with each fault of examples/twin/ (latency 50-150 ms, 10 % frame drops,
#     2 cm / 3 deg front-camera miscalibration, a 2 s disconnect in the first episode);
#  4. `wambench correlate` of the sim sweep against every twin run, and a table of the effects:
#     results/twin_validation.md (with the loop's period jitter and observation -> command latency).
# The twin runs in real time (10 Hz), so this takes about EPISODES x 6 tasks x ~10 s per run.
# Usage: scripts/twin_validation.sh [OUT_DIR] ; env WAMBENCH (binary), EPISODES (default 2), PORT.
set -euo pipefail
SRC="$(cd "$(dirname "$0")/.." && pwd)"
W="${WAMBENCH:-$SRC/build/cli/wambench}"
OUT="${1:-$SRC/results/runs/twin-validation}"
EPISODES="${EPISODES:-2}"
PORT="${PORT:-5571}"
PY=/usr/bin/python3
rm -rf "$OUT"; mkdir -p "$OUT"
TWIN_PID=""
stop_twin() {
  if [ -n "$TWIN_PID" ]; then kill -TERM "$TWIN_PID" 2>/dev/null || true; wait "$TWIN_PID" 2>/dev/null || true; TWIN_PID=""; fi
}
trap stop_twin EXIT
start_twin() {  # start_twin NAME [SCENARIO]
  local args=(twin --endpoint "tcp://127.0.0.1:$PORT" --log "$OUT/$1.twin.jsonl")
  if [ -n "${2:-}" ]; then args+=(--scenario "$2"); fi
  "$W" "${args[@]}" > "$OUT/$1.twin.log" 2>&1 &
  TWIN_PID=$!
  sleep 1
}
cat > "$OUT/robot_twin.json" <<JSON
{"driver": "twin", "control_hz": 10, "image_size": 128, "cameras": ["front", "wrist"],
 "twin": {"endpoint": "tcp://127.0.0.1:$PORT"}}
JSON
COMMON=(--task all --split train --episodes "$EPISODES" --seed 0 --auto-judge)

echo "twin_validation: sim sweep"
"$W" eval --policies scripted vla --tasks all --splits train --episodes "$EPISODES" --seed 0 --workers 2 \
  --no-trajectories --out "$OUT/sim" > "$OUT/sim.log" 2>&1
echo "twin_validation: twin, no faults"
start_twin twin
timeout 3600 "$W" real --robot "$OUT/robot_twin.json" --policy scripted vla "${COMMON[@]}" --out "$OUT/twin" > "$OUT/twin.log" 2>&1
stop_twin
for fault in latency_50_150ms frame_drops_10pct miscalibration_2cm_3deg disconnect_2s; do
  echo "twin_validation: twin, $fault"
  start_twin "$fault" "$SRC/examples/twin/$fault.json"
  timeout 3600 "$W" real --robot "$OUT/robot_twin.json" --policy scripted vla "${COMMON[@]}" --out "$OUT/$fault" \
    > "$OUT/$fault.log" 2>&1
  stop_twin
done
for run in twin latency_50_150ms frame_drops_10pct miscalibration_2cm_3deg disconnect_2s; do
  "$W" correlate "$OUT/sim" "$OUT/$run" --out "$OUT/$run/correlation" > /dev/null 2>&1 || true
done
$PY "$SRC/scripts/twin_validation_table.py" "$OUT" "$EPISODES" > "$SRC/results/twin_validation.md"
echo "twin_validation: wrote results/twin_validation.md"
