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

/// Index of the first episode of `split` (from 0, base seed 0) whose `role` has `category`;
/// records a test failure (and returns 0) if none of the first 200 has.
int64_t find_episode(const TaskEnv& env, Split split, const std::string& role, const std::string& category);

/// What check_object_state() checks for one episode.
struct ObjectStateCase {
  Split split = Split::kTrain;
  int64_t index = 0;
  std::string object_body;  ///< body whose origin is object_state()[0:3]
  std::string target_body;  ///< body whose origin is object_state()[5:8] at reset
  std::string yaw_body;     ///< body to turn about world z (free joint: qpos; else model body_quat) to move the object's yaw
  double object_symmetry_rad = 0;  ///< the yaw symmetry object_state()[3:5] must respect (0 = every yaw)
  double min_motion_m = 0;  ///< the expert moves object_state()[0:3] at least this far during the episode
};

/// Checks Task::object_state (through TaskEnv::object_state) on one episode: at reset the object
/// and target positions are the bodies' origins; turning `yaw_body` by the symmetry angle leaves
/// the yaw encoding unchanged while half of it changes it (or, for symmetry 0, it stays (0, 1));
/// while the scripted expert runs, object_state()[0:3] tracks the object body and moves at least
/// min_motion_m.
void check_object_state(TaskEnv& env, const ObjectStateCase& c);

}  // namespace wambench
