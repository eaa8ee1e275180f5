// The task interface: scene, variation, success / progress / phase, scripted expert.
//
// A task reads like a dm_control composer task (STYLE.md): build scene -> sample variation ->
// apply it (model fields, initial state) -> success / progress each control step -> expert.
#pragma once

#include <array>
#include <initializer_list>
#include <stdexcept>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <Eigen/Dense>
#include <mujoco/mujoco.h>
#include <nlohmann/json.hpp>

#include "sim/env.h"
#include "sim/phase.h"
#include "sim/privileged.h"
#include "tasks/background.h"
#include "tasks/mjcf.h"
#include "tasks/split.h"
#include "tasks/variation.h"
#include "tasks/variation_space.h"

namespace wambench {

/// The semantic choice for one role of a task (e.g. role "object" = a red mug).
struct ObjectChoice {
  std::string role;        ///< task-defined role: "object", "container", "handle", ...
  std::string category;    ///< category / shape name, e.g. "mug", "bar_handle"
  std::string color_name;  ///< palette name used in the instruction, e.g. "red"
  variation::Rgb rgb{};    ///< sampled colour
};

/// Where one role starts on the table.
struct Placement {
  std::string role;
  double x_m = 0, y_m = 0;  ///< world frame (m)
  double yaw_rad = 0;       ///< rotation about world z (rad)
};

/// Everything sampled at episode initialization. Episode `index` of (task, split) is fully
/// determined by (base_seed, task, split, index); applying the same Variation gives the same
/// initial state on every machine.
struct Variation {
  std::string task;
  std::string split;
  uint64_t base_seed = 0;
  int64_t index = 0;
  uint64_t seed = 0;  ///< episode_seed(base_seed, task, split, index)
  BackgroundVariation background;
  std::vector<ObjectChoice> objects;
  std::vector<Placement> placements;
  std::string instruction;  ///< plain-text instruction naming the objects

  const ObjectChoice& object(const std::string& role) const;
  const Placement& placement(const std::string& role) const;
};

nlohmann::json to_json(const Variation& v);
/// @throws nlohmann::json::exception naming the missing / mistyped field.
Variation variation_from_json(const nlohmann::json& j);

/// Success and progress of the current episode.
struct TaskStatus {
  bool success = false;        ///< latched: the success condition held for kSuccessDwellS of sim time
  bool condition = false;      ///< the success condition holds at this step
  double condition_held_s = 0; ///< how long the condition has held continuously (s)
  int progress = 0;            ///< furthest sub-goal reached: 0 = none, k = subgoals()[k-1]
  std::string progress_name = "none";
};

class Task;

/// Random streams of one episode, one per variation axis (see Task::sample_variation).
struct AxisStreams {
  Rng background;
  Rng position;
  Rng object;
};

/// A privileged-state scripted expert for one episode (the `scripted` policy, the oracle row).
class Expert {
 public:
  virtual ~Expert() = default;
  /// Next action given the simulator state; writes the phase label of the stage its plan is in
  /// (the "expert plan" series; the benchmark judges policies with Task::phase_from_state instead).
  virtual Action act(const Env& env, PhaseLabel* phase) = 0;
};

/// Task-specific MJCF fragments (built with tasks/mjcf.h), composed with the arena, backgrounds and
/// robot by compose_scene().
struct TaskScene {
  mjcf::Fragment defaults;   ///< <default> elements
  mjcf::Fragment assets;     ///< children of <asset>
  mjcf::Fragment worldbody;  ///< children of <worldbody>
  mjcf::Fragment extra;      ///< other top-level sections (<equality>, <contact>, ...)
};

/// Full MJCF document as text: <mujoco model="`model_name`"> with the compiler / option / size
/// settings, includes of arena.xml, backgrounds.xml and robot/panda.xml (resolved relative to
/// asset_dir()), then the scene's defaults, <asset>, <worldbody> and extra sections in that order.
std::string compose_scene(const std::string& model_name, const TaskScene& scene);

/// Where a task's target stands in an episode: the start placement of the role the task's goal
/// refers to (the container to place into, the block to stack on, the cabinet to open, ...), the
/// point a viewer marks on the table.
struct TargetRegion {
  std::string role;              ///< the role of Variation::placements it comes from, e.g. "container"
  Eigen::Vector3d p_W{0, 0, 0};  ///< that role's start (x, y) on the table top, z = 0 (world frame, m)
};

/// Near miss: a named state, set on a freshly applied episode, that must NOT count as success
/// (e.g. the object resting just outside the container). The conformance suite sets each one and
/// checks the task's success condition stays false.
struct NearMiss {
  std::string name;  ///< what the state is, e.g. "object 2 cm outside the bowl rim"
  /// Writes the state into `data` (qpos, qvel) and, where the state needs it, into `model` (the
  /// episode's own, e.g. a fixture's body_pos). Called on an applied episode after mj_forward
  /// (xpos valid); the caller runs mj_forward afterwards.
  std::function<void(mjModel* model, mjData* data)> set_state;
};

/// Base class of the six tasks.
class Task {
 public:
  /// How long the success condition must hold (s of sim time) before success is declared.
  static constexpr double kSuccessDwellS = 0.5;

