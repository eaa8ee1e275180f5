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
#pragma once

#include <memory>

#include "tasks/task.h"

namespace wambench {

/// Position regions (world frame, m) of pick_place. Held-out region: side bands beyond the train
/// region, disjoint by construction, all within 0.72 m of the robot base (reachable).
variation::Region pick_place_train_region();
variation::Region pick_place_heldout_region();

}  // namespace wambench
