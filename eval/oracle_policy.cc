// The `scripted` oracle (eval/oracle_policy.h). The expert plans without noise; act() adds the
// noise from the stream the expert would have drawn it from, so the executed actions are those of
// an expert made with the noise and the clean action stays known.
#include "eval/oracle_policy.h"

#include <mutex>
#include <stdexcept>

#include "policies/external_policy.h"

namespace wambench {
namespace {

class ScriptedPolicy final : public OraclePolicy {
 public:
  explicit ScriptedPolicy(double noise_std) : noise_std_(noise_std) {}
  std::string name() const override { return "scripted"; }
  bool needs_images() const override { return false; }
  void set_task_env(const TaskEnv* env) override { attached_ = env; }

  void reset(const EpisodeInfo& info) override {
    if (attached_ == nullptr) throw std::invalid_argument("scripted policy: needs privileged simulator access");
    env_ = attached_;
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
  const TaskEnv* attached_ = nullptr;  // set_task_env(): the next episode's environment
  const TaskEnv* env_ = nullptr;       // the current episode's environment
  std::unique_ptr<Expert> expert_;
  Rng noise_rng_{0};
  int steps_ = 0, interaction_steps_ = 0;
};

}  // namespace

bool attach_task_env(Policy& policy, const TaskEnv* env) {
  auto* oracle = dynamic_cast<OraclePolicy*>(&policy);
  if (oracle == nullptr) return false;
  oracle->set_task_env(env);
  return true;
}

std::unique_ptr<OraclePolicy> make_scripted_oracle(double noise_std) {
  return std::make_unique<ScriptedPolicy>(noise_std);
}

void register_oracle_policies() {
  static std::once_flag once;
  std::call_once(once, [] {
    register_oracle_policy("scripted", [](const PolicySpec& spec) -> std::unique_ptr<Policy> {
      return make_scripted_oracle(spec.noise_std);
    });
  });
}

}  // namespace wambench
