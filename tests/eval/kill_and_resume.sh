#!/usr/bin/env bash
# Starts a sweep, kills it with SIGKILL once a few episodes are stored, resumes it, and checks
# that every episode of the sweep is stored exactly once.
set -euo pipefail
WAMBENCH="$1"; DIR="$2"
rm -rf "$DIR"
"$WAMBENCH" eval --policies scripted --tasks pick_place press_button --splits train unseen_object --episodes 6 --workers 2 \
  --no-trajectories --out "$DIR" > /dev/null 2>&1 &
PID=$!
for _ in $(seq 1 600); do
  n=$( (cat "$DIR/episodes.jsonl" 2>/dev/null || true) | wc -l)
  [ "$n" -ge 4 ] && break
  sleep 0.1
done
kill -9 "$PID" 2>/dev/null || { echo "the sweep finished before it could be killed"; exit 1; }
wait "$PID" 2>/dev/null || true
before=$(wc -l < "$DIR/episodes.jsonl")
echo "killed after $before stored episodes"
[ "$before" -lt 24 ] || { echo "nothing left to resume"; exit 1; }
"$WAMBENCH" eval --resume "$DIR" --workers 2 > /dev/null
python3 - "$DIR/episodes.jsonl" <<'PY'
import json, sys
keys = [(r["policy"], r["task"], r["split"], r["episode"]) for r in map(json.loads, open(sys.argv[1]))]
expected = {("scripted", t, s, i) for t in ("pick_place", "press_button") for s in ("train", "unseen_object") for i in range(6)}
dups = len(keys) - len(set(keys))
missing = expected - set(keys)
extra = set(keys) - expected
print(f"{len(keys)} records, {dups} duplicated, {len(missing)} missing, {len(extra)} unexpected")
sys.exit(1 if dups or missing or extra else 0)
PY
test -s "$DIR/report.md"
