// open_drawer: pull a drawer open by its handle.
//
// Scene: a small static bedside cabinet (a carcass of five boxes: two sides, top, bottom, back;
// 0.26 m wide, 0.19 m deep, 0.155 m tall) with one drawer. The drawer is a child body of the
// cabinet (front panel overlaying the carcass front + bottom, sides and back) on a slide joint
// "drawer_slide" along the cabinet's outward axis. One handle body per shape is welded to the
// drawer's front panel; the episode's handle is shown, the others are moved 3 m below the floor
// with collisions off and alpha 0 (TaskEnv also hides bodies below z = -1 m).
//
// Frames: the cabinet's origin is the centre of its footprint (carcass only) on the table (z = 0);
// its local +x axis points away from the robot (towards the cabinet's back), local z is world z.
// The drawer slides out along local -x, i.e. towards the robot. The drawer body's origin lies on
// the carcass front plane (local x = -0.095 m), centred, at table level.
//
// Mechanics (joint "drawer_slide", qpos = opening, m, 0 = closed): travel 0.17 m (range
// [0, 0.17]); damping 8 N s/m and friction loss 1.5 N (a ball-bearing slide with some drag: the
// drawer does not drift, and the expert's 0.15 m/s pull needs ~3 N); drawer mass ~1 kg (front
// panel 0.4 kg, box 0.55 kg, the handles 0.08 kg).
//
// Success (the design choice documented here): the drawer's opening is >= 0.12 m (70 % of the
// travel), held for 0.5 s (Task::kSuccessDwellS). The gripper need NOT release the handle: a
// drawer held open at >= 0.12 m for 0.5 s counts. (The expert lets go and retreats anyway.)
// A drawer pulled to 8 cm and left there, or pulled past 12 cm and pushed back within 0.5 s, is
// no success; touching the handle without pulling reaches the sub-goal "grasped" only.
//
// Handles (role "handle", ObjectChoice::category = the instruction word, colour from the object
// palette). Every handle is grasped top-down with the parallel gripper (fingers close along the
// hand's y axis, <= 0.08 m), in one of two ways:
//   - fingers along the pull axis: one finger in front of the grip, one between the grip and the
//     front panel (the grip stands >= 0.055 m off the panel, the finger is 0.018 m thick); pulling
//     presses the rear finger against the grip, so the pull does not rely on friction;
//   - fingers across the pull axis: the fingers close on a 12 mm stem, behind a wider head; pulling
//     presses the fingers' front edges against the head.
// Train:    bar  (round rod 12 mm across, 0.16 m long, on two posts 0.055 m off the panel; along),
//           knob (mushroom knob: 0.05 m stem, head 34 mm across; across).
// Held out: T    (a 0.05 m stem with a 7 cm crossbar, 18 mm across; across),
//           ring (a horizontal octagonal hoop 6.6 cm across, 12 mm tube, fixed to the panel at its
//           back; along, the rear finger inside the hoop; grip = its front side, 60 mm off the
//           panel).
// The bar and the ring sit 0.135 m above the table: with the fingers along the pull axis the
// hand's palm (0.041 m above the TCP, +-0.10 m along the finger axis) overhangs the carcass top,
// which it clears by >= 1 cm. Knob and T sit 0.085 m above the table (the drawer front's centre);
// there the palm lies across the pull axis, >= 1 cm in front of the panel. Every grip is 12 mm
// across; the grasp points put the TCP 6-8 mm below the centre of the bar's rod / the ring's tube
// so the finger pads (52 mm tall, lower faces 7 mm below the TCP) cover the grip even if the hand
// rises a little while pulling. The cabinet's colour is sampled from a fixed
// set (brown, grey, white) in every split, never the handle's colour name.
// Instruction: "open the drawer by its <colour> <shape> handle", e.g. "open the drawer by its red
// bar handle".
//
// Sub-goals: reached (TCP within 3 cm of the handle's grasp point), grasped (a robot geom touches
// the handle), opening (drawer open > 3 cm), opened (the success condition, >= 12 cm).
// Object state (Task::object_state, world frame): [handle body origin x, y, z (m; its mount point
// on the drawer front's outer face, moves with the drawer), sin / cos of 2 * handle yaw (the
// cabinet's yaw; n = 2 from the parallel gripper's half-turn symmetry), the same point with the
// drawer closed x, y, z (m; fixed in an episode), sin / cos of 2 * cabinet yaw].
// Phase labels (Task::phase_from_state of the state a step ends in; tasks/phase_labeller.h also
// removes one-step flickers).
// Interaction while a robot geom touches the handle or the TCP is within kPhaseNearEnterM = 6 cm
// of the handle's grasp point (DrawerHandle::grasp, moving with the drawer; leaving beyond
// 7.5 cm): "pull" while touching it with the drawer open more than kOpenDrawerPullPhaseOpeningM =
// 5 mm, "release" once the drawer is open (>= 12 cm) and the handle untouched, "grasp" otherwise.
// Transit otherwise: "reach" before the drawer is open, "retreat" after.
#pragma once

