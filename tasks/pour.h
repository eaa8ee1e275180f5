// pour: tilt a cup of small balls so they land in a bowl.
//
// Scene: one free-body cup per cup shape (FreeBodyPool: the episode's cup is on the table, the
// others are parked below the floor with collisions off), kPourBallCount small balls (free bodies)
// that start stacked inside the cup, and the static bowl of tasks/objects.h (find_container("bowl"):
// free floor radius 0.076 m, rim 0.05 m above the table, footprint radius 0.09 m).
//
// Cups are open containers: a base plate and a ring of box wall segments (as add_container_body
// builds the bowl), 5.5-6.4 cm across the flats so the 8 cm gripper closes on two opposite flat
// wall faces, 8.5-11.5 cm tall, 55-90 g (class "object", 500 kg/m^3; with the balls under 0.14 kg,
// far below what the 70 N grasp holds). Balls: radius 8 mm, 6 g each (a glass marble of that size
// weighs ~5.5 g). Contacts of the balls with each other and with the cups (whose geoms, like the
// balls', have condim 1) are frictionless: they slide out of a tilted cup freely, and the contact
// solver's cost, dominated by the ball pile, drops from ~9 ms to ~5.5 ms per control step
// (measured over 60 expert episodes). Balls keep friction 0.4 (condim 3, MuJoCo takes the larger
// condim of a pair) with the bowl and the table, so they come to rest in the bowl.
//
// Success (held for Task::kSuccessDwellS = 0.5 s): at least kPourSuccessFraction (60 %) of the
// balls, which all start in the cup, lie in the bowl (ball centre within the bowl's free floor
// radius, below its rim, slower than 0.2 m/s) AND the cup is not dropped: it is held (a finger
// touches it) or stands upright on the table (axis within 30 degrees of vertical, base within
// 1 cm of the table). "Dropped" is a latch (reset at every episode start): it is set once the cup
// has been untouched by the fingers and tilted more than 45 degrees from vertical, or fallen
// below the table top, for 0.2 s of sim time; after that the episode can never succeed.
//
// Roles: "cup" (shape = instruction noun, palette colour), "bowl" (palette colour, distinct from
// the cup's) and "balls" (palette colour, distinct from both). Cup shapes:
//   train:    cup (round, 12 wall segments), mug (round, with a handle);
//   held out: square cup (4 walls), glass (narrow and tall), beaker (round, with a lip and spout).
// The mug's handle and the beaker's spout are visual only (no collisions).
// Instruction: "pour the balls from the <colour> <shape> into the <colour> bowl", e.g. "pour the
// balls from the red mug into the blue bowl".
// Sub-goals: reached, grasped, lifted, over_bowl, tilted (cup axis more than 90 degrees from
// vertical, held), poured (success condition).
// Object state (Task::object_state, world frame): [cup origin x, y, z (m; centre of the base's
// underside), sin / cos of n * cup yaw (mug, beaker: n = 2, the decoration makes the yaw visible up
// to the gripper's half turn; square cup n = 4; cup, glass: round, (0, 1)), bowl origin x, y, z (m;
// base centre on the table), (0, 1) (round)].
// Phase labels (Task::phase_from_state of the state a step ends in; tasks/phase_labeller.h also
// removes one-step flickers).
// "Held" = a finger pad touches the cup; "poured" = at most kPourBallCount - 5 = 3 balls are still
// inside the cup (no more than a successful pour leaves there). Interaction:
//   - held, the cup's axis tilted more than kPourTiltPhaseRad = 10 degrees from vertical: "tilt",
//     "pour" once its mouth points below the horizontal;
//   - held upright, the cup's origin (base underside) below kPourLiftZoneHeightM = 5 cm: "lift"
//     ("grasp" while it stands on the table, origin z <= 5 mm), "place" once poured;
//   - not held, the TCP within kPhaseNearEnterM = 6 cm of the cup's grasp point (on its axis,
//     kPourGraspBelowRimM = 1.5 cm below the rim; leaving beyond 7.5 cm): "grasp", "release" once
//     poured.
// Transit otherwise: "move" while held upright above 5 cm (carrying the cup to and from the
// bowl), "reach" before the pour, "retreat" after.
#pragma once

