// reach_marker: a tiny task registered from a test file pair, to show that a task is one .h/.cc
// pair plus its registration line, and that the conformance suite (conformance_test.cc) picks up
// every registered task without being told about it.
//
// Scene: a flat marker disc (30 mm radius, 3 mm thick, no collisions) on the table.
// Variation: position axis: the marker's (x, y) from the train region x in [0.40, 0.55),
//   y in [-0.15, 0.15) or the held-out region x in [0.55, 0.62), y in [-0.15, 0.15) (world frame,
//   m); yaw 0. Object axis: the marker's shape name from {disc, ring} (train) or {star} (held
//   out; all shapes share the disc geometry) and a palette colour (both splits).
// Instruction: "hold the hand over the <colour> <shape> marker".
// Success: the tool centre point (site "ee") within kReachToleranceM of the point kHoverHeightM
//   above the marker's centre, held for Task::kSuccessDwellS.
// Sub-goals: above (TCP within 0.03 m of the marker's centre in x, y), reached (success condition).
// Phases: interaction "align" while the TCP is within 0.05 m of the hover point, transit "reach"
//   otherwise.
// Near misses: the hand 4 cm beside the hover point; the hand over the marker but far above it.
#pragma once

namespace wambench::reach_marker {

/// Public name of the task.
inline constexpr const char* kName = "reach_marker";
/// Height of the hover point above the marker's centre (m).
inline constexpr double kHoverHeightM = 0.06;
/// Largest distance (m) between the TCP and the hover point that counts as reached.
inline constexpr double kReachToleranceM = 0.02;

}  // namespace wambench::reach_marker
