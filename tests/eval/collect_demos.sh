#!/usr/bin/env bash
# `wambench collect`: the file reads in h5py with the robomimic layout, its content does not depend
# on the number of workers, and bad input exits 2 without touching an existing dataset.
# Usage: collect_demos.sh WAMBENCH SOURCE_DIR WORKDIR
set -euo pipefail
exe="$1"; src="$2"; work="$3"
rm -rf "$work"; mkdir -p "$work"
"$exe" collect --tasks stack_blocks pour --episodes 3 --noise 0.02 --workers 1 --image-size 64 --out "$work/w1.hdf5"
"$exe" collect --tasks stack_blocks pour --episodes 3 --noise 0.02 --workers 2 --image-size 64 --out "$work/w2.hdf5"
/usr/bin/python3 "$src/tests/eval/check_demos.py" "$work/w1.hdf5" stack_blocks,pour 3 64 "$work/w2.hdf5"

source "$(dirname "$0")/../expect_error.sh"
before=$(sha256sum "$work/w1.hdf5")
expect_error "already exists" "$exe" collect --tasks pour --episodes 1 --out "$work/w1.hdf5"
[ "$(sha256sum "$work/w1.hdf5")" = "$before" ] || { echo "FAIL: existing dataset changed"; exit 1; }
expect_error "train split only" "$exe" collect --tasks pour --split unseen_object --episodes 1 --out "$work/x.hdf5"
expect_error "valid names: pick_place" "$exe" collect --tasks juggle --episodes 1 --out "$work/x.hdf5"
expect_error "--noise must be in [0, 1]" "$exe" collect --tasks pour --noise 2 --episodes 1 --out "$work/x.hdf5"
[ ! -e "$work/x.hdf5" ] || { echo "FAIL: a rejected command wrote a file"; exit 1; }
echo "collect_demos: all checks passed"
