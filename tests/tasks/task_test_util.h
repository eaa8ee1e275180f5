// Checks shared by the task tests.
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "tasks/expert_rollout.h"
#include "tasks/task_env.h"

namespace wambench {

/// An EnvConfig without rendering (the task tests read simulator state, not images).
EnvConfig no_render();

/// A fine phase label and the coarse phase it must carry.
using ExpectedLabel = std::pair<std::string, CoarsePhase>;

/// Runs the scripted expert on episodes 0..episodes-1 of every split and checks the task contract:
/// success, the furthest sub-goal is the last one, success within 70 % of the horizon (>= 30 %
/// margin), one phase label per control step, both coarse phases used, and every `labels` entry
/// occurring with its coarse phase. `after_episode` (optional) runs task-specific checks on the
/// final state of each episode.
void check_expert_on_every_split(TaskEnv& env, const std::vector<ExpectedLabel>& labels, int episodes = 3,
                                 const std::function<void(const ExpertEpisode&, TaskEnv&)>& after_episode = nullptr);

}  // namespace wambench
