#!/usr/bin/env bash
# The folder layering (README "Architecture"): the source tree has no include from a lower folder to a
# higher one, and the checker does report one when it is there.
set -euo pipefail
SRC="$1"
CHECK="$SRC/scripts/include_graph.py"
python3 "$CHECK" --root "$SRC"

# A tree with policies/ including eval/ and tasks/ including nothing wrong: exit 1, the file named.
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
mkdir -p "$TMP"/{sim,tasks,policies,eval,cli}
printf '#include "sim/env.h"\n' > "$TMP/tasks/task.h"
printf '#include "sim/env.h"\n#include "eval/runner.h"\n' > "$TMP/policies/bad.cc"
set +e
out=$(python3 "$CHECK" --root "$TMP" --dot "$TMP/g.dot" 2>&1)
code=$?
set -e
echo "$out"
[ "$code" -eq 1 ] || { echo "FAIL: expected exit 1 for policies/ including eval/, got $code"; exit 1; }
grep -q "policies/ must not include eval/" <<<"$out" || { echo "FAIL: the violation is not named"; exit 1; }
grep -q "policies/bad.cc:2" <<<"$out" || { echo "FAIL: the offending line is not named"; exit 1; }
grep -q '"policies" -> "eval" \[label="1", color="#cc2222"' "$TMP/g.dot" || { echo "FAIL: the picture does not mark it"; exit 1; }
echo "layering: ok"
