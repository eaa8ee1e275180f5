// A library of recognizable object categories built from MuJoCo primitives, for the object
// semantics axis, and containers. Every category is a free body whose origin is the centre of its
// base (resting on the table means origin z = 0) with +x along the object's long axis.
#pragma once

#include <string>
#include <vector>

#include "tasks/mjcf.h"

namespace wambench {

/// A graspable object category.
struct ObjectCategory {
  std::string name;   ///< the instruction noun, e.g. "mug"
  /// Geoms of the body as MJCF; "{B}" is replaced by the body name. Geoms named "{B}_accent*" keep
  /// their colour; every other geom takes the episode's sampled colour.
  std::string geoms_xml;
  double grasp_x_m = 0;      ///< grasp point in the body frame (m): x
  double grasp_z_m = 0;      ///< height of the tool centre point at the grasp (m above the base);
                             ///< the palm is 0.041 m above the TCP, so grasp_z_m >= height_m - 0.035
                             ///< keeps the hand clear of the object's top
  double grasp_yaw_rad = 0;  ///< hand yaw relative to the body's yaw at the grasp (fingers close along
                             ///< the hand's y axis, so 0 closes across the object's y extent)
  /// Yaw symmetry of the grasp (rad): hand yaws body yaw + grasp_yaw_rad + k * grasp_symmetry_rad
  /// (k integer) grasp the object the same way, on top of the parallel gripper's own half-turn
  /// symmetry. pi: no symmetry beyond the gripper's (the shape's yaw is visible, e.g. a mug's
  /// handle); pi/2: a square cross-section (cube); 0: symmetric under every yaw (cylinder, sphere),
  /// so any hand yaw works and the expert keeps the arm's natural yaw. Also the symmetry that
  /// pick_place's Task::object_state() encodes (n = 2 pi / symmetry, or (0, 1) for 0).
  double grasp_symmetry_rad = 0;
  double grasp_width_m = 0;  ///< object width between the fingers at the grasp (m), < 0.08
  double radius_m = 0;       ///< footprint radius for non-overlapping placement (m)
  double height_m = 0;       ///< overall height above the base (m)
};

/// Appends to `parent` the free body of `category` named `body` at (0, 0, 0) (its free joint
/// "<body>_joint", class "object" geoms) and returns the body element.
/// @throws std::invalid_argument if the category's geoms_xml is not well-formed XML.
mjcf::Element add_object_body(mjcf::Element parent, const ObjectCategory& category, const std::string& body);

/// Category by name from a list. @throws std::invalid_argument listing the names.
const ObjectCategory& find_category(const std::vector<ObjectCategory>& categories, const std::string& name);

/// pick_place train categories: cube, can, mug, bottle.
const std::vector<ObjectCategory>& pick_place_train_objects();
/// pick_place held-out categories, disjoint from train: banana, duck, hammer, apple.
const std::vector<ObjectCategory>& pick_place_heldout_objects();

/// An open container built from a base disc and a ring of wall segments (a static body).
struct ContainerSpec {
  std::string name;          ///< "bowl" or "plate"
  double inner_radius_m;     ///< radius of the free floor inside the wall (m)
  double wall_height_m;      ///< rim height above the table (m)
  double outer_radius_m;     ///< footprint radius (m)
};
const std::vector<ContainerSpec>& containers();
const ContainerSpec& find_container(const std::string& name);
/// Appends to `parent` the static body of a container named `body` at (0, 0, 0): a base disc
/// "<body>_base" and wall boxes "<body>_wall<k>" (14 for a bowl, 18 for a plate), class "fixture";
/// they take the sampled colour. Returns the body element.
mjcf::Element add_container_body(mjcf::Element parent, const ContainerSpec& spec, const std::string& body);

/// Shared MJCF defaults for task objects: one <default> element with class "object" (collides
/// with world, robot and objects; density 500 kg/m^3; torsional friction so grasps hold) and class
/// "fixture" (static parts). Add once to the task's TaskScene::defaults.
mjcf::Fragment object_defaults();

}  // namespace wambench
