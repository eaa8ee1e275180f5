// press_button: press a small spring-loaded button until it clicks, then let go.
//
// Scene: one button fixture per cap shape, each a static housing (a box or a cylinder, 30 mm tall;
// the episode shows one of the two) with a cap on a vertical slide joint. Only the episode's button
// is on the table; the others are parked below the floor with collisions off.
//
// Mechanics (cap joint "<button>_press", qpos = cap displacement along world z, m, 0 = at rest):
//   travel 12 mm (range [-0.012, 0]), spring stiffness 250 N/m with springref +0.012 m, so the cap
//   rests against its upper stop with a 3 N preload and needs 6 N at full travel (typical of small
//   panel push buttons, 1-10 N); damping 2 N s/m. The button "clicks" when the cap is pushed past
//   the click depth, 8 mm (2/3 of the travel), like a tactile switch whose snap point lies inside
//   its stroke.
//
// Success (the design choice documented here): "clicked, then released". A latch inside the task
// records that the cap went past the click depth (sampled once per control step, after the step;
// reset at every episode start). The success condition is: the latch is set AND the gripper has
// let go (no robot geom touches the cap) AND the cap has sprung back to within 3 mm of its rest
// position. Task::update requires the condition to hold for 0.5 s (Task::kSuccessDwellS), i.e. the
// robot must stay off the button for 0.5 s after the click. Pressing and keeping the button down
// is therefore not yet success; touching the cap without reaching the click depth, resting the
// gripper beside the button or pushing on the housing never sets the latch.
//
// Roles: "button" (the cap shape, instruction noun + colour) and "housing" (box / cylinder,
// colour; the same two housings in every split). Cap shapes:
//   train:    round (cylinder, 40 mm across), square (36 mm square);
//   held out: mushroom (wide dome, 64 mm across, on a stem), plunger (tall cylindrical push rod,
//             18 mm across, 42 mm above the housing), hexagonal (hexagonal prism, 36 mm across
//             flats).
// Instruction: "press the <colour> <shape> button", e.g. "press the red round button".
// Sub-goals: reached (TCP above the cap), touched (robot touches the cap), clicked (latch set),
// released (success condition).
// Indicator: the bezel ring around the cap (12 mm wide, 0.8 mm thick, on the housing's top) is dark
// (rgba 0.3 0.3 0.32) until the latch is set, then lit green (0.15 0.95 0.3) until the episode
// ends, as on an illuminated latching push button.
// It makes the latch visible in both cameras: without it, the states before the press (descend)
// and after it (lift off) look the same, and a policy cannot tell which way to move.
// Object state (Task::object_state, world frame): [cap body origin x, y, z (m; on the housing's
// top face on the cap's axis at rest, lower by the press depth when pressed), sin / cos of n * cap
// yaw with n = 2 pi / ButtonCap::symmetry_rad ((0, 1) for round caps), housing origin x, y, z (m;
// button centre on the table), sin / cos of n' * housing yaw (box n' = 4, cylinder (0, 1)),
// indicator (1 lit, 0 dark)].
// Phase labels (Task::phase_from_state of the state a step ends in; tasks/phase_labeller.h also
// removes one-step flickers).
// Interaction while a robot geom touches the cap, or while the TCP is within
// kPressButtonPressZoneRadiusM = 4 cm of the cap's axis horizontally with the finger pads' lower
// faces (7 mm below the TCP) less than kPressButtonPressZoneEnterM = 4 cm above the cap's top at
// rest (leaving above 5 cm): "press" until the button has clicked (the latch), "release" after.
// Transit otherwise: "reach" before the click, "retreat" after.
#pragma once

#include <string>
#include <vector>

#include "tasks/task.h"

namespace wambench {

/// Height of the housing's top face above the table (m).
inline constexpr double kPressButtonHousingHeightM = 0.03;
/// Half width of the box housing / radius of the cylinder housing (m).
inline constexpr double kPressButtonHousingHalfWidthM = 0.045;
/// Cap travel (m) and the depth past which the button clicks (m).
inline constexpr double kPressButtonTravelM = 0.012;
inline constexpr double kPressButtonClickDepthM = 0.008;
/// The cap counts as sprung back (released) within this depth (m).
inline constexpr double kPressButtonReleasedDepthM = 0.003;

/// Phase labels: the press zone above the cap (m): horizontal radius of the TCP around the cap's
/// axis, and the height of the finger pads above the cap's top at rest at which the robot enters
/// it / leaves it again.
inline constexpr double kPressButtonPressZoneRadiusM = 0.04;
inline constexpr double kPressButtonPressZoneEnterM = 0.04;
inline constexpr double kPressButtonPressZoneExitM = 0.05;

/// A cap shape of press_button.
struct ButtonCap {
  std::string name;       ///< the instruction word, e.g. "round" (also ObjectChoice::category)
  /// Geoms of the cap body in its frame (origin on the housing's top face, on the cap's axis, at
  /// rest; z up). "{B}" is replaced by the cap body's name. Geoms named "{B}_accent*" keep their
  /// colour; the others take the episode's colour.
  std::string geoms_xml;
  double top_m = 0;       ///< height of the cap's top above the housing's top face at rest (m)
  double radius_m = 0;    ///< circumscribed radius of the cap's footprint (m)
  /// Rotational symmetry of the cap about its axis (rad): 0 = any yaw (round, mushroom, plunger),
  /// pi/2 square, pi/3 hexagonal. Used by Task::object_state().
  double symmetry_rad = 0;
};

/// Train caps: round, square.
const std::vector<ButtonCap>& press_button_train_caps();
/// Held-out caps, disjoint from train: mushroom, plunger, hexagonal.
const std::vector<ButtonCap>& press_button_heldout_caps();
/// Cap by name (train or held out). @throws std::invalid_argument listing the names.
const ButtonCap& press_button_find_cap(const std::string& name);
/// Housing shapes (both splits): box, cylinder.
const std::vector<std::string>& press_button_housings();

/// Position regions (world frame, m) of the button's centre. Train: x in [0.40, 0.62],
/// |y| <= 0.20. Held out: side bands x in [0.32, 0.62], 0.26 <= |y| <= 0.36, disjoint from train
/// by construction; with the housing's footprint (radius 0.064 m) every button stays within
/// x in [0.25, 0.80], |y| <= 0.46, and its centre within 0.72 m of the robot base.
variation::Region press_button_train_region();
variation::Region press_button_heldout_region();
/// Housing yaw (rad, about world z). Train: [-0.35, 0.35]; held out: [-0.785, -0.45] U
/// [0.45, 0.785]. Disjoint also modulo the box housing's 90-degree symmetry.
variation::IntervalSet press_button_train_yaw();
variation::IntervalSet press_button_heldout_yaw();

}  // namespace wambench
