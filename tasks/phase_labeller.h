// State-based phase labels of an episode: the per-step series of Task::phase_from_state with a
// short hysteresis, plus the helpers and shared thresholds the tasks' labellers use.
//
// These labels are what wambench judges every policy with (the records' "gate_by_phase" and
// "phase_per_step", recordings, the report's gate diagnostics, the viewer's phase strip): they
// come from the simulator state alone, so they follow whatever the acting policy really does. A
// scripted expert's own stage labels ("expert plan") are a separate series.
#pragma once

#include <string>
#include <vector>

#include <mujoco/mujoco.h>

#include "tasks/task.h"

namespace wambench {

/// Interaction region around what the robot must touch (the object's grasp point, the handle's
/// grasp point, the cap's top, the cup's rim): the TCP (site "ee") enters it closer than
/// kPhaseNearEnterM and leaves it farther than kPhaseNearExitM (m; spatial hysteresis). The
/// experts' pre-grasp poses sit 8-10 cm above the grasp point, i.e. outside.
inline constexpr double kPhaseNearEnterM = 0.06;
inline constexpr double kPhaseNearExitM = 0.075;

/// True if `distance_m` lies inside a region with entry radius `enter_m` and exit radius `exit_m`
/// (exit_m >= enter_m): inside below enter_m; between the two radii, inside only if the previous
/// step was `interaction` (`was_interaction`).
bool within_hysteresis(double distance_m, double enter_m, double exit_m, bool was_interaction);

/// State phase labels of one episode (not thread-safe; one per episode runner).
///
/// The label of a control step is the label of the state the step ended in: a step whose action
/// brings the fingers into the interaction region is an interaction step, one that leaves it a
/// transit step (as a plan labels an action by where it goes). Each state is labelled by
/// Task::phase_from_state, given the label of the state before it (spatial hysteresis). A
/// temporal hysteresis then removes one-step flickers without delaying any change: when a step's
/// coarse phase differs from both its neighbours' (which agree), it takes theirs, with the fine
/// label of the step before it. So the label of the latest step is final once the next step is
/// labelled (the last step of an episode keeps its own).
class PhaseLabeller {
 public:
  /// `task` must outlive the labeller.
  explicit PhaseLabeller(const Task& task) : task_(task) {}
  /// Starts an episode (after the task's apply()): labels the initial state, clears the steps.
  void reset(const mjModel* model, const mjData* data);
  /// Call after each control step: labels the state it ended in, appends that as the step's label
  /// and smooths a one-step flicker of the step before. Returns the index of the step whose label
  /// the smoothing changed (that is, steps().size() - 2), or -1 if none changed.
  /// @throws std::logic_error before reset().
  int step(const mjModel* model, const mjData* data);
  /// The label of the current state (the initial state, then the state the last step ended in),
  /// before any smoothing: what a privileged policy may be told before it acts
  /// (EpisodeInfo::phase).
  const PhaseLabel& state() const { return state_; }
  /// The labels of the steps so far, one per step() (index = step index).
  const std::vector<PhaseLabel>& steps() const { return steps_; }

 private:
  const Task& task_;
  bool started_ = false;
  PhaseLabel state_;
  std::vector<PhaseLabel> steps_;
};

/// One letter per coarse phase for compact per-step strings: 't' transit, 'i' interaction.
char phase_letter(CoarsePhase phase);

}  // namespace wambench
