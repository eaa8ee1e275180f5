#include "tasks/expert_rollout.h"

#include <exception>

namespace wambench {

ExpertEpisode run_expert_episode(TaskEnv& env, Split split, int64_t index, uint64_t base_seed, double noise_std) {
  ExpertEpisode out;
  out.variation = env.reset(split, index, base_seed);
  auto expert = env.task().make_expert(out.variation, noise_std, out.variation.seed ^ 0x5EEDE4CE57ULL);
  try {
    while (!env.done()) {
      PhaseLabel phase;
      const Action a = expert->act(env.env(), &phase);
      env.step(a);
      out.phases.push_back(phase);
      if (env.status().success && out.success_step < 0) out.success_step = env.steps();
    }
  } catch (const std::exception& e) {
    out.error = e.what();
  }
  out.steps = env.steps();
  out.success = env.status().success;
  out.progress = env.status().progress;
  out.progress_name = env.status().progress_name;
  return out;
}

}  // namespace wambench
