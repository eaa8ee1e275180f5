// The `scripted` policy: the task's privileged-state expert (the oracle row of every table).
#include <stdexcept>

#include "policies/policy.h"
#include "tasks/task_env.h"

namespace wambench {
namespace {

class ScriptedPolicy final : public Policy {
 public:
  explicit ScriptedPolicy(double noise_std) : noise_std_(noise_std) {}
  std::string name() const override { return "scripted"; }
  bool needs_images() const override { return false; }

  void reset(const EpisodeInfo& info) override {
    if (info.privileged == nullptr) throw std::invalid_argument("scripted policy: needs privileged simulator access");
    env_ = info.privileged;
    expert_ = env_->task().make_expert(env_->variation(), noise_std_, info.seed ^ 0x5EEDE4CE57ULL);
    steps_ = interaction_steps_ = 0;
  }

  PolicyOutput act(const Observation&) override {
    if (!expert_) throw std::logic_error("scripted policy: act() before reset()");
    PhaseLabel phase;
    PolicyOutput out;
    out.chunk = {expert_->act(env_->env(), &phase)};
    out.execute_steps = 1;
    out.diagnostics = {{"phase", phase.fine}, {"coarse", to_string(phase.coarse)}};
    ++steps_;
    interaction_steps_ += phase.coarse == CoarsePhase::kInteraction;
    return out;
  }

  nlohmann::json episode_summary() const override {
    return {{"interaction_fraction", steps_ ? static_cast<double>(interaction_steps_) / steps_ : 0.0}};
  }

 private:
  double noise_std_;
  const TaskEnv* env_ = nullptr;
  std::unique_ptr<Expert> expert_;
  int steps_ = 0, interaction_steps_ = 0;
};

}  // namespace

std::unique_ptr<Policy> make_scripted_policy(double noise_std) { return std::make_unique<ScriptedPolicy>(noise_std); }

}  // namespace wambench
