#include "bridge/sim_robot.h"

#include <cmath>
#include <utility>

#include "tasks/split.h"

namespace wambench {

SimRobot::SimRobot(const EnvConfig& config, std::function<void(mjModel*)> edit_model)
    : config_(config), edit_model_(std::move(edit_model)) {}

void SimRobot::start_episode(const EpisodeSetup& setup) {
  Split split;
  try {
    split = parse_split(setup.split);
    auto it = envs_.find(setup.task);
    if (it == envs_.end()) {
      auto env = std::make_unique<TaskEnv>(setup.task, config_);
      if (edit_model_) edit_model_(env->env().mutable_model());
      it = envs_.emplace(setup.task, std::move(env)).first;
    }
    env_ = it->second.get();
  } catch (const std::invalid_argument& e) {
    throw RobotFault(RobotFault::Kind::kConfig, std::string("sim robot: ") + e.what());
  }
  env_->reset(split, setup.index, setup.base_seed);
  holds_ = 0;
}

TaskEnv& SimRobot::require_env() const {
  if (env_ == nullptr) throw RobotFault(RobotFault::Kind::kConfig, "sim robot: observe() / command() before start_episode()");
  return *env_;
}

TimedObservation SimRobot::observe() {
  TaskEnv& env = require_env();
  TimedObservation out;
  out.observation = env.observe();
  out.state_stamp_s = bridge_clock_s();
  for (const auto& [camera, image] : out.observation.images) out.image_stamp_s[camera] = out.state_stamp_s;
  out.sequence = static_cast<uint64_t>(env.steps());
  return out;
}

void SimRobot::command(const RobotCommand& command) {
  TaskEnv& env = require_env();
  for (double v : command.action)
    if (!std::isfinite(v)) throw std::invalid_argument("sim robot: command with a NaN / Inf action component");
  env.step(command.action);
}

std::optional<bool> SimRobot::success() const {
  if (env_ == nullptr) return std::nullopt;
  return env_->status().success;
}

std::optional<int> SimRobot::progress() const {
  if (env_ == nullptr) return std::nullopt;
  return env_->status().progress;
}

}  // namespace wambench
