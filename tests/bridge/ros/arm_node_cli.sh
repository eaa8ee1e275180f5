#!/usr/bin/env bash
# wambench_ros_arm's errors: a bad --config and no ROS master are exit code 2 with a clear message,
# the latter within its --master-timeout-s (no roscore is started: the port is one nothing listens on).
# Usage: arm_node_cli.sh WAMBENCH_ROS_ARM SCRATCH_DIR
set -euo pipefail
ARM="$1"
work="$2"
rm -rf "$work" && mkdir -p "$work/ros_home/log"
export ROS_HOME="$work/ros_home" ROS_LOG_DIR="$work/ros_home/log" ROS_IP=127.0.0.1
source "$(dirname "$0")/../../expect_error.sh"

expect_error "cannot read $work/missing.json" timeout 30 "$ARM" --config "$work/missing.json"
echo '{"ros": {"target_topic": ""}}' > "$work/bad.json"
expect_error '"target_topic" must be a non-empty string' timeout 30 "$ARM" --config "$work/bad.json"
echo '{"ros": {"cameras": [{"name": "front", "topic": "/f", "pipeline": {"crop": [0, 0, 1]}}]}}' > "$work/crop.json"
expect_error '"crop" must be [x, y, width, height]' timeout 30 "$ARM" --config "$work/crop.json"

# A port nothing listens on: bind to port 0 and release it.
port=$(/usr/bin/python3 "$(dirname "$0")/free_port.py")
export ROS_MASTER_URI="http://127.0.0.1:$port"
start=$(date +%s.%N)
expect_error "no ROS master at http://127.0.0.1:$port within 1.5 s" timeout 30 "$ARM" --master-timeout-s 1.5
took=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')
echo "gave up after $took s"
if awk -v t="$took" 'BEGIN { exit !(t > 4) }'; then echo "FAIL: took $took s for a 1.5 s limit"; exit 1; fi
echo "PASS"
