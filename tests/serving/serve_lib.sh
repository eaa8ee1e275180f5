# Sourced by the serving tests (needs WAMBENCH and DIR). start_serve NAME ARGS... starts
# `$WAMBENCH serve ARGS --host 127.0.0.1 --port 0` with its output in $DIR/NAME.out and .err, sets
# SERVE_PID and, once it listens, PORT. Every server started is killed by its PID when the script
# exits, however it exits.
SERVE_PIDS=()
trap 'for p in "${SERVE_PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done' EXIT

start_serve() {
  local name="$1"
  shift
  "$WAMBENCH" serve "$@" --host 127.0.0.1 --port 0 > "$DIR/$name.out" 2> "$DIR/$name.err" &
  SERVE_PID=$!
  SERVE_PIDS+=("$SERVE_PID")
  PORT=""
  for _ in $(seq 1 300); do
    PORT=$(sed -n 's/.* on ws:\/\/127.0.0.1:\([0-9]*\) .*/\1/p' "$DIR/$name.out" 2>/dev/null || true)
    [ -n "$PORT" ] && return 0
    kill -0 "$SERVE_PID" 2>/dev/null || { echo "wambench serve $* exited:"; cat "$DIR/$name.err"; return 1; }
    sleep 0.1
  done
  echo "wambench serve $* did not start within 30 s"
  return 1
}
