#include "tasks/staged_expert.h"

#include <stdexcept>
#include <string>

namespace wambench {

Action StagedExpert::act(const Env& env, PhaseLabel* phase) {
  if (stages_.empty()) throw std::logic_error("StagedExpert::act: the expert set no stages");
  observe(env);
  ++steps_in_stage_;
  const Stage& s = stages_[stage_];
  const Target target = s.target(env, steps_in_stage_);
  Action a = servo_action(env, target.pos_m, target.rot, s.gripper);
  if (s.adjust) s.adjust(env, target, &a);
  *phase = s.phase;
  if (s.exit) {
    const int next = s.exit(env, steps_in_stage_);
    if (next != kStay) {
      if (next < 0 || next >= static_cast<int>(stages_.size())) {
        throw std::logic_error("StagedExpert: stage " + std::to_string(stage_) + " exits to stage " +
                               std::to_string(next) + "; valid: 0.." + std::to_string(stages_.size() - 1) +
                               " or kStay");
      }
      stage_ = next;
      steps_in_stage_ = 0;
      on_transition(next);
    }
  }
  add_action_noise(&a, noise_std_, rng_);
  return a;
}

StagedExpert::Stage StagedExpert::reach_above_stage(std::function<Eigen::Vector3d(const Env& env)> above,
                                                     std::function<double()> yaw, double rot_tol_rad, int next,
                                                     std::function<void(const Env& env, int steps)> plan) {
  Stage s;
  s.phase = {CoarsePhase::kTransit, "reach"};
  s.gripper = -1;
  s.target = [above, yaw, plan](const Env& env, int steps) {
    if (plan) plan(env, steps);
    return Target{above(env), ee_down_rotation(yaw())};
  };
  s.exit = [above, yaw, rot_tol_rad, next](const Env& env, int steps) {
    const Eigen::Vector3d target = above(env);
    return (ee_position_error(env, target) < 0.012 && ee_rotation_error(env, ee_down_rotation(yaw())) < rot_tol_rad) ||
                   steps > 40
               ? next
               : kStay;
  };
  return s;
}

StagedExpert::Stage StagedExpert::hold_stage(PhaseLabel phase, double gripper, std::function<Target()> hold, int steps,
                                             int next) {
  Stage s;
  s.phase = std::move(phase);
  s.gripper = gripper;
  s.target = [hold](const Env&, int) { return hold(); };
  s.exit = [steps, next](const Env&, int in_stage) { return in_stage >= steps ? next : kStay; };
  return s;
}

}  // namespace wambench
