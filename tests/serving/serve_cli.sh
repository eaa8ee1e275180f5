#!/usr/bin/env bash
# `wambench serve --policy vla` checked by an openpi-style Python client (check_serve.py), then
# stopped with SIGTERM: it must exit 0 within 10 s. Then a server with --layout libero answers
# openpi's LIBERO example observation (224 px images resized for the policy). Servers are stopped by
# their PID on any exit.
set -euo pipefail
WAMBENCH="$1"; DIR="$2"; HERE="$(cd "$(dirname "$0")" && pwd)"
rm -rf "$DIR"; mkdir -p "$DIR"
"$WAMBENCH" serve --policy vla --host 127.0.0.1 --port 0 > "$DIR/serve.out" 2> "$DIR/serve.err" &
PID=$!
trap 'kill -9 $PID 2>/dev/null || true' EXIT
PORT=""
for _ in $(seq 1 300); do
  PORT=$(sed -n 's/.* on ws:\/\/127.0.0.1:\([0-9]*\) .*/\1/p' "$DIR/serve.out" 2>/dev/null || true)
  [ -n "$PORT" ] && break
  kill -0 $PID 2>/dev/null || { echo "wambench serve exited:"; cat "$DIR/serve.err"; exit 1; }
  sleep 0.1
done
[ -n "$PORT" ] || { echo "wambench serve did not start"; exit 1; }
timeout 120 /usr/bin/python3 "$HERE/check_serve.py" "$PORT"
kill -TERM $PID
for _ in $(seq 1 100); do kill -0 $PID 2>/dev/null || break; sleep 0.1; done
if kill -0 $PID 2>/dev/null; then echo "wambench serve ignored SIGTERM"; exit 1; fi
wait $PID; rc=$?
grep -q "stopped after" "$DIR/serve.out" || { echo "no clean stop message"; exit 1; }
echo "serve stopped cleanly (exit $rc)"

# --layout libero: openpi's LIBERO example observation, 224 px images.
"$WAMBENCH" serve --policy vla --layout libero --host 127.0.0.1 --port 0 > "$DIR/libero.out" 2> "$DIR/libero.err" &
PID=$!
PORT=""
for _ in $(seq 1 300); do
  PORT=$(sed -n 's/.* on ws:\/\/127.0.0.1:\([0-9]*\) .*/\1/p' "$DIR/libero.out" 2>/dev/null || true)
  [ -n "$PORT" ] && break
  kill -0 $PID 2>/dev/null || { echo "wambench serve --layout libero exited:"; cat "$DIR/libero.err"; exit 1; }
  sleep 0.1
done
[ -n "$PORT" ] || { echo "wambench serve --layout libero did not start"; exit 1; }
timeout 120 /usr/bin/python3 "$HERE/check_serve.py" "$PORT" --libero
