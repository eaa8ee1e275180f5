#!/usr/bin/env bash
# Parity: `wambench serve --policy vla` queried by the `remote` policy with the lossless "wambench"
# layout gives, per episode, the same status, success, progress and steps as evaluating `vla` in
# process (same seeds: 2 tasks x 1 split x 2 episodes). The server is stopped by its PID
# (serve_lib.sh).
set -euo pipefail
WAMBENCH="$1"; DIR="$2"; HERE="$(cd "$(dirname "$0")" && pwd)"
source "$HERE/serve_lib.sh"
PY=/usr/bin/python3
rm -rf "$DIR"; mkdir -p "$DIR"
start_serve serve --policy vla
COMMON='"tasks": ["press_button", "pick_place"], "splits": ["train"], "episodes": 2, "seed": 11, "workers": 2, "record_trajectories": false'
echo "{\"policies\": [\"vla\"], $COMMON}" > "$DIR/direct.json"
echo "{\"policies\": [{\"name\": \"remote\", \"label\": \"vla_remote\", \"options\": {\"url\": \"ws://127.0.0.1:$PORT\", \"layout\": \"wambench\", \"timeout_s\": 60}}], $COMMON}" > "$DIR/remote.json"
timeout 600 "$WAMBENCH" eval --config "$DIR/direct.json" --out "$DIR/direct" > "$DIR/direct.log" 2>&1
timeout 600 "$WAMBENCH" eval --config "$DIR/remote.json" --out "$DIR/remote" > "$DIR/remote.log" 2>&1
$PY - "$DIR/direct/episodes.jsonl" "$DIR/remote/episodes.jsonl" <<'PY'
import json, sys
def load(p):
    return {(r["task"], r["split"], r["episode"]): r for r in map(json.loads, open(p))}
a, b = load(sys.argv[1]), load(sys.argv[2])
assert a.keys() == b.keys() and len(a) == 4, (sorted(a), sorted(b))
bad = 0
for k in sorted(a):
    fa = {f: a[k][f] for f in ("status", "success", "progress", "steps", "seed")}
    fb = {f: b[k][f] for f in ("status", "success", "progress", "steps", "seed")}
    print(k, "direct", fa, "remote", fb, "latency_ms_mean", b[k].get("diagnostics", {}).get("latency_ms_mean"))
    bad += fa != fb or fa["status"] == "error"
sys.exit(1 if bad else 0)
PY
