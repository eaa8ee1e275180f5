#!/usr/bin/env bash
# `wambench serve --policy vla` checked by an openpi-style Python client (check_serve.py), then
# stopped with SIGTERM: it must exit 0 within 10 s. Then a server with --layout libero answers
# openpi's LIBERO example observation (224 px images resized for the policy). Servers are stopped by
# their PID on any exit (serve_lib.sh).
set -euo pipefail
WAMBENCH="$1"; DIR="$2"; HERE="$(cd "$(dirname "$0")" && pwd)"
source "$HERE/serve_lib.sh"
rm -rf "$DIR"; mkdir -p "$DIR"
start_serve serve --policy vla
timeout 120 /usr/bin/python3 "$HERE/check_serve.py" "$PORT"
kill -TERM "$SERVE_PID"
for _ in $(seq 1 100); do kill -0 "$SERVE_PID" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$SERVE_PID" 2>/dev/null; then echo "wambench serve ignored SIGTERM"; exit 1; fi
wait "$SERVE_PID"; rc=$?
grep -q "stopped after" "$DIR/serve.out" || { echo "no clean stop message"; exit 1; }
echo "serve stopped cleanly (exit $rc)"

# --layout libero: openpi's LIBERO example observation, 224 px images.
start_serve libero --policy vla --layout libero
timeout 120 /usr/bin/python3 "$HERE/check_serve.py" "$PORT" --libero
