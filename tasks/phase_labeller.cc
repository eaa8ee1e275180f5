#include "tasks/phase_labeller.h"

#include <stdexcept>

namespace wambench {

bool within_hysteresis(double distance_m, double enter_m, double exit_m, bool was_interaction) {
  return distance_m < (was_interaction ? exit_m : enter_m);
}

void PhaseLabeller::reset(const mjModel* model, const mjData* data) {
  started_ = true;
  steps_.clear();
  state_ = task_.phase_from_state(model, data, PhaseLabel{});
}

int PhaseLabeller::step(const mjModel* model, const mjData* data) {
  if (!started_) throw std::logic_error("PhaseLabeller::step before reset()");
  state_ = task_.phase_from_state(model, data, state_);
  steps_.push_back(state_);
  const size_t n = steps_.size();
  if (n < 3) return -1;
  PhaseLabel& middle = steps_[n - 2];
  const PhaseLabel& before = steps_[n - 3];
  if (middle.coarse != before.coarse && steps_[n - 1].coarse == before.coarse) {
    middle = before;
    return static_cast<int>(n - 2);
  }
  return -1;
}

char phase_letter(CoarsePhase phase) { return phase == CoarsePhase::kInteraction ? 'i' : 't'; }

}  // namespace wambench