#include <string>
#include <vector>

#include "tasks/task.h"

namespace wambench {

/// Number of balls in the cup.
inline constexpr int kPourBallCount = 8;
/// Ball radius (m) and mass (kg).
inline constexpr double kPourBallRadiusM = 0.008;
inline constexpr double kPourBallMassKg = 0.006;
/// Fraction of the balls that must lie in the bowl for success.
inline constexpr double kPourSuccessFraction = 0.6;
/// Phase labels: tilt of a held cup's axis from vertical beyond which it is pouring (rad), height
/// of its origin below which a held upright cup is lifted / put down (m), and the depth of the
/// grasp point below the rim (m, the scripted expert's grasp).
inline constexpr double kPourTiltPhaseRad = 0.1745;  // 10 degrees
inline constexpr double kPourLiftZoneHeightM = 0.05;
inline constexpr double kPourGraspBelowRimM = 0.015;
/// The "dropped" latch sets after the cup was unheld and lying (or below the table) this long (s).
inline constexpr double kPourDropLatchS = 0.2;

/// A cup shape of pour. Body frame: origin at the centre of the base's underside, z up along the
/// cup's axis; wall segment k's outward normal is at angle 2 pi k / wall_segments about z (k = 0
/// along +x, where the mug's handle and the beaker's spout point).
struct PourCup {
  std::string name;             ///< instruction noun, e.g. "square cup" (also ObjectChoice::category)
  int wall_segments = 12;       ///< 4 = square cup; >= 8 = round
  double inner_radius_m = 0;    ///< distance from the axis to the walls' inner faces (m)
  double wall_half_thickness_m = 0;  ///< (m)
  double height_m = 0;          ///< rim height above the base's underside (m)
  std::string accent;           ///< "", "handle" or "spout": visual-only decoration
  /// Half the distance across the outer flats (m): where the finger pads touch.
  double outer_half_width_m() const { return inner_radius_m + 2 * wall_half_thickness_m; }
  /// Footprint radius (m) for non-overlapping placement (includes the handle / spout).
  double footprint_radius_m() const;
  /// Symmetry angle of the grasp (rad): the hand yaw may be the cup's yaw plus any multiple of
  /// this (flat faces on both sides, decoration not between the fingers).
  double grasp_symmetry_rad() const;
};

/// Train cups: cup, mug.
const std::vector<PourCup>& pour_train_cups();
/// Held-out cups, disjoint from train: square cup, glass, beaker.
const std::vector<PourCup>& pour_heldout_cups();
/// Cup by name (train or held out). @throws std::invalid_argument listing the names.
const PourCup& pour_find_cup(const std::string& name);
/// Free-body name of a cup shape: "pour_cup_" + name with spaces as underscores.
std::string pour_cup_body(const std::string& cup_name);
/// Body name of ball `i` (0 .. kPourBallCount - 1) and of the bowl.
std::string pour_ball_body(int i);
inline constexpr const char* kPourBowlBody = "pour_bowl";

/// Regions (world frame, m) of the cup's and the bowl's centres (both roles draw from the same
/// region, non-overlapping with a 3 cm margin). Train: x in [0.40, 0.60], |y| <= 0.20. Held out:
/// side bands x in [0.34, 0.60], 0.26 <= |y| <= 0.36, disjoint from train by construction. With
/// the bowl's 0.09 m footprint everything stays within x in [0.25, 0.80], |y| <= 0.46, and
/// centres within 0.72 m of the robot base.
variation::Region pour_train_region();
variation::Region pour_heldout_region();
/// Cup yaw (rad, about world z). Train: [-0.35, 0.35]; held out: [-0.785, -0.45] U [0.45, 0.785];
/// disjoint also modulo the square cup's quarter-turn symmetry. The bowl's yaw is always 0.
variation::IntervalSet pour_train_yaw();
variation::IntervalSet pour_heldout_yaw();

}  // namespace wambench
