#!/usr/bin/env bash
# `wambench correlate` on two synthetic run directories: the outputs and their numbers (checked
# against the hand-computed example of correlate_test.cc), determinism for a seed, --out, --split,
# and exit code 2 with a clear message for each kind of bad input.
# Usage: correlate_cli.sh WAMBENCH SOURCE_DIR WORK_DIR
set -euo pipefail
exe="$1"; src="$2"; work="$3"
source "$src/tests/expect_error.sh"
rm -rf "$work"; mkdir -p "$work"

# record POLICY TASK SPLIT INDEX STATUS: one episodes.jsonl line.
record() {
  local success=false; [ "$5" = success ] && success=true
  local error=""; [ "$5" = error ] && error=',"error":"lost connection"'
  printf '{"policy":"%s","policy_type":"%s","checkpoint_hash":"none","task":"%s","split":"%s","episode":%d,"seed":%d,"instruction":"do it","status":"%s","success":%s,"progress":0,"progress_name":"none","steps":10,"sim_time_s":1.0,"timing_s":{"wall":1,"physics":0.5,"render":0.2,"policy":0.2,"harness":0.1},"diagnostics":{}%s}\n' \
    "$1" "$1" "$2" "$3" "$4" "$4" "$5" "$success" "$error"
}
# cell FILE POLICY TASK SPLIT N K [ERRORS]: N episodes, the first K successes, the last ERRORS errors.
cell() {
  local file="$1" policy="$2" task="$3" split="$4" n="$5" k="$6" errors="${7:-0}" i status
  for ((i = 0; i < n; i++)); do
    if ((i < k)); then status=success; elif ((i >= n - errors)); then status=error; else status=failure; fi
    record "$policy" "$task" "$split" "$i" "$status" >> "$file"
  done
}

# sim (0.2, 0.5, 0.9) vs real (0.1, 0.6, 0.4) on pick: r = 84 / sqrt(222 * 114), MMRV = 0.4 / 3.
mkdir -p "$work/sim" "$work/real"
cell "$work/sim/episodes.jsonl" scripted pick train 10 2
cell "$work/sim/episodes.jsonl" vla pick train 10 5
cell "$work/sim/episodes.jsonl" wam pick train 10 9
cell "$work/sim/episodes.jsonl" bc_state pick train 10 3      # only in sim
cell "$work/real/episodes.jsonl" scripted pick train 10 1 3
cell "$work/real/episodes.jsonl" vla pick train 10 6
cell "$work/real/episodes.jsonl" wam pick train 10 4
# A rerun episode: the later record of the same key replaces the first (read_episode_records).
record vla pick train 0 error >> "$work/real/episodes.jsonl.tmp"
cat "$work/real/episodes.jsonl.tmp" "$work/real/episodes.jsonl" > "$work/real/x" && mv "$work/real/x" "$work/real/episodes.jsonl"
rm "$work/real/episodes.jsonl.tmp"
# A torn last line (killed while writing) is ignored.
printf '{"policy":"vla","task":"pi' >> "$work/real/episodes.jsonl"

"$exe" correlate "$work/sim" "$work/real" --bootstrap 300 --seed 5 > "$work/stdout.txt"
cat "$work/stdout.txt"
out="$work/real/correlation"
for f in correlation.md correlation.json correlation.dat correlation.gp; do
  [ -s "$out/$f" ] || { echo "FAIL: $out/$f missing or empty"; exit 1; }
done
grep -q "3 cells in both runs, 1 left out" "$work/stdout.txt" || { echo "FAIL: stdout"; exit 1; }

python3 - "$out/correlation.json" <<'EOF'
import json, math, sys
j = json.load(open(sys.argv[1]))
cells = {c["policy"]: c for c in j["cells"]}
assert sorted(cells) == ["scripted", "vla", "wam"], cells.keys()
assert cells["scripted"]["real"]["errors"] == 3 and cells["scripted"]["real"]["successes"] == 1
assert cells["vla"]["real"]["episodes"] == 10 and cells["vla"]["real"]["successes"] == 6, cells["vla"]
r = j["pooled"]["pearson_r"]
want = 84 / math.sqrt(222 * 114)
assert abs(r["value"] - want) < 1e-12, (r, want)
assert r["ci_lo"] <= r["value"] <= r["ci_hi"], r
m = j["pooled"]["mmrv"]
assert abs(m["value"] - 0.4 / 3) < 1e-12, m
assert j["per_task"][0]["task"] == "pick" and abs(j["per_task"][0]["pearson_r"]["value"] - want) < 1e-12
assert j["mean_over_tasks"]["pearson_r"]["value"] == r["value"]
assert j["bootstrap"]["resamples"] == 300 and j["bootstrap"]["seed"] == 5
assert j["dropped"] == [{"policy": "bc_state", "task": "pick", "split": None, "sim_episodes": 10,
                         "real_episodes": 0, "reason": "only in the sim run"}], j["dropped"]