  virtual ~Task() = default;
  virtual std::string name() const = 0;
  virtual TaskScene scene() const = 0;
  /// Sub-goals in order, e.g. {"reached", "grasped", "lifted", "over_target", "placed"}.
  virtual const std::vector<std::string>& subgoals() const = 0;
  /// Maximum control steps of an episode.
  virtual int horizon_steps() const = 0;

  /// Resolves ids in the compiled scene. Call once after compiling scene(). Overrides must call
  /// Task::bind first.
  virtual void bind(const mjModel* model);

  /// The task's variation space: per axis, its train and held-out distributions. The same object
  /// for the task's lifetime.
  virtual const VariationSpace& variation_space() const = 0;

  /// The role of Variation::placements whose start marks the task's target (see TargetRegion).
  virtual std::string target_role() const = 0;

  /// The target of episode `v` (world frame, m): the start placement of target_role().
  /// @throws std::invalid_argument if `v` is for another task or has no placement of that role.
  TargetRegion target_region(const Variation& v) const;

  /// States of an applied episode that must not count as success, declared next to the success
  /// predicate. Default: none.
  virtual std::vector<NearMiss> near_misses() const { return {}; }

  /// Samples the variation of episode `index` of `split`: the background from the distribution
  /// split_draws(split) picks in variation_space(), then the task's object and position axes.
  /// Each axis has its own random stream, shared by episode `index` of every split; a split only
  /// decides which distribution (train or held out) each axis is drawn from. Variation::seed, unique per
  /// (base_seed, task, split, index), seeds everything else of the episode (e.g. expert noise).
  Variation sample_variation(Split split, uint64_t base_seed, int64_t index) const;

  /// Applies a variation: model fields (background, colours, fixture poses) and the objects'
  /// initial state. `data` is already reset with the arm in its ready pose. Resets the status.
  void apply(const Variation& v, mjModel* model, mjData* data);

  /// Called after every control step: latches success, tracks progress, task upkeep (which may
  /// change the episode's model, e.g. a latched indicator's colour).
  void update(mjModel* model, mjData* data, double control_period_s);

  const TaskStatus& status() const { return status_; }

  /// Privileged object state for state-based policies (`bc_state`) and encoder probes, world frame:
  /// [object x, y, z (m), sin(n yaw), cos(n yaw), target x, y, z (m), sin(n' yaw'), cos(n' yaw')],
  /// where "object" is what the robot manipulates (pick_place: the object; stack_blocks: the top
  /// block; open_drawer: the handle; peg_insert: the peg; press_button: the button cap; pour: the
  /// cup) and "target" where it goes (container; bottom block; the handle's position with the
  /// drawer closed; the hole; the button housing; the bowl). Positions are body origins (documented
  /// per task in tasks/<task>.h); yaws are the bodies' x-axis yaws about world z (body_yaw). Yaw
  /// enters as sin / cos of n * yaw with n = 2 pi / (the shape's rotational symmetry as the gripper
  /// sees it, <= pi; symmetric_yaw_sincos), so poses that look the same give the same numbers; a
  /// shape symmetric under every yaw gives (0, 1). Element 10 is the task's visible latch
  /// indicator: 1 while it is lit (press_button: the bezel ring lights up once the button has
  /// clicked, as on an illuminated latching push button), 0 otherwise and for tasks without one. It
  /// makes "already done" visible, so a state-based policy can tell pressing from leaving.
  /// Valid after apply(); pure (reads the task's latches and `data` only).
  virtual std::array<double, kObjectStateDim> object_state(const mjModel* model, const mjData* data) const = 0;

  /// Sets the indicators the task lights from its latches (press_button's bezel) as sub-goal
  /// progress `progress` (0..subgoals().size()) implies, in the episode's `model`. For viewers that
  /// show recorded states out of order (the latches follow the history, not the state shown).
  /// Default: nothing (no indicators).
  virtual void show_progress_indicators(mjModel* /*model*/, int /*progress*/) const {}

  /// A scripted expert for the episode; `noise_std` adds N(0, noise_std^2) to each action
  /// component (clipped), drawn from an Rng seeded with `seed`.
  virtual std::unique_ptr<Expert> make_expert(const Variation& v, double noise_std, uint64_t seed) const = 0;

