# Sourced by the shell tests. expect_error TEXT COMMAND...: the command must exit with code 2 and
# print TEXT on stderr; otherwise the test fails, showing what it printed. Needs $work (scratch dir).
expect_error() {
  local text="$1"; shift
  set +e
  "$@" > "$work/out.txt" 2> "$work/err.txt"
  local code=$?
  set -e
  if [ "$code" -ne 2 ] || ! grep -qF -- "$text" "$work/err.txt"; then
    echo "FAIL: '$*' exited $code (want 2) with stderr:"; cat "$work/err.txt"; exit 1
  fi
  echo "ok: exit 2: $(head -c 200 "$work/err.txt")"
}
