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

}  // namespace wambench
