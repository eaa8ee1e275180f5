#!/usr/bin/env bash
# Interoperability with openpi's own code, where it is installed (skipped with exit 77 otherwise):
# OPENPI_PYTHON names an interpreter that imports openpi_client (and openpi, for the server half),
# e.g. openpi's uv environment: OPENPI_PYTHON=~/openpi/.venv/bin/python ctest -R openpi_interop.
#  1. openpi's WebsocketClientPolicy gets action chunks from `wambench serve --layout libero`;
#  2. openpi's WebsocketPolicyServer (stand-in policy) drives a `remote` sweep to completion.
# Every server is stopped by its PID on any exit.
set -euo pipefail
WAMBENCH="$1"; DIR="$2"; HERE="$(cd "$(dirname "$0")" && pwd)"
PY="${OPENPI_PYTHON:-/usr/bin/python3}"
"$PY" -c "import openpi_client" 2>/dev/null || { echo "openpi-client not importable by $PY; skipping"; exit 77; }
rm -rf "$DIR"; mkdir -p "$DIR"
source "$HERE/serve_lib.sh"
start_serve serve --policy vla --layout libero
timeout 120 "$PY" "$HERE/openpi_interop.py" client "$PORT"

"$PY" "$HERE/openpi_interop.py" server "$DIR/openpi.port" > "$DIR/openpi_server.log" 2>&1 &
SERVE_PIDS+=($!)
for _ in $(seq 1 600); do [ -s "$DIR/openpi.port" ] && break; sleep 0.1; done
[ -s "$DIR/openpi.port" ] || { echo "openpi's server did not start"; cat "$DIR/openpi_server.log"; exit 1; }
OPORT=$(cat "$DIR/openpi.port")
for _ in $(seq 1 100); do (exec 3<>/dev/tcp/127.0.0.1/$OPORT) 2>/dev/null && break; sleep 0.1; done
echo "{\"policies\": [{\"name\": \"remote\", \"label\": \"openpi_standin\", \"options\": {\"url\": \"ws://127.0.0.1:$OPORT\", \"execute\": 5, \"timeout_s\": 30}}],
  \"tasks\": [\"press_button\"], \"splits\": [\"train\"], \"episodes\": 2, \"record_trajectories\": false}" > "$DIR/sweep.json"
timeout 600 "$WAMBENCH" eval --config "$DIR/sweep.json" --out "$DIR/run" > "$DIR/eval.log" 2>&1
/usr/bin/python3 - "$DIR/run/episodes.jsonl" <<'PY'
import json, sys
records = [json.loads(l) for l in open(sys.argv[1])]
assert len(records) == 2, records
for r in records:
    assert r["status"] != "error", r.get("error")
    print(r["task"], r["episode"], r["status"], "latency_ms_mean", r["diagnostics"].get("latency_ms_mean"))
PY
echo "openpi interop: OK"
