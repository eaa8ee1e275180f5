#!/usr/bin/env bash
# `wambench real` over ROS 1: the runtime drives RosRobot, which talks through a real roscore to
# wambench_ros_arm (the simulator playing the arm). Two episodes of `vla` with operator answers on
# stdin: both recorded with the ROS driver's stats, the arm node reset to each episode. Then the arm
# node is killed during an episode: the run still ends, and the episode is an `error` naming the
# silent topics. Everything started is stopped by PID (roscore with SIGINT).
# Usage: real_over_ros.sh WAMBENCH WAMBENCH_ROS_ARM SCRATCH_DIR (run from the source tree root)
set -euo pipefail
WAMBENCH="$1"
ARM="$2"
work="$3"
rm -rf "$work" && mkdir -p "$work/ros_home/log"
port=$(/usr/bin/python3 "$(dirname "$0")/free_port.py")
export ROS_MASTER_URI="http://127.0.0.1:$port" ROS_IP=127.0.0.1 ROS_HOME="$work/ros_home" ROS_LOG_DIR="$work/ros_home/log"
CORE=""
ARM_PID=""
cleanup() {
  [ -n "$ARM_PID" ] && kill -TERM "$ARM_PID" 2>/dev/null || true
  if [ -n "$CORE" ]; then
    kill -INT "$CORE" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$CORE" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$CORE" 2>/dev/null || true
  fi
}
trap cleanup EXIT
roscore -p "$port" > "$work/roscore.log" 2>&1 &
CORE=$!
start_arm() {
  "$ARM" --image-width 160 --image-height 120 --master-timeout-s 20 > "$work/$1" 2>&1 &
  ARM_PID=$!
  for _ in $(seq 1 300); do
    grep -q "running at" "$work/$1" && return 0
    kill -0 "$ARM_PID" 2>/dev/null || { echo "arm node exited:"; cat "$work/$1"; return 1; }
    sleep 0.1
  done
  echo "arm node did not start in 30 s"; cat "$work/$1"; return 1
}
start_arm arm1.log
cat > "$work/robot.json" <<JSON
{"driver": "ros", "control_hz": 10, "image_size": 128, "cameras": ["front", "wrist"],
 "ros": {"master_uri": "http://127.0.0.1:$port", "master_timeout_s": 20, "observe_timeout_s": 1.0}}
JSON

# Two episodes; the operator presses Enter, answers n and leaves a note.
printf '\nn\nfirst over ros\n\nn\nsecond over ros\n' |
  timeout 200 "$WAMBENCH" real --robot "$work/robot.json" --policy vla --task pick_place --episodes 2 \
    --no-setup-cards --out "$work/run" > "$work/real.out" 2> "$work/real.err" ||
  { echo "FAIL: wambench real exited $?"; cat "$work/real.err"; exit 1; }
grep -q "episode pick_place/train/0 seed 0" "$work/arm1.log" || { echo "FAIL: episode 0 never reached the arm node"; cat "$work/arm1.log"; exit 1; }
grep -q "episode pick_place/train/1 seed 0" "$work/arm1.log" || { echo "FAIL: episode 1 never reached the arm node"; cat "$work/arm1.log"; exit 1; }
/usr/bin/python3 - "$work/run/episodes.jsonl" <<'PY'
import json, sys
eps = [json.loads(l) for l in open(sys.argv[1])]
assert len(eps) == 2, f"{len(eps)} records, want 2"
for e, note in zip(sorted(eps, key=lambda e: e["episode"]), ["first over ros", "second over ros"]):
    real = e["diagnostics"]["real"]
    assert real["robot"] == "ros", real
    assert e["status"] in ("success", "failure"), e["status"]
    assert e["steps"] > 0 and real["loop"]["steps"] == e["steps"], (e["steps"], real["loop"])
    stats = real["robot_stats"]
    assert stats["observe_faults"] == 0, stats
    assert stats["observations"] >= e["steps"], stats
    assert real["verdict"]["note"] == note and real["verdict"]["source"] == "operator", real["verdict"]
    loop = real["loop"]
    print(f"episode {e['episode']}: {e['status']} in {e['steps']} steps; period p50 {loop['period_ms']['p50']} ms, "
          f"jitter p50/p99/max {loop['jitter_ms']['p50']}/{loop['jitter_ms']['p99']}/{loop['jitter_ms']['max']} ms, "
          f"obs->command p50/p99 {loop['obs_to_command_ms']['p50']}/{loop['obs_to_command_ms']['p99']} ms")
PY

# The arm node dies 3 s into an episode: the episode ends as an error naming the silent topics.
kill -TERM "$ARM_PID"; wait "$ARM_PID" 2>/dev/null || true
start_arm arm2.log
( sleep 3 ; while ! grep -q "episode pick_place" "$work/arm2.log"; do sleep 0.2; done; sleep 3; kill -9 "$ARM_PID" ) &
KILLER=$!
started=$(date +%s)
printf '\nn\nkilled\n' |
  timeout 120 "$WAMBENCH" real --robot "$work/robot.json" --policy vla --task pick_place --episodes 1 \
    --no-setup-cards --out "$work/run_killed" > "$work/killed.out" 2> "$work/killed.err" || true
wait "$KILLER" 2>/dev/null || true
ARM_PID=""
echo "run with the arm node killed ended after $(( $(date +%s) - started )) s"
/usr/bin/python3 - "$work/run_killed/episodes.jsonl" <<'PY'
import json, sys
eps = [json.loads(l) for l in open(sys.argv[1])]
assert len(eps) == 1, f"{len(eps)} records, want 1"
e = eps[0]
text = json.dumps(e)
assert e["status"] == "error", e["status"]
assert "/joint_states" in text and "/camera/front/image_raw" in text, "the error does not name the silent topics: " + text[:2000]
print("killed episode:", e["status"], "-", e.get("error", "")[:300])
PY
echo PASS
