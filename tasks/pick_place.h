// pick_place: pick the object and put it in the bowl / on the plate.
//
// Roles: "object" (train: cube, can, mug, bottle; held out: banana, duck, hammer, apple) and
// "container" (bowl or plate, both splits). Success: the object rests inside the container (base
// centre within the container's free floor, low, still), the gripper open and away, held 0.5 s.
// Sub-goals: reached, grasped, lifted, over_target, placed.
// Object state (Task::object_state, world frame): [object body origin x, y, z (m; the centre of
// its base), sin / cos of n * object yaw with n = 2 pi / ObjectCategory::grasp_symmetry_rad (cube
// pi/2 -> n = 4; mug, banana, duck, hammer pi -> n = 2; can, bottle, apple: (0, 1)), container
// origin x, y, z (m; base centre on the table), (0, 1) (bowl and plate are round)].
// Phase labels (Task::phase_from_state of the state a step ends in; tasks/phase_labeller.h also
// removes one-step flickers).
// "Held" = both finger pads touch the object. Interaction:
//   - held, the object's origin within the container's footprint radius horizontally and less than
//     kPickPlacePlaceZoneHeightM = 5 cm above its rim: "place";
//   - held, the object's origin below kPickPlaceLiftZoneHeightM = 5 cm: "lift" ("grasp" while it still
//     rests on the table, origin z <= 5 mm);
//   - not held, a finger touching the object, or the TCP within kPhaseNearEnterM = 6 cm of the
//     object's grasp point (ObjectCategory grasp_x_m / grasp_z_m; leaving beyond 7.5 cm): "grasp",
//     or "release" once the object rests in the container (origin within its free floor radius,
//     below its rim).
// Transit otherwise: "move" while held, "reach" before the object is in the container, "retreat"
// after. Carrying the object between table and container at height is transit, as the expert
// plans it.
#pragma once

#include <memory>

#include "tasks/task.h"

namespace wambench {

/// Phase labels: a held object counts as being placed below this height above the container's
/// rim (m), and as being lifted off the table below this origin height (m).
inline constexpr double kPickPlacePlaceZoneHeightM = 0.05;
inline constexpr double kPickPlaceLiftZoneHeightM = 0.05;

/// Position regions (world frame, m) of pick_place. Held-out region: side bands beyond the train
/// region, disjoint by construction, all within 0.72 m of the robot base (reachable).
variation::Region pick_place_train_region();
variation::Region pick_place_heldout_region();

}  // namespace wambench