  /// The phase of the current simulator state, declared by the task next to its success predicate
  /// (DESIGN.md "tasks/"): `interaction` while the robot is in the task's interaction region or
  /// contact state (fingers on or within a few cm of what it must grasp or push, an object held
  /// near its start or its goal, a tilted cup), `transit` otherwise (free-space motion, also while
  /// carrying an object between its start and its goal, as the scripted experts plan it), with the
  /// fine label the state tells (reach, grasp, lift, move, place, release, retreat, pull, align,
  /// insert, press, tilt, pour). Each task documents its definition and thresholds (SI units) in
  /// tasks/<task>.h. `previous` is the label given to the previous control step of the episode (a
  /// default PhaseLabel, transit "reach", at the first one); tasks widen their exit thresholds
  /// with it (spatial hysteresis). Reads the simulator state and the task's latches only, never a
  /// policy's or an expert's intent, so the labels follow whatever policy acts. PhaseLabeller
  /// (tasks/phase_labeller.h) turns it into the per-step series with a temporal hysteresis.
  /// Valid after apply().
  virtual PhaseLabel phase_from_state(const mjModel* model, const mjData* data, const PhaseLabel& previous) const = 0;

 protected:
  /// Samples the task's position and object axes into `v` (objects, placements, instruction):
  /// object choices (categories, colours) from streams.object, placements from streams.position,
  /// each from the distribution of variation_space() that `draws` picks for its axis.
  virtual void sample_task_variation(const SplitDraws& draws, AxisStreams& streams, Variation* v) const = 0;
  /// Writes the task's part of the variation into the model and the initial state.
  virtual void apply_task_variation(const Variation& v, mjModel* model, mjData* data) = 0;
  /// True while the success condition holds (before the dwell time).
  virtual bool success_condition(const mjModel* model, const mjData* data) const = 0;
  /// Sub-goals reached at this step (0..subgoals().size()); the status keeps the maximum.
  virtual int progress_now(const mjModel* model, const mjData* data) const = 0;
  /// Upkeep after each control step (e.g. re-pinning parked objects, lighting an indicator by
  /// changing its geom_rgba in the episode's own model). Default: nothing.
  virtual void after_step(mjModel* /*model*/, mjData* /*data*/) {}

 private:
  std::unique_ptr<BackgroundBinding> background_;
  TaskStatus status_;
};

// ------------------------------------------------------------------------------------------------
// Building blocks shared by tasks.

/// Candidate free bodies for one role, one per category; the episode's category is placed, the
/// others are parked out of sight (below the floor, collisions off) and re-pinned every step.
class FreeBodyPool {
 public:
  FreeBodyPool() = default;
  /// `bodies` are body names with a free joint named "<body>_joint".
  void bind(const mjModel* model, const std::vector<std::string>& bodies);
  /// Activates `body` at pose (x, y, z, yaw) and parks all others. Sets qpos/qvel and, in the model,
  /// contype/conaffinity (restored for the active body) and the colour of its non-accent geoms.
  void activate(const std::string& body, const std::array<double, 4>& xyz_yaw, const variation::Rgb& rgb,
                mjModel* model, mjData* data);
  /// Holds parked bodies in place (call after each control step).
  void pin_parked(mjData* data) const;
  /// Body id of the active body (-1 if none).
  int active_body() const { return active_; }

 private:
  struct Entry {
    std::string name;
    int body = -1, qpos = -1, dof = -1;
    std::vector<int> geoms;
    std::vector<int> contype, conaffinity;
    std::array<double, 3> park{};
  };
  static void park(const Entry& e, mjData* data);  // parking pose, zero velocity

  std::vector<Entry> entries_;
  int active_ = -1;
};

/// Sets the colour of every geom of `body` whose name does not contain "_accent".
void set_body_color(mjModel* model, int body, const variation::Rgb& rgb);

/// Contacts of the gripper's finger pads (geoms "left_finger_geom" / "right_finger_geom" of
/// assets/robot/panda.xml) with a body, from the current contact list.
class FingerContacts {
 public:
  /// Resolves the finger geoms. @throws ModelLoadError if the model has no Panda hand.
  void bind(const mjModel* model);
  /// Which fingers touch `body`.
  void contacts(const mjModel* model, const mjData* data, int body, bool* left, bool* right) const;
  /// True if at least one finger touches `body`.
  bool touches(const mjModel* model, const mjData* data, int body) const;
  /// True if both fingers touch `body` (it is pinched between them).
  bool both_touch(const mjModel* model, const mjData* data, int body) const;

