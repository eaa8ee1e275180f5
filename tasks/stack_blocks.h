// stack_blocks: put one block on top of another.
//
// Roles: "top" (the block to pick, a free body) and "bottom" (the block to stack on, also a free
// body resting on the table). Both roles draw their shape from the same category set:
//   train:    cube (5 cm edge), small cube (4 cm edge);
//   held out: puck (cylinder, 6 cm across, 3 cm tall), brick (7 x 4 x 3.5 cm box),
//             hex prism (hexagonal prism, 4.6 cm across flats, 4.5 cm tall).
// The two blocks always get different colour names; the instruction names both ("stack the red
// cube on the blue puck").
// Success: the top block rests flat on the bottom block's top face (centres within 1.5 cm
// horizontally, in contact, off the table, both blocks upright and still, the bottom block on the
// table), the gripper released (open, no finger touching either block, the TCP >= 6 cm from the
// top block's centre); held 0.5 s (Task::kSuccessDwellS).
// Sub-goals: reached, grasped, lifted, aligned, stacked.
// Object state (Task::object_state, world frame): [top block origin x, y, z (m; centre of its
// base), sin / cos of n * its yaw with n = 2 pi / BlockCategory::symmetry_rad, bottom block origin
// x, y, z (m), sin / cos of n' * its yaw with its own symmetry_rad].
// Phase labels (Task::phase_from_state of the state a step ends in; tasks/phase_labeller.h also
// removes one-step flickers).
// "Held" = both finger pads touch the top block. Interaction:
//   - held, the top block's centre within kStackBlocksPlaceZoneRadiusM = 4 cm of the bottom
//     block's horizontally and its base less than kStackBlocksPlaceZoneHeightM = 3 cm above the
//     bottom block's top face: "place";
//   - held, its base below kStackBlocksLiftZoneHeightM = 5 cm: "lift" ("grasp" while it still rests
//     on the table, base z <= 5 mm);
//   - not held, a finger touching the top block, or the TCP within kPhaseNearEnterM = 6 cm of its
//     centre (leaving beyond 7.5 cm): "grasp", or "release" once it is seated on the bottom block
//     (centres within 1.5 cm, base within 6 mm of the top face).
// Transit otherwise: "move" while held, "reach" before the block is seated, "retreat" after.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "tasks/task.h"

namespace wambench {

/// Phase labels (m): the held top block is being placed within this horizontal distance of the
/// bottom block's centre and this height above its top face, and lifted below this base height.
inline constexpr double kStackBlocksPlaceZoneRadiusM = 0.04;
inline constexpr double kStackBlocksPlaceZoneHeightM = 0.03;
inline constexpr double kStackBlocksLiftZoneHeightM = 0.05;

/// A block shape of stack_blocks. Every block is a free body whose origin is the centre of its
/// base (resting on the table means origin z = 0); collision geometry is made of boxes only, so
/// blocks rest on each other with face contacts (MuJoCo 2.2.2 gives a single contact point for
/// cylinder-box pairs, which rocks).
struct BlockCategory {
  std::string key;       ///< identifier used in body names, e.g. "hex_prism"
  std::string name;      ///< the instruction noun, e.g. "hex prism" (also ObjectChoice::category)
  std::string geoms_xml; ///< geoms in the body frame; "{B}" is replaced by the body name
  double height_m = 0;   ///< height of the top face above the base (m)
  double grasp_width_m = 0;  ///< width between the fingers at the grasp, across the body's y (m)
  double symmetry_rad = 0;   ///< the shape's rotational symmetry about z seen by the gripper (rad)
  double radius_m = 0;       ///< footprint radius (circumscribed, m) for non-overlapping placement
};

/// Train categories: cube, small cube.
const std::vector<BlockCategory>& stack_blocks_train_blocks();
/// Held-out categories, disjoint from train: puck, brick, hex prism.
const std::vector<BlockCategory>& stack_blocks_heldout_blocks();
/// Category by instruction name (train or held out). @throws std::invalid_argument listing names.
const BlockCategory& stack_blocks_find_block(const std::string& name);
/// Name of the free body of `role` ("top" or "bottom") and category name, e.g. "top_hex_prism".
std::string stack_blocks_body_name(const std::string& role, const std::string& category_name);

/// Position regions (world frame, m) of both blocks. Train: x in [0.40, 0.62], |y| <= 0.20.
/// Held out: side bands x in [0.32, 0.62], 0.26 <= |y| <= 0.36, disjoint from train by
/// construction; every point is within 0.72 m of the robot base (reachable).
variation::Region stack_blocks_train_region();
variation::Region stack_blocks_heldout_region();

}  // namespace wambench
