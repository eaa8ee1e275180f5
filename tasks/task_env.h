// A task's scene in an Env: episode reset from (split, index, base seed) or from a Variation,
// stepping with the task's success / progress bookkeeping.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "sim/env.h"
#include "sim/privileged.h"
#include "tasks/registry.h"
#include "tasks/task.h"

namespace wambench {

/// One worker's environment for one task. Compiles the task's scene once; every episode reuses it
/// (variation is applied to model fields and state, never by recompiling). Not thread-safe. It is
/// the episode's PrivilegedState (sim/privileged.h) that runners hand to state-based policies.
class TaskEnv : public PrivilegedState {
 public:
  /// @throws std::invalid_argument for an unknown task name (listing valid names), ModelLoadError
  /// if the scene does not compile, GlError if rendering is on and no OpenGL backend works.
  TaskEnv(const std::string& task_name, const EnvConfig& config = {});
  TaskEnv(std::unique_ptr<Task> task, const EnvConfig& config = {});

  /// Samples and applies episode `index` of `split`; returns its variation.
  const Variation& reset(Split split, int64_t index, uint64_t base_seed);
  /// Applies a given variation (e.g. one read from an exported episode list).
  void reset(const Variation& variation);

  /// One control step; then updates the task's status.
  /// @throws InvalidActionError, SimulationError as Env::step.
  void step(const Action& action);
  Observation observe() { return env_.observe(); }

  const TaskStatus& status() const { return task_->status(); }
  /// The task's privileged object state in the current simulator state (Task::object_state; world
  /// frame, m; the layout is documented there and per task in tasks/<task>.h). For state-based
  /// policies, which read it through EpisodeInfo::privileged. Valid after reset().
  std::array<double, kObjectStateDim> object_state() const override {
    return task_->object_state(env_.model(), env_.data());
  }
  const Variation& variation() const { return variation_; }
  /// Control steps since reset.
  int steps() const { return steps_; }
  bool done() const { return status().success || steps_ >= task_->horizon_steps(); }

  Env& env() { return env_; }
  const Env& env() const { return env_; }
  Task& task() { return *task_; }
  const Task& task() const { return *task_; }

 private:
  /// Moves the geoms of bodies parked below the floor (z < -1 m: unused categories, fixtures and
  /// distractors) into hidden geom groups (+3), so renderers skip them; restores the others.
  void hide_parked_bodies();

  std::unique_ptr<Task> task_;
  Env env_;
  std::vector<int> base_geom_group_;  // geom groups as compiled
  Variation variation_;
  int steps_ = 0;
};

}  // namespace wambench
