#!/usr/bin/env bash
# Fault tests of the `remote` policy on small sweeps against the stand-in openpi server
# (openpi_standin.py): error frame, wrong shape, NaN, a server that never answers, no server, and
# a server killed mid-sweep each give per-episode "error" records with the reason, without a hang;
# `--resume` against a good server on the same address then completes the sweep with no errors,
# keeping every episode that had finished. Every process is stopped by its PID.
set -euo pipefail
WAMBENCH="$1"; DIR="$2"; HERE="$(cd "$(dirname "$0")" && pwd)"
PY=/usr/bin/python3
rm -rf "$DIR"; mkdir -p "$DIR"
PORT=$($PY -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
SERVER=""
stop_server() {
  if [ -n "$SERVER" ]; then kill -9 "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; SERVER=""; fi
}
trap stop_server EXIT
start_server() {  # MODE [AFTER]
  stop_server
  rm -f "$DIR/port"
  $PY "$HERE/openpi_standin.py" --port "$PORT" --port-file "$DIR/port" --mode "$1" --after "${2:-3}" 2>> "$DIR/server.log" &
  SERVER=$!
  for _ in $(seq 1 200); do [ -s "$DIR/port" ] && return 0; sleep 0.05; done
  echo "stand-in server ($1) did not start"; exit 1
}
write_config() {  # FILE EPISODES
  cat > "$1" <<JSON
{"policies": [{"name": "remote", "label": "standin",
               "options": {"url": "ws://127.0.0.1:$PORT", "timeout_s": 2, "retries": 1}}],
 "tasks": ["press_button"], "splits": ["train"], "episodes": $2, "seed": 5, "workers": 2,
 "image_size": 32, "record_trajectories": false}
JSON
}
# expect_records RUN STATUS_COUNT_OK STATUS_COUNT_ERROR "fragment of every error"
expect_records() {
  $PY - "$DIR/$1/episodes.jsonl" "$2" "$3" "$4" <<'PY'
import json, sys
path, n_ok, n_err, fragment = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
last = {}
for line in open(path):
    r = json.loads(line)
    last[(r["policy"], r["task"], r["split"], r["episode"])] = r
ok = [r for r in last.values() if r["status"] != "error"]
err = [r for r in last.values() if r["status"] == "error"]
print(f"{path}: {len(ok)} finished, {len(err)} errors" + (f"; first error: {err[0]['error'][:160]!r}" if err else ""))
bad = [r["error"] for r in err if fragment not in r["error"]]
assert len(ok) == n_ok and len(err) == n_err, f"expected {n_ok} finished and {n_err} errors"
assert not bad, f"errors without {fragment!r}: {bad[:2]}"
for r in ok:
    d = r.get("diagnostics", {})
    assert d.get("queries", 0) >= 1 and d.get("latency_ms_max", -1) >= d.get("latency_ms_mean", -2) > 0, d
PY
}
run() {  # NAME [extra eval args]: a sweep that must end within 120 s
  local name="$1"; shift
  timeout 120 "$WAMBENCH" eval "$@" > "$DIR/$name.log" 2>&1 || { echo "eval $name failed:"; tail -5 "$DIR/$name.log"; exit 1; }
}

write_config "$DIR/sweep.json" 4

# Bad options: exit 2 before any episode, naming the key and the valid ones.
sed 's/"retries": 1/"retries": 1, "replan": 5/' "$DIR/sweep.json" > "$DIR/bad.json"
set +e; timeout 60 "$WAMBENCH" eval --config "$DIR/bad.json" --out "$DIR/bad" > "$DIR/bad.log" 2>&1; rc=$?; set -e
[ $rc -eq 2 ] || { echo "bad options: exit $rc, expected 2"; cat "$DIR/bad.log"; exit 1; }
grep -q 'unknown option "replan"; valid options: url, layout' "$DIR/bad.log" || { cat "$DIR/bad.log"; exit 1; }
[ ! -e "$DIR/bad/episodes.jsonl" ] || { echo "bad options wrote episodes"; exit 1; }
sed 's/"options": {/"options": {"action_convention": "joint", /' "$DIR/sweep.json" > "$DIR/bad2.json"
set +e; timeout 60 "$WAMBENCH" eval --config "$DIR/bad2.json" --out "$DIR/bad2" > "$DIR/bad2.log" 2>&1; rc=$?; set -e
[ $rc -eq 2 ] && grep -q 'action convention must be "delta_ee" or "scaled"' "$DIR/bad2.log" || { cat "$DIR/bad2.log"; exit 1; }
echo "bad options refused"

# No server at all: refused connections.
run refused --config "$DIR/sweep.json" --out "$DIR/refused"
expect_records refused 0 4 "unreachable after 2 attempt(s)"

for mode in error wrong_shape nan hang; do
  case $mode in
    error) frag="stand-in policy failed on purpose" ;;
    wrong_shape) frag="D = 5 per action, expected 7" ;;
    nan) frag="non-finite value (nan) at row 1, column 2" ;;
    hang) frag="did not answer within 2" ;;
  esac
  start_server $mode
  run $mode --config "$DIR/sweep.json" --out "$DIR/$mode"
  expect_records $mode 0 4 "$frag"
done

# A good server back on the same address: resuming the refused sweep reruns every episode.
start_server ok
run refused_resumed --resume "$DIR/refused"
expect_records refused 4 0 ""

# Killed mid-sweep: the server answers 20 requests (an episode takes 8, two run at once), then dies abruptly.
start_server die 20
run killed --config "$DIR/sweep.json" --out "$DIR/killed"
stop_server
$PY - "$DIR/killed/episodes.jsonl" > "$DIR/killed_before.txt" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r["status"] != "error":
        r.pop("timing_s", None); print(json.dumps(r, sort_keys=True))
PY
n_before=$(wc -l < "$DIR/killed_before.txt")
n_err=$(grep -c '"status":"error"\|"status": "error"' "$DIR/killed/episodes.jsonl" || true)
echo "killed server: $n_before finished, $n_err errors before resuming"
[ "$n_err" -ge 1 ] || { echo "expected errors after the server died"; exit 1; }
start_server ok
run killed_resumed --resume "$DIR/killed"
expect_records killed 4 0 ""
$PY - "$DIR/killed/episodes.jsonl" "$DIR/killed_before.txt" <<'PY'
import json, sys
final = set()
for line in open(sys.argv[1]):
    r = json.loads(line)
    r.pop("timing_s", None); final.add(json.dumps(r, sort_keys=True))
kept = [l.strip() for l in open(sys.argv[2]) if l.strip()]
missing = [k for k in kept if k not in final]
key = lambda r: (r["policy"], r["task"], r["split"], r["episode"])
counts = {}
for line in open(sys.argv[1]):
    counts[key(json.loads(line))] = counts.get(key(json.loads(line)), 0) + 1
rerun = [k for k in kept if counts[key(json.loads(k))] != 1]
print(f"{len(kept)} episodes finished before the kill, {len(missing)} lost, {len(rerun)} rerun")
sys.exit(1 if missing or rerun else 0)
PY
echo "remote sweep fault tests passed"
