#!/usr/bin/env bash
# The CI sweep on a real one-node Slurm cluster (scripts/slurm-local.sh): `wambench slurm submit
# --shards 4`, one array task requeued mid-run (`scontrol requeue`: SIGTERM, then a restart that
# resumes its shard), the merge job after the array. The merged records equal the single-process
# run's episode for episode (timings excluded), no duplicate, and `compare` against the committed
# baseline passes. Bounded: the script gives up after DEADLINE_S and always stops the cluster it
# started, by PID. Exits 77 (ctest: skipped) only where Slurm cannot start, saying why.
# Usage: slurm_local.sh WAMBENCH SRC SINGLE_RUN_DIR WORK_DIR
set -euo pipefail
WAMBENCH="$1"; SRC="$2"; SINGLE="$3"; W="$4"
DEADLINE_S="${DEADLINE_S:-800}"
START=$SECONDS
rm -rf "$W"; mkdir -p "$W"
# munged wants o+x on every parent of its socket: a directory under /tmp.
D=$(mktemp -d /tmp/wambench-slurm.XXXXXX)
cleanup() { bash "$SRC/scripts/slurm-local.sh" stop "$D" > /dev/null 2>&1 || true; cp -r "$D/log" "$W/cluster-log" 2>/dev/null || true; rm -rf "$D"; }
trap cleanup EXIT
trap 'exit 143' TERM INT
left() { echo $((DEADLINE_S - (SECONDS - START))); }

set +e; started=$(bash "$SRC/scripts/slurm-local.sh" start "$D" 2); rc=$?; set -e
if [ "$rc" -eq 77 ]; then echo "$started"; echo "skipped: Slurm cannot run on this machine"; exit 77; fi
[ "$rc" -eq 0 ] || { echo "$started"; echo "the local Slurm cluster did not start"; exit 1; }
eval "$started"
echo "cluster up ($SLURM_CONF) after $((SECONDS - START)) s"

R="$W/run"
"$WAMBENCH" slurm submit "$SRC/eval/configs/ci.json" --shards 4 --partition debug --cpus-per-task 1 --out "$R" \
  | tee "$W/submit.txt"
ARRAY=$(sed -n 's/^array job: \([0-9]*\).*/\1/p' "$W/submit.txt")
MERGE=$(sed -n 's/^merge job: \([0-9]*\).*/\1/p' "$W/submit.txt")
[ -n "$ARRAY" ] && [ -n "$MERGE" ] || { echo "no job ids printed"; exit 1; }
T0=$SECONDS

# Requeue task 2 once it stored an episode (SIGTERM now; it runs again later and resumes).
S2="$R/shards/shard-2/episodes.jsonl"
while [ "$( (cat "$S2" 2>/dev/null || true) | wc -l)" -lt 1 ]; do
  [ "$(left)" -gt 0 ] || { echo "timed out waiting for shard 2 to start"; squeue; exit 1; }
  sleep 0.2
done
before=$(wc -l < "$S2")
scontrol requeue "${ARRAY}_2"
echo "requeued task ${ARRAY}_2 after $before stored episodes"
# Start it again without waiting for the credential expiry (cred_expire = 10 s).
for _ in $(seq 1 50); do
  state=$(squeue -h -j "${ARRAY}_2" -o %T 2>/dev/null || true)
  [ "$state" = "PENDING" ] && { scontrol update jobid="${ARRAY}_2" StartTime=now 2>/dev/null || true; break; }
  sleep 0.2
done

while [ -n "$(squeue -h -j "$ARRAY,$MERGE" -o %i 2>/dev/null)" ]; do
  [ "$(left)" -gt 0 ] || { echo "timed out after ${DEADLINE_S} s"; squeue; "$WAMBENCH" slurm status "$R"; exit 1; }
  sleep 0.5
done
echo "array and merge jobs finished in $((SECONDS - T0)) s after submission"
"$WAMBENCH" slurm status "$R" | tee "$W/status.txt"
grep -E "JobId=($ARRAY|$MERGE)" "$D/log/jobcomp.txt" | sed 's/ UserId.*JobState=/ /; s/ Partition.*//' || true
[ -s "$R/merged/manifest.json" ] || { echo "no merged run"; cat "$R/slurm/logs/merge.out" 2>/dev/null; exit 1; }
grep -q "restart 1" "$R/slurm/logs/shard-2.out" || { echo "task 2 did not run again"; cat "$R/slurm/logs/shard-2.out"; exit 1; }
grep -q "SIGTERM: stopping shard 2" "$R/slurm/logs/shard-2.out" || { echo "task 2 did not see SIGTERM"; exit 1; }
python3 "$SRC/tests/eval/same_records.py" "$SINGLE/episodes.jsonl" "$R/merged/episodes.jsonl"
python3 - "$S2" <<'PY'
import json, sys
keys = [(r["policy"], r["task"], r["split"], r["episode"]) for r in map(json.loads, open(sys.argv[1]))]
assert len(keys) == len(set(keys)), "shard 2 stored an episode twice"
print(f"shard 2: {len(keys)} episodes, none twice")
PY
"$WAMBENCH" compare --baseline "$SRC/results/baselines/ci.json" "$R/merged"
echo "slurm_local: ok in $((SECONDS - START)) s"