#include <string>
#include <vector>

#include <Eigen/Dense>

#include "tasks/task.h"

namespace wambench {

/// Carcass outer size (m): width (local y), depth (local x), height (z).
inline constexpr double kOpenDrawerCabinetWidthM = 0.26;
inline constexpr double kOpenDrawerCabinetDepthM = 0.19;
inline constexpr double kOpenDrawerCabinetHeightM = 0.155;
/// Thickness of the drawer's front panel, which overlays the carcass front (m).
inline constexpr double kOpenDrawerFrontThicknessM = 0.016;
/// Slide travel of the drawer (m): joint range [0, travel].
inline constexpr double kOpenDrawerTravelM = 0.17;
/// Opening at which the drawer counts as open: the success condition (m).
inline constexpr double kOpenDrawerSuccessOpeningM = 0.12;
/// Phase labels: touching the handle with the drawer open more than this is "pull" (m).
inline constexpr double kOpenDrawerPullPhaseOpeningM = 0.005;
/// Opening of the sub-goal "opening" (m).
inline constexpr double kOpenDrawerOpeningSubgoalM = 0.03;
/// How far any handle reaches out from the front panel's face (m), for footprint checks.
inline constexpr double kOpenDrawerHandleReachM = 0.07;
/// Half width of the widest handle along the panel (m), for footprint checks.
inline constexpr double kOpenDrawerHandleHalfWidthM = 0.086;

/// A handle shape of open_drawer.
struct DrawerHandle {
  std::string name;  ///< the instruction word, e.g. "bar" (also ObjectChoice::category)
  /// Geoms of the handle body in its frame: origin on the front panel's outer face, centred in
  /// width, at mount height; +x into the panel, so the handle extends along -x. "{B}" is replaced
  /// by the body name.
  std::string geoms_xml;
  double mount_z_m = 0;          ///< height of the handle frame above the table (m)
  Eigen::Vector3d grasp{0, 0, 0};  ///< TCP at the grasp, in the handle frame (m)
  bool fingers_along_pull = true;  ///< grasp mode (see the file comment)
  /// Fingers-along-the-pull grasp: the expert approaches with the rear finger's inner face
  /// pregrasp_opening_m / 2 behind the grip's centre (m, <= 0.08); the binary gripper is fully
  /// open (0.08 m) then, so the expert's TCP sits (0.08 - pregrasp_opening_m) / 2 outwards of the
  /// grasp point. Unused for the across grasp (the fingers straddle the stem fully open).
  double pregrasp_opening_m = 0;
};

/// Train handles: bar, knob.
const std::vector<DrawerHandle>& open_drawer_train_handles();
/// Held-out handles, disjoint from train: T, ring.
const std::vector<DrawerHandle>& open_drawer_heldout_handles();
/// Handle by name (train or held out). @throws std::invalid_argument listing the names.
const DrawerHandle& open_drawer_find_handle(const std::string& name);

/// Cabinet colours (names and linear RGB), the same set in every split.
const std::vector<std::pair<std::string, variation::Rgb>>& open_drawer_cabinet_colors();

/// Regions (world frame, m) of the cabinet's centre (Placement "cabinet" x, y). Train:
/// x in [0.62, 0.66], |y| <= 0.10. Held out: x in [0.615, 0.64], 0.15 <= |y| <= 0.22, disjoint from
/// train by construction. With the yaw sets below, every corner of the carcass, of the fully open
/// drawer and of the handle stays within x in [0.25, 0.80], |y| <= 0.46, and the handle (closed
/// and fully open) and the cabinet's centre within 0.72 m of the robot base (the test checks
/// this over 500 samples per split; the back corners, which the arm never needs to reach, lie up
/// to 0.8 m away).
variation::Region open_drawer_train_region();
variation::Region open_drawer_heldout_region();
/// Yaw offset of the cabinet (rad) from facing the robot base: the cabinet's yaw (Placement
/// yaw_rad, about world z) is atan2(y, x) + offset, so offset 0 pulls the drawer straight towards
/// the base. Train: [-0.12, 0.12]; held out: [-0.30, -0.20] U [0.20, 0.30].
variation::IntervalSet open_drawer_train_yaw_offset();
variation::IntervalSet open_drawer_heldout_yaw_offset();
/// The yaw offset of a placement: yaw_rad - atan2(y, x), wrapped to (-pi, pi].
double open_drawer_yaw_offset(const Placement& p);

}  // namespace wambench
