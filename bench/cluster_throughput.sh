#!/usr/bin/env bash
# Throughput of the CI sweep (eval/configs/ci.json: every bundled policy but the ablations): one
# process with 1 and 2 workers, and 2 shards (1 CPU each) as a job array on a local one-node Slurm
# cluster (scripts/slurm-local.sh; needs root and slurm-wlm + munge). Prints episodes/s and wall
# times, and from the 1-worker run the seconds per episode of each policy (mean over its episodes,
# and its dearest task); README "Running on a cluster" quotes them.
# Usage: [PARTS="workers slurm"] bench/cluster_throughput.sh [WAMBENCH] (default build/cli/wambench)
set -euo pipefail
cd "$(dirname "$0")/.."
WAMBENCH="$(realpath "${1:-build/cli/wambench}")"
PARTS="${PARTS:-workers slurm}"
W=$(mktemp -d /tmp/wambench-throughput.XXXXXX)
chmod 755 "$W"  # munged needs o+x on every parent of its socket
D="$W/cluster"
cleanup() { bash scripts/slurm-local.sh stop "$D" > /dev/null 2>&1 || true; rm -rf "$W"; }
trap cleanup EXIT
trap 'exit 143' TERM INT
[[ " $PARTS " == *" workers "* ]] && for workers in 1 2; do
  t0=$(date +%s.%N)
  "$WAMBENCH" eval --config eval/configs/ci.json --workers "$workers" --out "$W/w$workers" > /dev/null 2>&1
  t1=$(date +%s.%N)
  n=$(wc -l < "$W/w$workers/episodes.jsonl")
  python3 -c "import sys; s=float(sys.argv[2])-float(sys.argv[1]); n=int(sys.argv[4]); print(f'1 process, {sys.argv[3]} workers: {n} episodes in {s:.0f} s, {n/s:.2f} episodes/s')" "$t0" "$t1" "$workers" "$n"
done
[[ " $PARTS " == *" workers "* ]] && python3 - "$W/w1/episodes.jsonl" <<'PY'
import collections, json, sys
cost = collections.defaultdict(lambda: collections.defaultdict(list))
for line in open(sys.argv[1]):
    r = json.loads(line)
    cost[r["policy"]][r["task"]].append(r["timing_s"]["wall"])
for policy, tasks in cost.items():
    all_s = [s for v in tasks.values() for s in v]
    dear = max(tasks, key=lambda t: sum(tasks[t]) / len(tasks[t]))
    mean = sum(all_s) / len(all_s)
    print(f"{policy}: {mean:.2f} s per episode per core ({dear} {sum(tasks[dear]) / len(tasks[dear]):.2f}), "
          f"{3600 / mean:.0f} episodes per core-hour")
PY
[[ " $PARTS " == *" slurm "* ]] || exit 0
started=$(bash scripts/slurm-local.sh start "$D" 2) || { echo "$started"; exit 1; }
eval "$started"
t0=$(date +%s.%N)
"$WAMBENCH" slurm submit eval/configs/ci.json --shards 2 --cpus-per-task 1 --out "$W/slurm" > "$W/submit.txt"
ARRAY=$(sed -n 's/^array job: \([0-9]*\).*/\1/p' "$W/submit.txt")
MERGE=$(sed -n 's/^merge job: \([0-9]*\).*/\1/p' "$W/submit.txt")
for _ in $(seq 1 6000); do
  [ -z "$(squeue -h -j "$ARRAY,$MERGE" -o %i 2>/dev/null)" ] && break
  sleep 0.2
done
t1=$(date +%s.%N)
test -s "$W/slurm/merged/manifest.json"
n=$(wc -l < "$W/slurm/merged/episodes.jsonl")
python3 -c "import sys; s=float(sys.argv[2])-float(sys.argv[1]); n=int(sys.argv[3]); print(f'Slurm, 2 shards x 1 CPU, submit to merged: {n} episodes in {s:.0f} s, {n/s:.2f} episodes/s')" "$t0" "$t1" "$n"
