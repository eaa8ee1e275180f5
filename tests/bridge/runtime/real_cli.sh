#!/usr/bin/env bash
# `wambench real` end to end on the simulated robot (examples/real/robot_sim.json):
#  1. parity: the same episodes as `wambench eval` (vla, 2 tasks x 2 episodes): same status, steps,
#     progress, and bit-identical state trajectories (qpos of every step);
#  2. the operator protocol on stdin (setup card, y/n, note) and --resume;
#  3. a dry run (the robot only ever gets holds) that a twin robot config executes;
#  4. bad input: exit 2 with a message naming what was wrong.
set -euo pipefail
WAMBENCH="$1"; DIR="$2"; SRC="$3"
PY=/usr/bin/python3
rm -rf "$DIR"; mkdir -p "$DIR"; work="$DIR"
source "$SRC/tests/expect_error.sh"
ROBOT="$SRC/examples/real/robot_sim.json"

# 1. Parity with eval.
timeout 600 "$WAMBENCH" eval --policies vla --tasks press_button pick_place --splits train --episodes 2 --seed 5 \
  --workers 1 --out "$DIR/sim" > "$DIR/sim.log" 2>&1
timeout 600 "$WAMBENCH" real --robot "$ROBOT" --policy vla --task press_button pick_place --episodes 2 --seed 5 \
  --auto-judge --out "$DIR/real" > "$DIR/real.log" 2>&1
$PY - "$DIR/sim" "$DIR/real" <<'PY'
import json, sys, h5py, numpy as np
sim, real = sys.argv[1], sys.argv[2]
def load(d):
    return {(r["task"], r["split"], r["episode"]): r for r in map(json.loads, open(d + "/episodes.jsonl"))}
a, b = load(sim), load(real)
assert a.keys() == b.keys() and len(a) == 4, (sorted(a), sorted(b))
for k in sorted(a):
    fa = {f: a[k][f] for f in ("status", "success", "progress", "progress_name", "steps", "seed")}
    fb = {f: b[k][f] for f in ("status", "success", "progress", "progress_name", "steps", "seed")}
    assert fa == fb, (k, fa, fb)
    assert b[k]["diagnostics"]["real"]["robot"] == "sim", b[k]["diagnostics"]["real"]
    assert b[k]["diagnostics"]["real"]["verdict"]["source"] == "simulator"
    rel = "/recordings/vla/%s/%s/episode_%d.h5" % k
    qa, qb = h5py.File(sim + rel)["qpos"][:], h5py.File(real + rel)["qpos"][:]
    assert qa.shape == qb.shape and (qa == qb).all(), (k, "qpos differs")
    rb = h5py.File(real + rel)["real"]
    steps = b[k]["steps"]
    assert rb["command_s"].shape == (steps,) and rb["ee_pos_m"].shape == (steps + 1, 3), (k, rb["command_s"].shape)
    print("parity", k, fa)
PY
grep -q "Evaluation report" "$DIR/real/report.md"
"$WAMBENCH" report "$DIR/real" > /dev/null

# 2. The operator: Enter to start, an invalid answer, then y and a note; then n (and no note).
printf '\nmaybe\ny\nfingers slipped once\n\nn\n\n' | timeout 300 "$WAMBENCH" real --robot "$ROBOT" --policy scripted \
  --task press_button --episodes 2 --out "$DIR/operator" > "$DIR/operator.log" 2> "$DIR/operator.err"
grep -q "please answer y or n" "$DIR/operator.err"
test -s "$DIR/operator/setup_cards/press_button/train/episode_0.png"
$PY - "$DIR/operator/episodes.jsonl" <<'PY'
import json, sys
r = [json.loads(l) for l in open(sys.argv[1])]
assert [x["status"] for x in r] == ["success", "failure"], [x["status"] for x in r]
v = r[0]["diagnostics"]["real"]["verdict"]
assert v == {"source": "operator", "note": "fingers slipped once"}, v
print("operator verdicts ok")
PY
# Resume: nothing left to run; other options are refused.
timeout 300 "$WAMBENCH" real --robot "$ROBOT" --policy scripted --task press_button --episodes 2 \
  --resume "$DIR/operator" < /dev/null > /dev/null 2> "$DIR/resume.err"
test "$(wc -l < "$DIR/operator/episodes.jsonl")" -eq 2
expect_error "another episode list" "$WAMBENCH" real --robot "$ROBOT" --policy scripted --task press_button --episodes 3 \
  --resume "$DIR/operator"
# End of input before an episode ends the run cleanly, with nothing recorded.
timeout 300 "$WAMBENCH" real --robot "$ROBOT" --policy scripted --task press_button --episodes 1 --out "$DIR/eof" \
  < /dev/null > /dev/null 2>&1
test ! -s "$DIR/eof/episodes.jsonl"

# 3. Dry run: the robot is only held (its arm does not move), the twin config executes the commands.
timeout 300 "$WAMBENCH" real --robot "$ROBOT" --policy vla --task press_button --episodes 1 --dry-run \
  --twin "$ROBOT" --auto-judge --out "$DIR/dry" > "$DIR/dry.log" 2>&1
$PY - "$DIR/dry" <<'PY'
import json, sys, h5py, numpy as np
d = sys.argv[1]
m = json.load(open(d + "/manifest.json"))
assert m["dry_run"] is True and m["command"].endswith("--dry-run"), m["command"]
r = json.loads(open(d + "/episodes.jsonl").readline())
real = r["diagnostics"]["real"]
assert real["dry_run"] is True and "twin_stats" in real, real
h = h5py.File(d + "/recordings/vla/press_button/train/episode_0.h5")
ee = h["real/ee_pos_m"][:]
assert np.abs(ee - ee[0]).max() == 0.0, "the robot moved in a dry run"
print("dry run ok: robot still, %d commands logged" % h["real/command_s"].shape[0])
PY

# 4. Bad input.
echo '{"driver": "sim", "contol_hz": 10}' > "$DIR/typo.json"
expect_error "unknown key 'contol_hz'" "$WAMBENCH" real --robot "$DIR/typo.json" --policy vla --task press_button
echo '{"driver": "kuka"}' > "$DIR/driver.json"
expect_error "unknown driver 'kuka'" "$WAMBENCH" real --robot "$DIR/driver.json" --policy vla --task press_button
echo '{"driver": "sim", "safety": {"max_linear_speed_m_s": -1}}' > "$DIR/safety.json"
expect_error "max_linear_speed_m_s" "$WAMBENCH" real --robot "$DIR/safety.json" --policy vla --task press_button
expect_error "cannot read robot config" "$WAMBENCH" real --robot "$DIR/missing.json" --policy vla --task press_button
expect_error "unknown" "$WAMBENCH" real --robot "$ROBOT" --policy vla --task press_buton
expect_error "--twin is for dry runs" "$WAMBENCH" real --robot "$ROBOT" --policy vla --task press_button --twin "$ROBOT"
echo "real_cli: all checks passed"
