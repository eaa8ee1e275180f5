#!/usr/bin/env bash
# Evaluating a checkpoint you trained, from the command line, as a new user would: collect 4
# demonstrations, train `vla` for 2 steps (too few demonstrations for validation: said before
# training, never a NaN loss, recorded as "none" in the checkpoint), then evaluate it next to the
# bundled `vla` with `--policies vla vla@v.pt` and with the equivalent config file. The two runs
# give identical records (timing aside), two labelled rows with paired statistics, and `compare`
# pairs them label by label. Duplicate labels, a missing checkpoint, a checkpoint of another policy
# type, a checkpoint for a policy that takes none and `--checkpoint` (not an option of eval: the
# message shows the shorthand) exit 2 and write nothing.
set -euo pipefail
exe="$1"; src="$2"; work="$3"
rm -rf "$work"; mkdir -p "$work"
source "$(dirname "$0")/../expect_error.sh"
run() { timeout 600 "$@"; }

run "$exe" collect --tasks press_button --split train --episodes 4 --workers 2 --out "$work/d.hdf5" > /dev/null
run "$exe" train --policy vla --data "$work/d.hdf5" --out "$work/v.pt" --steps 2 --batch 4 --eval-every 1 --threads 1 \
  > "$work/train.txt"
cat "$work/train.txt"
grep -qF "train: no validation: 4 demonstrations x --val-fraction 0.1 = 0.4 rounds to 0 held out" "$work/train.txt"
grep -qF -- "--val-fraction 0.13" "$work/train.txt"
# The note comes before the first step's line.
[ "$(grep -n 'no validation' "$work/train.txt" | cut -d: -f1)" -lt "$(grep -n 'step 1/2' "$work/train.txt" | cut -d: -f1)" ]
if grep -qi "nan" "$work/train.txt"; then echo "FAIL: training printed NaN"; exit 1; fi
run "$exe" info --checkpoint "$work/v.pt" > "$work/meta.json"
python3 - "$work/meta.json" <<'PY'
import json, sys
t = json.load(open(sys.argv[1]))["training"]
assert t["validation"] == "none", t.get("validation")
split = t["validation_split"]
assert split["status"] == "none" and split["demos"] == 4 and split["val_demos"] == 0, split
assert "rounds to 0 held out" in split["note"], split
assert t["final_val_loss"] is None
print("ok: checkpoint records no validation:", split["note"][:60], "...")
PY

common=(--tasks press_button --splits train --episodes 2 --workers 2 --no-trajectories)
run "$exe" eval --policies vla "vla@$work/v.pt" "${common[@]}" --out "$work/shorthand" > /dev/null 2> "$work/eval.txt"
cat > "$work/config.json" <<JSON
{"policies": [{"name": "vla"}, {"name": "vla", "checkpoint": "$work/v.pt", "label": "v"}],
 "tasks": ["press_button"], "splits": ["train"], "episodes": 2, "workers": 2, "record_trajectories": false}
JSON
run "$exe" eval --config "$work/config.json" --out "$work/config" > /dev/null 2>> "$work/eval.txt"
python3 - "$work" "$src/policies/checkpoints/vla.pt" <<'PY'
import hashlib, json, sys
work, bundled = sys.argv[1], sys.argv[2]
def records(run):
    out = {}
    for line in open(f"{work}/{run}/episodes.jsonl"):
        r = json.loads(line)
        r.pop("timing_s")
        out[(r["policy"], r["task"], r["split"], r["episode"])] = r
    return out
a, b = records("shorthand"), records("config")
assert a == b, "the shorthand and the config gave different records"
sha = lambda p: hashlib.sha256(open(p, "rb").read()).hexdigest()
for (label, _, _, _), r in a.items():
    assert r["policy_type"] == "vla", r
    assert r["checkpoint_hash"] == sha(f"{work}/v.pt" if label == "v" else bundled), r
assert sorted({k[0] for k in a}) == ["v", "vla"], a.keys()
s = json.load(open(f"{work}/shorthand/summary.json"))
assert s["policies"] == ["vla", "v"], s["policies"]
assert s["policy_types"] == {"vla": "vla", "v": "vla"}, s["policy_types"]
assert s["checkpoints"]["v"] == sha(f"{work}/v.pt") and s["checkpoints"]["vla"] == sha(bundled), s["checkpoints"]
pairs = [p for p in s["paired"] if {p["a"], p["b"]} == {"vla", "v"} and p["scope"] == "train"]
assert len(pairs) == 1 and pairs[0]["episodes"] == 2, s["paired"]
seeds = {c["policy"]: c["episode_seeds"] for c in s["cells"]}
assert seeds["vla"] == seeds["v"], seeds
report = open(f"{work}/shorthand/report.md").read()
assert "| `v` (`vla`) |" in report and "| `v` | `vla` | " + sha(f"{work}/v.pt") in report, report
print("ok: identical records, two labelled rows, paired:", pairs[0])
PY
run "$exe" compare --strict --baseline "$work/config/summary.json" "$work/shorthand" > "$work/compare.txt"
grep -qF "OK" "$work/compare.txt"

bad=(--tasks press_button --splits train --episodes 1 --out "$work/bad")
expect_error "label 'vla' listed twice" run "$exe" eval --policies vla vla "${bad[@]}"
expect_error "checkpoint of 'vla' not found: $work/missing.pt" run "$exe" eval --policies "vla@$work/missing.pt" "${bad[@]}"
expect_error "is a 'harmowam' checkpoint, not a 'vla' one; list it as harmowam@" \
  run "$exe" eval --policies "vla@$src/policies/checkpoints/harmowam.pt" "${bad[@]}"
expect_error "policy 'scripted' takes no checkpoint" run "$exe" eval --policies "scripted@$work/v.pt" "${bad[@]}"
expect_error "eval has no --checkpoint: name the checkpoint in --policies as NAME@CHECKPOINT" \
  run "$exe" eval --policies vla --checkpoint "$work/v.pt" "${bad[@]}"
test ! -e "$work/bad" || { echo "FAIL: $work/bad was written"; exit 1; }
echo "PASS"
