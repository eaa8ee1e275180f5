// SimRobot: the robot interface (bridge/robot.h) over the simulator, so the real-robot runtime can
// run against the simulator and be checked against `wambench eval` step for step.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "bridge/robot.h"
#include "tasks/task_env.h"

namespace wambench {

/// The simulated arm behind the Robot interface. Synchronous: command() executes the action for
/// one control period (Env::step) before returning, exactly as `wambench eval`'s runner does, so
/// the same policy and seeds give the same actions and bit-identical states. Keeps one TaskEnv per
/// task (compiled on first use, as a sweep worker does). Not thread-safe (hold() is a no-op, so it
/// may be called from any thread).
class SimRobot final : public Robot {
 public:
  /// `config` as for TaskEnv (image size, cameras, render on / off, controller). `edit_model`, if
  /// given, edits each task's compiled model once, before its first episode (e.g. moves cameras to a
  /// real setup's calibration, bridge/calibration.h).
  explicit SimRobot(const EnvConfig& config = {}, std::function<void(mjModel*)> edit_model = nullptr);
  std::string name() const override { return "sim"; }

  /// Resets the task's scene to episode (split, index) under base_seed (TaskEnv::reset).
  /// @throws RobotFault kConfig for an unknown task or split (the message lists the valid names).
  void start_episode(const EpisodeSetup& setup) override;
  /// The current observation (Env::observe), stamped now; sequence = control steps since reset.
  /// @throws RobotFault kConfig before start_episode().
  TimedObservation observe() override;
  /// Executes command.action for one control period (TaskEnv::step).
  /// @throws std::invalid_argument for NaN / Inf in the action; SimulationError if the physics
  /// became unstable; RobotFault kConfig before start_episode().
  void command(const RobotCommand& command) override;
  /// A synchronous simulator does not move between commands: counts the hold, nothing else.
  void hold() noexcept override { ++holds_; }
  std::optional<bool> success() const override;
  std::optional<int> progress() const override;
  bool synchronous() const override { return true; }
  bool simulated() const override { return true; }
  const TaskEnv* privileged() const override { return env_; }
  nlohmann::json episode_stats() const override { return {{"holds", holds_}}; }

  /// The current task's environment (nullptr before start_episode()).
  TaskEnv* task_env() { return env_; }

 private:
  TaskEnv& require_env() const;

  EnvConfig config_;
  std::function<void(mjModel*)> edit_model_;
  std::map<std::string, std::unique_ptr<TaskEnv>> envs_;
  TaskEnv* env_ = nullptr;
  int holds_ = 0;
};

}  // namespace wambench
