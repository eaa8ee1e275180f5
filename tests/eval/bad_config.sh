#!/usr/bin/env bash
# Bad sweep configs and flags: exit code 2, a message naming the field and the valid values, and
# nothing written.
set -uo pipefail
WAMBENCH="$1"; TMP="$2"
rm -rf "$TMP"; mkdir -p "$TMP"
fail=0
check() {  # check "expected text" args...
  local expect="$1"; shift
  local out; out=$("$WAMBENCH" eval --out "$TMP/run" "$@" 2>&1); local code=$?
  if [ "$code" -ne 2 ]; then echo "FAIL ($*): exit code $code, expected 2: $out"; fail=1; fi
  if ! grep -qF -- "$expect" <<< "$out"; then echo "FAIL ($*): output lacks '$expect': $out"; fail=1; fi
  if [ -e "$TMP/run" ]; then echo "FAIL ($*): $TMP/run was written"; fail=1; rm -rf "$TMP/run"; fi
}
echo '{"episodes": 2, "worker": 3}' > "$TMP/unknown_key.json"
check "unknown field 'worker'; valid fields: policies, tasks" --config "$TMP/unknown_key.json"
echo '{"episodes": "two"}' > "$TMP/wrong_type.json"
check "field 'episodes': expected an integer" --config "$TMP/wrong_type.json"
echo '{"episodes": 2,' > "$TMP/malformed.json"
check "malformed JSON" --config "$TMP/malformed.json"
echo '{"policies": [{"name": "scripted", "checkpoint": "/nonexistent/x.pt"}]}' > "$TMP/ckpt.json"
check "policy 'scripted' takes no checkpoint" --config "$TMP/ckpt.json"
echo '{"policies": [{"name": "vla", "checkpoint": "/nonexistent/vla.pt"}]}' > "$TMP/missing_ckpt.json"
check "checkpoint of 'vla' not found: /nonexistent/vla.pt" --config "$TMP/missing_ckpt.json"
check "unknown policy 'octo'; valid policies: scripted" --policies octo
check "unknown name 'fold_towel'; valid names: pick_place, stack_blocks" --tasks fold_towel
check "unknown name 'test'; valid names: train, unseen_background" --splits test
echo '{"seed": 9223372036854775808}' > "$TMP/demo_seed.json"
check "reserved for demonstrations" --config "$TMP/demo_seed.json"
check "cannot read config file '/nonexistent/c.json'" --config /nonexistent/c.json
exit $fail
