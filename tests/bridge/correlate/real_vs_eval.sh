#!/usr/bin/env bash
# `wambench real` on the simulated robot replays `wambench eval` episode for episode (the runtime's
# parity), so correlating the two runs must give identical cells, Pearson r = 1 and MMRV = 0: the
# real-run records of the runtime are read and paired as they are written.
# Usage: real_vs_eval.sh WAMBENCH SOURCE_DIR WORK_DIR
set -euo pipefail
exe="$1"; src="$2"; work="$3"
rm -rf "$work"; mkdir -p "$work/real"
for policy in scripted vla bc_state; do
  "$exe" real --robot "$src/examples/real/robot_sim.json" --policy "$policy" --task pick_place press_button \
    --episodes 4 --seed 1000 --auto-judge --no-setup-cards --out "$work/real_$policy" < /dev/null > "$work/real_$policy.log" 2>&1 \
    || { echo "FAIL: wambench real --policy $policy"; cat "$work/real_$policy.log"; exit 1; }
  cat "$work/real_$policy/episodes.jsonl" >> "$work/real/episodes.jsonl"
done
"$exe" eval --policies scripted vla bc_state --tasks pick_place press_button --splits train --episodes 4 \
  --seed 1000 --workers 1 --no-trajectories --out "$work/sim" > "$work/sim.log" 2>&1 \
  || { echo "FAIL: wambench eval"; cat "$work/sim.log"; exit 1; }
"$exe" correlate "$work/sim" "$work/real" --bootstrap 200
python3 - "$work/real/correlation/correlation.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
assert len(j["cells"]) == 6 and j["dropped"] == [], j
for c in j["cells"]:
    assert c["sim"]["successes"] == c["real"]["successes"] and c["sim"]["episodes"] == c["real"]["episodes"] == 4, c
rates = {c["sim"]["success_rate"] for c in j["cells"]}
assert len(rates) > 1, "all cells have one success rate: r is undefined, the check would prove nothing"
assert abs(j["pooled"]["pearson_r"]["value"] - 1) < 1e-12, j["pooled"]
assert j["pooled"]["mmrv"]["value"] == 0, j["pooled"]
print("ok: real on SimRobot vs eval: identical cells, r = 1, MMRV = 0")
PY
echo PASS
