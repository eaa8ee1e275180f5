#!/usr/bin/env bash
# `wambench slurm submit --dry-run` and `slurm status`, without a cluster: the scripts carry the
# requested resources, requeue and signal handling and pass `bash -n`; run by hand (as Slurm would,
# with SLURM_ARRAY_TASK_ID set), a task interrupted by SIGTERM resumes its shard on the next start
# and the merge script joins the shards. Bad input: exit 2 with the reason, nothing written.
# Usage: slurm_dry_run.sh WAMBENCH SRC WORK_DIR
set -euo pipefail
WAMBENCH="$1"; SRC="$2"; W="$3"
rm -rf "$W"; mkdir -p "$W"
expect_fail() {  # expect_fail PATTERN COMMAND...: exit 2 and PATTERN in stderr
  local pattern="$1"; shift
  set +e; "$@" > "$W/out.txt" 2> "$W/err.txt"; local rc=$?; set -e
  [ "$rc" -eq 2 ] || { echo "expected exit 2, got $rc: $*"; cat "$W/err.txt"; exit 1; }
  grep -q -- "$pattern" "$W/err.txt" || { echo "expected '$pattern' from: $*"; cat "$W/err.txt"; exit 1; }
}

R="$W/run"
"$WAMBENCH" slurm submit "$SRC/eval/configs/ci.json" --shards 4 --partition debug --time 1:00:00 \
  --cpus-per-task 2 --mem 4G --gpus-per-task 1 --out "$R" --dry-run | tee "$W/submit.txt"
grep -q "dry run: nothing submitted" "$W/submit.txt"
for line in "--array=1-4" "--partition=debug" "--time=1:00:00" "--cpus-per-task=2" "--mem=4G" "--gpus-per-task=1" \
            "--requeue" "--open-mode=append" "--signal=B:USR1@120" "--output=$R/slurm/logs/shard-%a.out"; do
  grep -q -- "^#SBATCH $line\$" "$R/slurm/shards.sbatch" || { echo "shards.sbatch lacks #SBATCH $line"; exit 1; }
done
grep -q "trap on_term TERM" "$R/slurm/shards.sbatch"
grep -q -- "--shard \"\$K/\$SHARDS\"" "$R/slurm/shards.sbatch"
grep -q -- "eval --resume" "$R/slurm/shards.sbatch"
grep -q -- " merge " "$R/slurm/merge.sbatch"
bash -n "$R/slurm/shards.sbatch"
bash -n "$R/slurm/merge.sbatch"
python3 - "$R" <<'PY'
import json, sys
s = json.load(open(f"{sys.argv[1]}/slurm/submission.json"))
c = json.load(open(f"{sys.argv[1]}/config.json"))
assert c["episodes"] == 3 and len(c["tasks"]) == 6 and len(c["splits"]) == 5 and len(c["policies"]) >= 4, c
# Every (policy, task, split, episode) of the resolved config (the CI suite's "all" policies).
assert s["shards"] == 4 and s["episodes"] == len(c["policies"]) * 6 * 5 * 3 and s["array_job_id"] is None, s
assert len(s["expected_cost_s"]) == 4
PY
N=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["episodes"])' "$R/slurm/submission.json")
"$WAMBENCH" slurm status "$R" | tee "$W/status.txt"
grep -q "0 / $N" "$W/status.txt"
grep -q "not started" "$W/status.txt"

# Bad input.
expect_fail "already exists and is not empty" "$WAMBENCH" slurm submit "$SRC/eval/configs/ci.json" --shards 2 --out "$R" --dry-run
expect_fail "more than the sweep's $N episodes" "$WAMBENCH" slurm submit "$SRC/eval/configs/ci.json" --shards $((N + 1)) --out "$W/x" --dry-run
expect_fail "shards" "$WAMBENCH" slurm submit "$SRC/eval/configs/ci.json" --shards 0 --out "$W/x" --dry-run
expect_fail "--partition: 'a b' contains a space" "$WAMBENCH" slurm submit "$SRC/eval/configs/ci.json" --shards 2 --partition "a b" --out "$W/x" --dry-run
expect_fail "cannot read config file" "$WAMBENCH" slurm submit "$W/nope.json" --shards 2 --out "$W/x" --dry-run
expect_fail "not a \`wambench slurm submit\` directory" "$WAMBENCH" slurm status "$W"
[ ! -e "$W/x" ] || { echo "a refused submit wrote $W/x"; exit 1; }

# The generated scripts run as Slurm would run them: a tiny sweep in 2 shards.
cat > "$W/tiny.json" <<'JSON'
{"policies": ["scripted"], "tasks": ["press_button"], "splits": ["train", "unseen_all"], "episodes": 4,
 "seed": 5, "workers": 1, "record_trajectories": false}
JSON
expect_fail "has no episodes: the sweep has 8 episodes" "$WAMBENCH" eval --config "$W/tiny.json" --shard 9/9 --out "$W/empty"
expect_fail "the shard K must be in 1..4 (shards are numbered from 1)" "$WAMBENCH" eval --config "$W/tiny.json" --shard 0/4 --out "$W/empty"
expect_fail "expected K/N" "$WAMBENCH" eval --config "$W/tiny.json" --shard 2 --out "$W/empty"
[ ! -e "$W/empty" ] || { echo "a refused eval wrote $W/empty"; exit 1; }
T="$W/tiny"
"$WAMBENCH" slurm submit "$W/tiny.json" --shards 2 --out "$T" --dry-run > /dev/null
# Task 1 gets SIGTERM (a cancel, a requeue, preemption) once it stored an episode: the script
# passes it on to wambench and exits 143; started again (a requeue), the task resumes its shard.
SLURM_ARRAY_TASK_ID=1 SLURM_ARRAY_JOB_ID=1 bash "$T/slurm/shards.sbatch" > "$W/task1.log" 2>&1 &
PID=$!
for _ in $(seq 1 600); do
  [ "$( (cat "$T/shards/shard-1/episodes.jsonl" 2>/dev/null || true) | wc -l)" -ge 1 ] && break
  sleep 0.1
done
kill -TERM "$PID" 2>/dev/null || true
set +e; wait "$PID"; rc=$?; set -e
echo "task 1 after SIGTERM: exit $rc"
if [ "$rc" -eq 143 ]; then grep -q "SIGTERM: stopping shard 1" "$W/task1.log"; fi
SLURM_ARRAY_TASK_ID=1 SLURM_RESTART_COUNT=1 bash "$T/slurm/shards.sbatch" >> "$W/task1.log" 2>&1
SLURM_ARRAY_TASK_ID=2 bash "$T/slurm/shards.sbatch" > "$W/task2.log" 2>&1
"$WAMBENCH" slurm status "$T" | tee "$W/status.txt"
grep -Eq "all +8 / 8" "$W/status.txt"
bash "$T/slurm/merge.sbatch" > "$W/merge.log" 2>&1
bash "$T/slurm/merge.sbatch" >> "$W/merge.log" 2>&1  # a second run (a requeued merge job) does nothing
grep -q "already merged" "$W/merge.log"
python3 - "$T/merged/episodes.jsonl" <<'PY'
import json, sys
keys = [(r["task"], r["split"], r["episode"]) for r in map(json.loads, open(sys.argv[1]))]
expected = {("press_button", s, i) for s in ("train", "unseen_all") for i in range(4)}
assert len(keys) == len(set(keys)) and set(keys) == expected, keys
print(f"merged {len(keys)} episodes, no duplicate, none missing")
PY
echo "slurm_dry_run: ok"
