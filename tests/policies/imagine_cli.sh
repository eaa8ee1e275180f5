#!/usr/bin/env bash
# `wambench render --imagine`: with the bundled harmowam checkpoint it writes the real-vs-imagined
# strip (rows = queries, columns = real t, imagined / real t+4, imagined / real t+8, 128 px each);
# a policy without a world model and --policy without --imagine exit 2 with a clear message.
set -euo pipefail
exe="$1"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
source "$(dirname "$0")/../expect_error.sh"

"$exe" render --task press_button --policy harmowam --imagine --rows 2 --out "$work/strip.png" | tee "$work/log.txt"
grep -q "columns = real t, imagined t+4, real t+4, imagined t+8, real t+8" "$work/log.txt"
python3 - "$work/strip.png" <<'PY'
import struct, sys
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
width, height = struct.unpack(">II", data[16:24])
assert (width, height) == (5 * 128, 2 * 128), (width, height)
print("ok: strip", width, "x", height)
PY
expect_error "imagines no frames (it has no world model)" \
  "$exe" render --task press_button --policy scripted --imagine --out "$work/x.png"
expect_error "--policy needs --imagine" "$exe" render --task press_button --policy harmowam --out "$work/x.png"
expect_error "unknown policy 'nope'" "$exe" render --task press_button --policy nope --imagine --out "$work/x.png"
test ! -e "$work/x.png"
echo "PASS"