 private:
  int left_ = -1, right_ = -1;
};

/// True if any geom of the robot (the kinematic tree whose root body is `robot_root`, e.g.
/// model->body_rootid of body "link0") is in contact with a geom of `body` in `data`'s contacts.
bool robot_touches_body(const mjModel* model, const mjData* data, int robot_root, int body);

/// The entry named `name` among `lists` (e.g. a task's train and held-out shape lists; entries
/// have a `name` field). @throws std::invalid_argument "unknown <what> '<name>'; valid: a, b, ...".
template <typename T>
const T& find_by_name(std::initializer_list<const std::vector<T>*> lists, const std::string& name,
                      const std::string& what) {
  std::string valid;
  for (const std::vector<T>* list : lists) {
    for (const T& entry : *list) {
      if (entry.name == name) return entry;
      valid += (valid.empty() ? "" : ", ") + entry.name;
    }
  }
  throw std::invalid_argument("unknown " + what + " '" + name + "'; valid: " + valid);
}

/// Position (world, m) of a body / its orientation as a rotation matrix.
Eigen::Vector3d body_pos(const mjData* data, int body);
Eigen::Matrix3d body_rot(const mjData* data, int body);
/// Yaw of a body's x axis about world z (rad).
double body_yaw(const mjData* data, int body);

// ------------------------------------------------------------------------------------------------
// Expert helpers.

/// EE orientation pointing straight down with the fingers closing along the direction `yaw_rad`
/// + pi/2 (yaw 0 = the ready pose's orientation: hand x along world +x, fingers along world y).
Eigen::Matrix3d ee_down_rotation(double yaw_rad);

/// Wraps a hand yaw into (-pi/2, pi/2] (a parallel gripper is symmetric under pi).
double wrap_grasp_yaw(double yaw_rad);

/// The hand yaw the arm reaches most comfortably over table point (x, y): atan2(y, x), i.e. the
/// ready pose's yaw turned with joint 1 (joint 7 stays mid-range).
double natural_yaw(double x_m, double y_m);

/// The equivalent hand yaw `yaw_rad + k pi` (parallel gripper symmetry) closest to `reference_rad`.
double closest_grasp_yaw(double yaw_rad, double reference_rad);

/// The yaw equivalent to `yaw_rad` under a rotational symmetry of `symmetry_rad` (i.e. one of
/// yaw_rad + k * symmetry_rad, k integer) that is closest to `reference_rad`, computed as
/// reference_rad + (yaw_rad - reference_rad wrapped into (-symmetry_rad / 2, symmetry_rad / 2]).
/// symmetry_rad <= 0 means symmetric under every yaw: returns `reference_rad` itself. Used for
/// hand yaws over symmetric objects (pick_place, stack_blocks, peg_insert) and for peg-in-hole
/// yaws. Radians throughout; the result is not wrapped to (-pi, pi].
double closest_symmetric_yaw(double yaw_rad, double symmetry_rad, double reference_rad);

/// sin / cos of n * yaw_rad with n = 2 pi / symmetry_rad, the yaw encoding of
/// Task::object_state(): equal for yaws that differ by a multiple of `symmetry_rad`. Returns
/// (0, 1) for symmetry_rad <= 0 (symmetric under every yaw).
std::array<double, 2> symmetric_yaw_sincos(double yaw_rad, double symmetry_rad);

/// One proportional servo action towards an EE pose: the remaining error, saturated at the
/// per-step maxima, and the gripper command (-1 open .. +1 closed).
Action servo_action(const Env& env, const Eigen::Vector3d& target_pos, const Eigen::Matrix3d& target_rot,
                    double gripper);

/// Packs Task::object_state(): [object x, y, z (m), symmetric_yaw_sincos(object_yaw_rad,
/// object_symmetry_rad), target x, y, z (m), symmetric_yaw_sincos(target_yaw_rad,
/// target_symmetry_rad), indicator (0 or 1)], world frame.
std::array<double, kObjectStateDim> pack_object_state(const Eigen::Vector3d& object_pos_m, double object_yaw_rad,
                                                      double object_symmetry_rad, const Eigen::Vector3d& target_pos_m,
                                                      double target_yaw_rad, double target_symmetry_rad,
                                                      double indicator = 0.0);

/// True once the gripper's rate-limited finger target (ArmController::gripper_target_opening_m)
/// has reached fully closed, 0 m: the fingers rest on whatever is between them and squeeze it with
/// the actuator's full (70 N-limited) force. At 0.1 m/s the full stroke takes 0.8 s, so experts
/// wait for this, not for a fixed number of steps, before lifting.
bool gripper_close_finished(const Env& env);

/// Distance (m) and rotation angle (rad) from the EE to a target pose.
double ee_position_error(const Env& env, const Eigen::Vector3d& target_pos);
double ee_rotation_error(const Env& env, const Eigen::Matrix3d& target_rot);

/// Adds N(0, std^2) noise to the six motion components of an action and clips to [-1, 1].
void add_action_noise(Action* a, double noise_std, Rng& rng);

/// The instruction's colour + noun, e.g. "red mug".
std::string describe(const ObjectChoice& choice);

/// Samples a colour from the object palette: returns (name, rgb).
std::pair<std::string, variation::Rgb> sample_palette_color(Rng& rng);

}  // namespace wambench
