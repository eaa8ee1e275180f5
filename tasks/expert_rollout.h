// Running a task's scripted expert for one episode (tests, the expert table, demonstrations).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tasks/task_env.h"

namespace wambench {

/// Outcome of one expert episode.
struct ExpertEpisode {
  Variation variation;
  bool success = false;
  int steps = 0;             ///< control steps taken
  int success_step = -1;     ///< control step at which success latched (-1 if never)
  int progress = 0;          ///< furthest sub-goal (0..subgoals().size())
  std::string progress_name;
  std::vector<PhaseLabel> phases;  ///< one per control step
  std::string error;         ///< non-empty if the episode raised (simulation instability, ...)
};

/// Resets `env` to episode `index` of `split` and runs the scripted expert until success or the
/// horizon. `noise_std`: action noise of the expert (0 = deterministic expert).
ExpertEpisode run_expert_episode(TaskEnv& env, Split split, int64_t index, uint64_t base_seed,
                                 double noise_std = 0.0);

}  // namespace wambench
