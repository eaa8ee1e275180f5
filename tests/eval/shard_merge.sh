#!/usr/bin/env bash
# The CI sweep (eval/configs/ci.json) in 4 shards, one of them killed and resumed, merged: records
# equal episode for episode to the single-process run (timings excluded), and `compare` against
# the committed baseline passes. A missing shard is named and refused (exit 1), shards of another
# sweep or another code version are refused naming the field (exit 2); recordings of merged shards
# are readable; --resume of a shard keeps its shard.
# Usage: shard_merge.sh WAMBENCH SRC SINGLE_RUN_DIR WORK_DIR
set -euo pipefail
WAMBENCH="$1"; SRC="$2"; SINGLE="$3"; W="$4"
rm -rf "$W"; mkdir -p "$W"
CI="$SRC/eval/configs/ci.json"
expect_fail() {  # expect_fail CODE PATTERN COMMAND...: exits CODE, stderr matches PATTERN
  local code="$1" pattern="$2"; shift 2
  set +e; "$@" > "$W/out.txt" 2> "$W/err.txt"; local rc=$?; set -e
  [ "$rc" -eq "$code" ] || { echo "expected exit $code, got $rc: $*"; cat "$W/err.txt"; exit 1; }
  grep -q -- "$pattern" "$W/err.txt" || { echo "expected '$pattern' in the message of: $*"; cat "$W/err.txt"; exit 1; }
}

# Shard 2 is killed (SIGKILL) once it stored 2 episodes, then resumed.
"$WAMBENCH" eval --config "$CI" --shard 2/4 --out "$W/shard-2" > /dev/null 2>&1 &
PID=$!
for _ in $(seq 1 3000); do
  n=$( (cat "$W/shard-2/episodes.jsonl" 2>/dev/null || true) | wc -l)
  [ "$n" -ge 2 ] && break
  kill -0 "$PID" 2>/dev/null || break
  sleep 0.1
done
kill -9 "$PID" 2>/dev/null || { echo "shard 2 finished before it could be killed"; exit 1; }
wait "$PID" 2>/dev/null || true
echo "shard 2 killed after $(wc -l < "$W/shard-2/episodes.jsonl") episodes"
expect_fail 2 "does not match the run" "$WAMBENCH" eval --resume "$W/shard-2" --shard 3/4
"$WAMBENCH" eval --resume "$W/shard-2" > /dev/null 2>&1
for k in 1 3 4; do "$WAMBENCH" eval --config "$CI" --shard "$k/4" --out "$W/shard-$k" > /dev/null 2>&1; done
python3 - "$W" <<'PY'
import json, sys
for k in range(1, 5):
    m = json.load(open(f"{sys.argv[1]}/shard-{k}/manifest.json"))
    assert m["shard"]["spec"] == f"{k}/4" and m["shard"]["count"] == 4, m["shard"]
    assert len(m["config_hash"]) == 16
    n = sum(1 for _ in open(f"{sys.argv[1]}/shard-{k}/episodes.jsonl"))
    assert n == m["shard"]["episodes"], (k, n, m["shard"])
    print(f"shard {k}/4: {n} episodes")
PY

"$WAMBENCH" merge "$W/merged" "$W"/shard-{1,2,3,4}
python3 "$SRC/tests/eval/same_records.py" "$SINGLE/episodes.jsonl" "$W/merged/episodes.jsonl"
"$WAMBENCH" compare --baseline "$SRC/results/baselines/ci.json" "$W/merged"
"$WAMBENCH" report "$W/merged" > /dev/null

# A missing shard: its episodes are listed, nothing is written; --allow-partial writes them.
expect_fail 1 "episodes are missing" "$WAMBENCH" merge "$W/partial" "$W"/shard-{1,2,4}
grep -q "scripted/.*: episode" "$W/err.txt" || { echo "missing episodes not listed"; cat "$W/err.txt"; exit 1; }
[ ! -e "$W/partial" ] || { echo "a refused merge wrote $W/partial"; exit 1; }
"$WAMBENCH" merge --allow-partial "$W/partial" "$W"/shard-{1,2,4} > /dev/null 2> "$W/err.txt"
python3 -c "import json,sys; m=json.load(open(sys.argv[1])); assert m['partial'] and m['missing_episodes'] > 0" \
  "$W/partial/manifest.json"

# Another sweep (other seed) and another code version are refused, naming the field.
"$WAMBENCH" eval --config "$CI" --seed 1001 --shard 3/4 --out "$W/other-seed" > /dev/null 2>&1
expect_fail 2 "config hash differs.*seed" "$WAMBENCH" merge "$W/m2" "$W"/shard-{1,2,4} "$W/other-seed"
cp -r "$W/shard-3" "$W/other-code"
python3 - "$W/other-code/manifest.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1])); m["wambench"]["git_commit"] = "0000000-other"
json.dump(m, open(sys.argv[1], "w"))
PY
expect_fail 2 "code version differs" "$WAMBENCH" merge "$W/m2" "$W"/shard-{1,2,4} "$W/other-code"
expect_fail 2 "stored more than once" "$WAMBENCH" merge "$W/m2" "$W"/shard-{1,2,3,4} "$SINGLE"
expect_fail 2 "already exists and is not empty" "$WAMBENCH" merge "$W/merged" "$W"/shard-{1,2,3,4}
[ ! -e "$W/m2" ] || { echo "a refused merge wrote $W/m2"; exit 1; }

# Recordings of the shards are linked into the merged run and read back in Python.
for k in 1 2; do
  "$WAMBENCH" eval --tasks pick_place --splits train --episodes 2 --workers 1 --shard "$k/2" --out "$W/rec-$k" > /dev/null 2>&1
done
"$WAMBENCH" merge "$W/rec" "$W/rec-1" "$W/rec-2" > /dev/null
for i in 0 1; do
  /usr/bin/python3 "$SRC/tests/eval/check_trajectory.py" "$W/rec/recordings/scripted/pick_place/train/episode_$i.h5"
done
echo "shard_merge: ok"
