#!/usr/bin/env bash
# Evaluating your own TorchScript model, as a new user would: export the example
# (examples/torchscript/export_policy.py), run `wambench eval --policies torchscript@my_policy.pt`
# (1 task x 1 split x 2 episodes) and the equivalent config entry with options and a chunk
# execution option; the records are valid, carry the file's SHA-256 and the policy type
# "torchscript"; `wambench info --checkpoint` prints the module's wambench.json. A module that returns NaN gets its episodes recorded as errors; a corrupt file, a
# file without metadata and a wrong signature exit 2 and write nothing.
#   torchscript_eval.sh WAMBENCH SOURCE_DIR WORK_DIR
set -euo pipefail
exe="$1"; src="$2"; work="$3"
rm -rf "$work"; mkdir -p "$work"
source "$src/tests/expect_error.sh"
run() { timeout 600 "$@"; }

run /usr/bin/python3 "$src/examples/torchscript/export_policy.py" --out "$work/my_policy.pt"
run /usr/bin/python3 "$src/tests/policies/torchscript_models.py" "$work/models" > /dev/null

run "$exe" info --checkpoint "$work/my_policy.pt" > "$work/info.json"
/usr/bin/python3 -c "import json, sys; m = json.load(open(sys.argv[1])); assert m['format'] == 'wambench-torchscript-1' and m['inputs'] == ['front', 'wrist', 'state', 'tokens'], m" "$work/info.json"

common=(--tasks press_button --splits train --episodes 2 --workers 2 --no-trajectories)
run "$exe" eval --policies "torchscript@$work/my_policy.pt" "${common[@]}" --out "$work/shorthand" > /dev/null
cat > "$work/config.json" <<JSON
{"policies": [{"name": "torchscript", "checkpoint": "$work/my_policy.pt", "label": "exec2", "options": {"execute": 2}},
              {"name": "torchscript", "checkpoint": "$work/my_policy.pt", "label": "ensemble", "temporal_ensemble": true},
              {"name": "torchscript", "checkpoint": "$work/models/state_only.pt", "label": "state_only"}],
 "tasks": ["press_button"], "splits": ["train"], "episodes": 2, "workers": 2, "record_trajectories": false}
JSON
run "$exe" eval --config "$work/config.json" --out "$work/config" > /dev/null
run "$exe" eval --policies "nan=torchscript@$work/models/nan_output.pt" "${common[@]}" --out "$work/nan" > /dev/null || true

/usr/bin/python3 - "$work" <<'PY'
import hashlib, json, sys
work = sys.argv[1]
sha = lambda p: hashlib.sha256(open(p, "rb").read()).hexdigest()
files = {"my_policy": f"{work}/my_policy.pt", "exec2": f"{work}/my_policy.pt", "ensemble": f"{work}/my_policy.pt",
         "state_only": f"{work}/models/state_only.pt", "nan": f"{work}/models/nan_output.pt"}
def records(run):
    return [json.loads(line) for line in open(f"{work}/{run}/episodes.jsonl")]
for run, labels in [("shorthand", ["my_policy"]), ("config", ["exec2", "ensemble", "state_only"])]:
    rs = records(run)
    assert sorted((r["policy"], r["episode"]) for r in rs) == sorted((l, i) for l in labels for i in range(2)), rs
    for r in rs:
        assert r["status"] in ("success", "failure"), r
        assert r["policy_type"] == "torchscript", r
        assert r["checkpoint_hash"] == sha(files[r["policy"]]), r
        assert r["task"] == "press_button" and r["split"] == "train" and r["steps"] > 0, r
    s = json.load(open(f"{work}/{run}/summary.json"))
    assert s["policies"] == labels, s["policies"]
    assert all(s["checkpoints"][l] == sha(files[l]) for l in labels), s["checkpoints"]
# Same file, same episodes: the shorthand run and its execute-2 / ensembled variants start alike.
seeds = {r["episode"]: r["seed"] for r in records("shorthand")}
assert all(r["seed"] == seeds[r["episode"]] for r in records("config")), "episode seeds differ"
nan = records("nan")
assert len(nan) == 2 and all(r["status"] == "error" and "non-finite" in r["error"] for r in nan), nan
print("ok:", len(records("shorthand")) + len(records("config")), "valid torchscript records;", "NaN ->", nan[0]["error"][:90])
PY

bad=(--tasks press_button --splits train --episodes 1 --out "$work/bad")
expect_error "is not a TorchScript archive" run "$exe" eval --policies "torchscript@$work/models/corrupt.pt" "${bad[@]}"
expect_error "has no wambench.json metadata" run "$exe" eval --policies "torchscript@$work/models/no_metadata.pt" "${bad[@]}"
expect_error "forward(front, wrist, proprio, tokens) does not match wambench.json \"inputs\"" \
  run "$exe" eval --policies "torchscript@$work/models/wrong_signature.pt" "${bad[@]}"
expect_error "checkpoint of 'torchscript' not found" run "$exe" eval --policies "torchscript@$work/none.pt" "${bad[@]}"
test ! -e "$work/bad" || { echo "FAIL: $work/bad was written"; exit 1; }
echo "PASS"
