// A scripted expert as a table of stages, shared by every task's expert.
//
// Each stage names the EE target it servoes to (a function of the state), the gripper command,
// the phase label it reports and its exit condition (the stage to go to next). The controller
// does the common part of every step: servo towards the target with the controller's gains and
// per-step limits (servo_action), the stage's optional action adjustment (e.g. a slower descent),
// the phase label, the transition, then the action noise.
#pragma once

#include <cstdint>
#include <functional>
#include <utility>
#include <vector>

#include <Eigen/Dense>

#include "sim/random.h"
#include "tasks/task.h"

namespace wambench {

/// Base class of the tasks' scripted experts: a derived expert computes the per-step quantities in
/// observe() and declares its stages with set_stages(); act() runs the table.
class StagedExpert : public Expert {
 public:
  /// Returned by a stage's exit condition: stay in the stage.
  static constexpr int kStay = -1;

  /// An EE target pose: position (world frame, m) and orientation (world frame rotation matrix).
  struct Target {
    Eigen::Vector3d pos_m;
    Eigen::Matrix3d rot;
  };

  /// One row of the table. `steps` is the number of act() calls in this stage so far, counting the
  /// current one (1 on the stage's first step).
  struct Stage {
    /// Phase label the expert reports while in this stage (the "expert plan" series).
    PhaseLabel phase;
    /// Gripper command: -1 open .. +1 closed.
    double gripper = -1;
    /// EE target of this step. May update the expert's plan state (e.g. a hand yaw it keeps).
    std::function<Target(const Env& env, int steps)> target;
    /// Optional change to the servo action after it is computed (e.g. clamp the vertical
    /// component to press slowly); receives this step's target.
    std::function<void(const Env& env, const Target& target, Action* action)> adjust;
    /// Index of the next stage once this one is done, or kStay; empty: the stage never ends.
    /// Evaluated after the action; may record plan state for later stages (e.g. the grasp).
    std::function<int(const Env& env, int steps)> exit;
  };

  /// The action of one control step (see the file comment for the order of its parts) and the
  /// current stage's phase label.
  /// @throws std::logic_error if no stages were set or an exit condition names no stage.
  Action act(const Env& env, PhaseLabel* phase) final;

  /// Index of the current stage in the table.
  int stage() const { return stage_; }

 protected:
  /// `noise_std`: standard deviation of the N(0, std^2) noise added to the six motion components
  /// (add_action_noise); `seed` seeds its random stream.
  StagedExpert(double noise_std, uint64_t seed) : noise_std_(noise_std), rng_(seed) {}

  /// The table; the expert starts in stage 0.
  void set_stages(std::vector<Stage> stages) { stages_ = std::move(stages); }

  /// Called first in every act(), before the stage functions: computes the quantities of this step
  /// that they read (object poses, the EE position, ...).
  virtual void observe(const Env& env) = 0;

  /// Called after every transition, with the stage entered (e.g. to reset per-attempt counters).
  virtual void on_transition(int /*to*/) {}

  /// The stage every grasping expert starts with: gripper open, phase (transit, "reach"), servo to
  /// `above(env)` with the hand pointing down at `yaw()` (ee_down_rotation); go to `next` once the EE
  /// is within 0.012 m of that point and `rot_tol_rad` of that orientation (ee_position_error,
  /// ee_rotation_error, recomputed after the step), or after 40 steps. `plan` (optional) runs first
  /// in every step's target (e.g. to choose the grasp yaw). Give `above` an explicit
  /// `-> Eigen::Vector3d` return type: an Eigen expression returned from a lambda refers to the
  /// lambda's own temporaries.
  static Stage reach_above_stage(std::function<Eigen::Vector3d(const Env& env)> above, std::function<double()> yaw,
                                 double rot_tol_rad, int next,
                                 std::function<void(const Env& env, int steps)> plan = nullptr);
  /// A stage that holds `hold()` with gripper command `gripper` for `steps` steps, then goes to
  /// `next` (e.g. releasing the object before retreating).
  static Stage hold_stage(PhaseLabel phase, double gripper, std::function<Target()> hold, int steps, int next);

 private:
  std::vector<Stage> stages_;
  double noise_std_;
  Rng rng_;
  int stage_ = 0;
  int steps_in_stage_ = 0;
};

}  // namespace wambench
