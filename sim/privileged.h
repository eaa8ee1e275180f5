// Privileged access to a simulated episode: what a state-based policy (`bc_state`) may read beyond
// its Observation. The task's environment implements it (tasks/task_env.h TaskEnv) and the caller
// that runs an episode hands it to the policy (EpisodeInfo::privileged, policies/policy.h), so
// policies/ reads the privileged state without depending on tasks/.
#pragma once

#include <array>

namespace wambench {

/// Size of PrivilegedState::object_state() (and of Task::object_state(), tasks/task.h).
inline constexpr int kObjectStateDim = 11;

/// The privileged state of the current episode. Implementations are valid for one episode and are
/// not thread-safe (one per worker, as the environment they read).
class PrivilegedState {
 public:
  virtual ~PrivilegedState() = default;
  /// The task's privileged object state in the current simulator state, world frame:
  /// [object x, y, z (m), sin(n yaw), cos(n yaw), target x, y, z (m), sin(n' yaw'), cos(n' yaw'),
  /// indicator (0 or 1)] (kObjectStateDim values). What "object" and "target" are per task, the
  /// yaw symmetry n and the indicator are documented at Task::object_state (tasks/task.h) and
  /// per task in tasks/<task>.h. Valid once the episode has been reset.
  virtual std::array<double, kObjectStateDim> object_state() const = 0;
};

}  // namespace wambench
