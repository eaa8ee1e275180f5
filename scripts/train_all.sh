#!/usr/bin/env bash
# Reproduces every bundled checkpoint in policies/checkpoints/ from scratch on CPU: collects the
# demonstrations (scripted experts, train split, DART noise), then trains every learned policy on
# them with the same budget, two trainings at a time with one LibTorch thread each (the 2-core
# machine this was sized for). Builds first (scripts/build.sh). Logs go to data/logs/.
#
#   bash scripts/train_all.sh                 # collect (if data/demos.hdf5 is missing) + train all
#   POLICIES="vla bc_state" bash scripts/train_all.sh   # a subset
#
# Settings (environment variables, defaults = the bundled checkpoints):
#   EPISODES=150   demonstrations per task        NOISE=0.05  DART noise (normalized action units)
#   STEPS=30000    optimizer steps per image-based policy   BATCH=64
#   ENCODER_STEPS=6000  of them end to end (image encoders + auxiliary object-state regression);
#                  then the encoders are frozen and the rest trains on their cached features
#                  (`wambench train --encoder-steps`, policies/train.h)
#   SELECT_EVERY=0 rollout-based checkpoint selection interval (0 = keep the final averaged
#                  weights; train split, demonstration seed range, never evaluation seeds)
#                  SELECT_EPISODES=5  rollouts per task
#   BC_STATE_STEPS=200000  bc_state's steps (no images: 200 000 steps take about 6 minutes at one
#                  thread alone, 15 beside other trainings); it keeps its final averaged weights
#                  (no rollout selection: 5 rollouts per task cannot tell its checkpoints apart)
# Then regenerate the main table with scripts/main_table.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
BUILD_DIR="${WAMBENCH_BUILD_DIR:-build}"
W="${WAMBENCH:-$BUILD_DIR/cli/wambench}"  # WAMBENCH: a copy of the binary, so rebuilding does not touch running trainings
DATA="${DATA:-data/demos.hdf5}"
EPISODES="${EPISODES:-150}"
NOISE="${NOISE:-0.05}"
STEPS="${STEPS:-30000}"
ENCODER_STEPS="${ENCODER_STEPS:-6000}"
BATCH="${BATCH:-64}"
SELECT_EVERY="${SELECT_EVERY:-0}"
SELECT_EPISODES="${SELECT_EPISODES:-5}"
BC_STATE_STEPS="${BC_STATE_STEPS:-200000}"
# Longest first, so the two slots finish close together.
POLICIES="${POLICIES:-harmowam vla wam_ite wam_joint bc_state harmowam_gate_predictive harmowam_gate_reactive harmowam_gate_schedule}"
mkdir -p data/logs policies/checkpoints

if [ ! -f "$DATA" ]; then
  "$W" collect --tasks all --split train --episodes "$EPISODES" --noise "$NOISE" --workers 2 --out "$DATA" \
    | tee data/logs/collect.log
fi

train() {
  local policy="$1" budget
  if [ "$policy" = bc_state ]; then
    budget=(--steps "$BC_STATE_STEPS" --eval-every 20000)
  else
    budget=(--steps "$STEPS" --encoder-steps "$ENCODER_STEPS" --eval-every 500 --select-every "$SELECT_EVERY"
            --select-episodes "$SELECT_EPISODES")
  fi
  "$W" train --policy "$policy" --data "$DATA" --out "policies/checkpoints/$policy.pt" "${budget[@]}" \
    --batch "$BATCH" --seed 0 --threads 1 > "data/logs/train_$policy.log" 2>&1 \
    || { echo "train_all: $policy failed (data/logs/train_$policy.log):"; tail -5 "data/logs/train_$policy.log"; return 1; }
  echo "train_all: $policy done: $(grep '^train: wrote' "data/logs/train_$policy.log")"
}

# Two at a time, one thread each: a new training starts as soon as one of the two finishes.
running=0
for policy in $POLICIES; do
  if [ "$running" -ge 2 ]; then wait -n; running=$((running - 1)); fi
  train "$policy" &
  running=$((running + 1))
done
while [ "$running" -gt 0 ]; do wait -n; running=$((running - 1)); done
echo "train_all: every checkpoint written to policies/checkpoints/ (logs: data/logs/)"
