// peg_insert: pick up a peg and insert it into the matching hole of a block, then let go.
//
// Scene: one hole block per peg shape (a static fixture; the episode's block stands on the table,
// the others are parked below the floor with collisions off) and one peg per shape (free bodies in
// a FreeBodyPool; the episode's peg stands upright on the table, the others are parked).
//
// Hole block (body "peg_block_<key>", origin on the table at the hole's axis, z up, yaw = hole yaw):
//   11 x 11 cm, 5 cm tall (kPegBlockHalfWidthM, kPegBlockHeightM), built from boxes only: four
//   frame boxes around a rectangular opening, shape-specific filler boxes that narrow the opening to
//   the hole's cross-section, and a 1 cm floor (dark, "_accent_floor"), so the hole is 4 cm deep
//   (kPegHoleDepthM). No chamfer: the hole has the same cross-section from its mouth to its floor.
// Pegs (body "peg_<key>", origin at the centre of the peg's base, z along the peg's axis): prisms
//   9 cm tall (kPegHeightM), 70 g, whose contacts with the table, the hole's floor and the fingers
//   go through boxes aligned with the peg's axes (MuJoCo 2.2.2 gives a single, rocking contact for
//   cylinder-box pairs, and spurious deep contacts for some obliquely touching box pairs; see
//   peg_insert.cc). Every hole is the peg's cross-section grown by 1.25 mm on each side
//   (kPegHoleClearanceM = 2.5 mm total clearance, within the 4 mm limit of a precision insertion);
//   for the round peg (a 30 mm cylinder against the walls) the clearance is measured to the
//   inscribed circle of the hole's 16-gon (32.5 mm).
//
// Success (held 0.5 s, Task::kSuccessDwellS): the peg's base is >= 2.5 cm below the block's top
// face (kPegMinInsertionM), its axis within 10 degrees of vertical, its base centre within 4 mm of
// the hole's axis (the footprint inside the hole), and the gripper released: opened to at least the
// peg's grasp width + 8 mm (at most 75 mm) and no finger touching the peg.
// Sub-goals: reached (TCP within 3 cm of the peg's grasp point), grasped (both fingers touch the
// peg), lifted (grasped, base >= 2 cm above the table), aligned (peg base within 4 mm of the hole's
// axis, at most 3 cm above the block's top), inserted (>= 2.5 cm deep, upright, in the footprint),
// released (the success condition).
//
// Semantic axis (role "peg", instruction noun + colour; role "block", colour only):
//   train:    square (30 mm), round (30 mm across);
//   held out: hexagonal (30 mm across flats), cross (two 30 x 12 mm bars), rectangular
//             (40 x 20 mm). Disjoint by construction (different lists, tested).
// Instruction: e.g. "insert the red square peg into the hole", "put the red square peg into the
// hole of the blue block". Peg and block always have different colour names.
// Position axis: peg and block positions (non-overlapping, 4 cm between footprints) and yaws, from
// the train or held-out region / yaw set below.
// Phase labels of the scripted expert: reach (transit), grasp, lift (interaction), move (transit),
// align, insert, release (interaction), retreat (transit).
// Object state (Task::object_state, world frame): [peg origin x, y, z (m; centre of its base),
// sin / cos of n * peg yaw with n = 2 pi / PegShape::grasp_symmetry_rad (as the gripper sees it),
// hole block origin x, y, z (m; the hole's axis on the table), sin / cos of n' * block yaw with
// n' = 2 pi / PegShape::hole_symmetry_rad ((0, 1) for the round peg's hole)].
// Phase labels (Task::phase_from_state of the state a step ends in; tasks/phase_labeller.h also
// removes one-step flickers).
// "Held" = both finger pads touch the peg, or one does with the TCP within kPegHeldTcpRadiusM =
// 2 cm of the peg's grasp point (2.5 cm below its top, on its axis). Interaction:
//   - held, the peg's base centre within kPegInsertZoneRadiusM = 2 cm of the hole's axis
//     horizontally and below kPegInsertZoneHeightM = 2 cm above the block's top face: "align",
//     "insert" once the base is below the top face;
//   - held, its base below kPegLiftZoneHeightM = 5 cm: "lift" ("grasp" while it still stands on
//     the table, base z <= 5 mm);
//   - not held, a finger touching the peg, or the TCP within kPhaseNearEnterM = 6 cm of the grasp
//     point (leaving beyond 7.5 cm): "grasp", or "release" once the peg is inserted (the
//     success predicate's depth, uprightness and axis offset).
// Transit otherwise: "move" while held (carrying the peg to the hole), "reach" before the peg is
// inserted, "retreat" after.
#pragma once

