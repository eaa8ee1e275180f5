// The `scripted` policy: the task's privileged-state expert (the oracle row of every table). With
// action noise (PolicySpec::noise_std) the noise is added to the executed action and the clean
// expert action is reported in the step's diagnostics as "expert_action" (DART labels, eval/collect.h).
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
    // The expert plans without noise; act() adds the noise from the stream the expert would have
    // drawn it from, so the executed actions are as before and the clean action stays known.
    expert_ = env_->task().make_expert(env_->variation(), 0.0, info.seed ^ 0x5EEDE4CE57ULL);
    noise_rng_ = Rng(info.seed ^ 0x5EEDE4CE57ULL);
    steps_ = interaction_steps_ = 0;
  }

  PolicyOutput act(const Observation&) override {
    if (!expert_) throw std::logic_error("scripted policy: act() before reset()");
    PhaseLabel phase;
    PolicyOutput out;
    const Action clean = expert_->act(env_->env(), &phase);
    Action executed = clean;
    add_action_noise(&executed, noise_std_, noise_rng_);
    out.chunk = {executed};
    out.execute_steps = 1;
    out.diagnostics = {{"phase", phase.fine}, {"coarse", to_string(phase.coarse)}};
    if (noise_std_ > 0) out.diagnostics["expert_action"] = clean;  // the DART label (eval/collect.h)
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
  Rng noise_rng_{0};
  int steps_ = 0, interaction_steps_ = 0;
};

}  // namespace

std::unique_ptr<Policy> make_scripted_policy(double noise_std) { return std::make_unique<ScriptedPolicy>(noise_std); }

}  // namespace wambench
