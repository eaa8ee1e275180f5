// Oracle policies: policies that read the task's simulator directly rather than an Observation (the
// `scripted` expert, the oracle row of every table). They depend on tasks/, which policies/ does
// not, so they live in the evaluation layer, which wires them up: register_oracle_policies() gives
// make_policy() (policies/policy.h) their factories under their built-in names, and whoever runs
// an episode hands the oracle the episode's TaskEnv (attach_task_env) before Policy::reset().
// EpisodeStepper (eval/runner.h) and the bridge's runtime (bridge/runtime.h) do both.
#pragma once

#include <memory>

#include "policies/policy.h"
#include "tasks/task_env.h"

namespace wambench {

/// A policy that reads the episode's TaskEnv (task, variation, simulator). The TaskEnv arrives
/// through set_task_env(), not through EpisodeInfo, so that the policy interface stays free of
/// tasks/.
class OraclePolicy : public Policy {
 public:
  /// The environment of the episode about to start; called before every reset(). `env` must stay
  /// valid until the episode ends; nullptr when the caller has no simulator (a real arm), which
  /// makes the next reset() throw std::invalid_argument.
  virtual void set_task_env(const TaskEnv* env) = 0;
};

/// Hands `env` to `policy` if it is an OraclePolicy (OraclePolicy::set_task_env); does nothing to
/// other policies. Call it before every Policy::reset(). Returns true if `policy` is an oracle.
bool attach_task_env(Policy& policy, const TaskEnv* env);

/// The `scripted` oracle: the task's privileged-state expert (Task::make_expert), one action per
/// act() (execute_steps 1), needs no images. With `noise_std` > 0 it adds N(0, noise_std^2) noise
/// to each executed action (normalized units, clipped to [-1, 1]; tasks/task.h add_action_noise)
/// and reports the clean expert action in the step's diagnostics as "expert_action" (DART labels,
/// eval/collect.h). Diagnostics per step: "phase" (the expert plan's fine label) and "coarse"
/// ("transit" / "interaction"); episode summary: "interaction_fraction".
/// Its reset() throws std::invalid_argument "scripted policy: needs privileged simulator access"
/// if no TaskEnv was attached; act() before reset() throws std::logic_error.
/// @param noise_std action noise standard deviation, in [0, 1] (make_policy() checks the range).
std::unique_ptr<OraclePolicy> make_scripted_oracle(double noise_std);

/// Registers the oracle policies ("scripted": make_scripted_oracle with PolicySpec::noise_std)
/// with make_policy() (policies/external_policy.h register_oracle_policy). Idempotent and
/// thread-safe. The evaluation layer's entry points call it (run_sweep, rollout_score,
/// new_run_manifest, collect_demonstrations), as do the `wambench` program's main(),
/// the Python module and programs that call make_policy("scripted") on their own.
void register_oracle_policies();

}  // namespace wambench