#include <string>
#include <vector>

#include "tasks/task.h"

namespace wambench {

/// Half width of the square hole block (m) and its height above the table (m).
inline constexpr double kPegBlockHalfWidthM = 0.055;
inline constexpr double kPegBlockHeightM = 0.05;
/// Depth of every hole below the block's top face (m); its floor is at kPegBlockHeightM - this.
inline constexpr double kPegHoleDepthM = 0.04;
/// Total clearance between peg and hole across the peg (m): each hole is the peg's cross-section
/// grown by half of this on every side.
inline constexpr double kPegHoleClearanceM = 0.0025;
/// Height of every peg (m).
inline constexpr double kPegHeightM = 0.09;
/// Minimum insertion (m): the peg's base at least this far below the block's top face.
inline constexpr double kPegMinInsertionM = 0.025;

/// Phase labels (m): "held" radius of the TCP around the peg's grasp point with one finger on it;
/// the zone around the hole where a held peg is aligned / inserted (horizontal radius of its base
/// centre from the hole's axis, height of its base above the block's top face); and the base
/// height below which a held peg is being lifted off the table.
inline constexpr double kPegHeldTcpRadiusM = 0.02;
inline constexpr double kPegInsertZoneRadiusM = 0.02;
inline constexpr double kPegInsertZoneHeightM = 0.02;
inline constexpr double kPegLiftZoneHeightM = 0.05;

/// A peg shape of peg_insert and its matching hole.
struct PegShape {
  std::string key;   ///< identifier used in body names, e.g. "square"
  std::string name;  ///< the instruction word, e.g. "square" (also ObjectChoice::category)
  /// Peg geoms in the body frame (origin at the base centre); "{B}" is replaced by the body name.
  std::string peg_geoms_xml;
  /// Hole filler geoms in the block frame (inside the frame's opening); "{B}" as above. May be empty.
  std::string filler_geoms_xml;
  double opening_half_x_m = 0;  ///< half size of the frame's rectangular opening along the block's x (m)
  double opening_half_y_m = 0;  ///< ... along the block's y (m)
  double grasp_width_m = 0;     ///< peg width between the fingers, across the peg's y axis (m)
  /// Rotational symmetry of the peg about its axis that matters for the hole (rad); 0 = any yaw fits
  /// (the round peg).
  double hole_symmetry_rad = 0;
  /// Grasp symmetry (rad): the fingers close on the peg's grasp faces (across its y axis) at hand
  /// yaws equal to the peg's yaw modulo this angle (pi/2 square, round, cross; pi hexagonal,
  /// rectangular).
  double grasp_symmetry_rad = 0;
  double radius_m = 0;  ///< circumscribed radius of the peg's footprint (m)
};

/// Train shapes: square, round.
const std::vector<PegShape>& peg_insert_train_shapes();
/// Held-out shapes, disjoint from train: hexagonal, cross, rectangular.
const std::vector<PegShape>& peg_insert_heldout_shapes();
/// Shape by instruction name (train or held out). @throws std::invalid_argument listing the names.
const PegShape& peg_insert_find_shape(const std::string& name);
/// Body names of a shape's peg ("peg_<key>") and hole block ("peg_block_<key>").
std::string peg_insert_peg_body(const std::string& shape_name);
std::string peg_insert_block_body(const std::string& shape_name);

/// Footprint radius of the hole block for placement (m): its circumscribed radius.
double peg_insert_block_radius_m();

/// Position regions (world frame, m) of the peg's and the block's centres. Train: x in
/// [0.40, 0.62], |y| <= 0.20. Held out: side bands x in [0.33, 0.62], 0.26 <= |y| <= 0.36,
/// disjoint from train by construction (the bands start at x = 0.33 rather than the other tasks'
/// 0.32 so that the block's footprint, radius 0.078 m, stays beyond x = 0.25). Every object stays
/// within x in [0.25, 0.80], |y| <= 0.46, and every centre within 0.72 m of the robot base.
variation::Region peg_insert_train_region();
variation::Region peg_insert_heldout_region();
/// Yaw (rad, about world z) of the peg and of the block. Train: [-0.35, 0.35]; held out:
/// [-0.785, -0.45] U [0.45, 0.785]; disjoint, also modulo the square's 90-degree symmetry.
variation::IntervalSet peg_insert_train_yaw();
variation::IntervalSet peg_insert_heldout_yaw();

}  // namespace wambench
