// The sweep runner of `wambench eval`: a pool of workers, each with its own TaskEnvs (one per
// task: Env, GL context) and policy instances, running the episodes of (policy x task x split x
// index). An episode's result depends only on (policy, task, split, index, base seed), never on
// the number of workers or their scheduling.
#pragma once

#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "eval/config.h"
#include "eval/record.h"
#include "eval/store.h"
#include "policies/policy.h"
#include "tasks/task_env.h"

namespace wambench {

/// Per-step log of one episode, for recordings (see eval/recording.h).
struct EpisodeTrace {
  Variation variation;                    ///< the episode's variation (initial state)
  int nq = 0, nv = 0, nu = 0;
  std::vector<double> qpos, qvel, ctrl;   ///< (steps + 1) x nq / nv / nu: initial state, then after each step
  std::vector<double> actions;            ///< steps x 7, as executed (after the policy, before clipping)
  std::vector<std::string> phases;        ///< steps: the policy's "phase" diagnostic ("" if none)
  std::vector<uint8_t> success;           ///< steps: the task's latched success after the step
  std::vector<nlohmann::json> diagnostics;  ///< steps: the policy's per-step diagnostics
  std::vector<Image> frames;              ///< front camera frames (only when video is recorded)
};

/// Runs one episode of `policy` in `env` and returns its record. Exceptions from the policy, the
/// task or the simulator end the episode with status "error" and their message; they are not
/// rethrown. `trace` (optional) receives the per-step log; `frames` asks for front-camera frames.
EpisodeRecord run_episode(Policy& policy, TaskEnv& env, const EpisodeKey& key, uint64_t base_seed,
                          EpisodeTrace* trace = nullptr, bool frames = false);

/// Progress of a sweep, reported after each finished episode.
struct SweepProgress {
  size_t done = 0, total = 0;   ///< episodes finished (including resumed ones) / in the sweep
  size_t successes = 0;         ///< among done
  size_t errors = 0;
  double episodes_per_s = 0;    ///< of this invocation
  double eta_s = 0;
};

/// Summary of run_sweep.
struct SweepSummary {
  size_t total = 0, ran = 0, resumed = 0, errors = 0;
  double wall_s = 0;
};

/// Runs every episode of `config` not yet in `store`, appending each record as it finishes.
/// `recordings_dir` ("" = none) receives trajectories / videos (eval/recording.h).
/// @throws std::invalid_argument for bad names (before any episode runs), std::runtime_error if the
/// store cannot be written.
SweepSummary run_sweep(const EvalConfig& config, ResultStore& store, const std::string& recordings_dir,
                       const std::function<void(const SweepProgress&)>& on_progress = nullptr);

/// Every episode key of the sweep in its canonical order (policy, task, split, index).
std::vector<EpisodeKey> sweep_keys(const EvalConfig& config);

}  // namespace wambench