print("ok: correlation.json numbers")
EOF
grep -q "bc_state / pick: only in the sim run" "$out/correlation.md" || { echo "FAIL: md lacks the dropped cell"; exit 1; }
grep -q "MMRV" "$out/correlation.md" || { echo "FAIL: md lacks MMRV"; exit 1; }
# The plot: one data row per cell (3), drawn by gnuplot when it is installed.
rows=$(grep -cv '^#\|^$' "$out/correlation.dat")
[ "$rows" = 3 ] || { echo "FAIL: correlation.dat has $rows data rows, want 3"; exit 1; }
grep -q "xyerrorbars" "$out/correlation.gp" || { echo "FAIL: correlation.gp draws no error bars"; exit 1; }
if command -v gnuplot > /dev/null; then
  grep -q "(correlation.png)" "$out/correlation.md" || { echo "FAIL: md does not embed the plot"; exit 1; }
  python3 -c "import sys; d=open(sys.argv[1],'rb').read(); assert d[:8]==b'\x89PNG\r\n\x1a\n', 'not a PNG'; assert len(d) > 10000, len(d)" "$out/correlation.png"
  grep -q "<svg" "$out/correlation.svg" || { echo "FAIL: correlation.svg"; exit 1; }
  echo "ok: correlation.png and correlation.svg drawn"
fi
# Without gnuplot: the .dat and .gp are written, the report says that there is no plot.
env PATH=/nonexistent "$exe" correlate "$work/sim" "$work/real" --bootstrap 10 --out "$work/no_gnuplot" > /dev/null
[ -s "$work/no_gnuplot/correlation.gp" ] && [ -s "$work/no_gnuplot/correlation.dat" ] || { echo "FAIL: no .gp/.dat without gnuplot"; exit 1; }
[ ! -e "$work/no_gnuplot/correlation.png" ] || { echo "FAIL: a png without gnuplot"; exit 1; }
grep -q "No plot: gnuplot was not found" "$work/no_gnuplot/correlation.md" || { echo "FAIL: md does not say gnuplot is missing"; exit 1; }
echo "ok: without gnuplot, the md says so"

# Same seed: the same file; another seed: other intervals; --out elsewhere.
"$exe" correlate "$work/sim" "$work/real" --bootstrap 300 --seed 5 --out "$work/again" > /dev/null
cmp "$out/correlation.json" "$work/again/correlation.json" || { echo "FAIL: not deterministic for a seed"; exit 1; }
"$exe" correlate "$work/sim" "$work/real" --bootstrap 300 --seed 6 --out "$work/other" > /dev/null
if cmp -s "$out/correlation.json" "$work/other/correlation.json"; then echo "FAIL: seed ignored"; exit 1; fi
echo "ok: deterministic for a seed, --seed and --out honoured"

# Bad input: exit 2 and a message naming the problem.
expect_error "is not a directory" "$exe" correlate "$work/nowhere" "$work/real"
mkdir -p "$work/empty"
expect_error "has no episodes.jsonl" "$exe" correlate "$work/sim" "$work/empty"
mkdir -p "$work/other_policies"
cell "$work/other_policies/episodes.jsonl" octo pick train 3 1
expect_error "no (policy, task) cell has episodes of a common split in both runs" \
  "$exe" correlate "$work/sim" "$work/other_policies"
mkdir -p "$work/other_split"
cell "$work/other_split/episodes.jsonl" vla pick unseen_all 3 1
expect_error "1 cells are in both runs, but under different splits" "$exe" correlate "$work/sim" "$work/other_split"
mkdir -p "$work/malformed"
cp "$work/sim/episodes.jsonl" "$work/malformed/episodes.jsonl"
echo '{"policy":"vla","task":"pick"}' >> "$work/malformed/episodes.jsonl"
echo '{"policy":"vla","task":"pick"}' >> "$work/malformed/episodes.jsonl"
expect_error "malformed episode record" "$exe" correlate "$work/sim" "$work/malformed"
mkdir -p "$work/bad_status"
record vla pick train 0 exploded > "$work/bad_status/episodes.jsonl"
expect_error "status 'exploded' (valid: success, failure, error)" "$exe" correlate "$work/sim" "$work/bad_status"
expect_error "split 'unseen_all' is not in both runs" "$exe" correlate "$work/sim" "$work/real" --split unseen_all
expect_error "--bootstrap" "$exe" correlate "$work/sim" "$work/real" --bootstrap -5
expect_error "sim_run" "$exe" correlate
echo "PASS"
