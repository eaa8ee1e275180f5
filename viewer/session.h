// What the viewer shows: episodes as trajectories, from a live rollout or a recording, and the
// episode list of a run folder. No OpenGL here, so tests can drive it without a display.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "eval/record.h"
#include "eval/recording.h"
#include "eval/runner.h"
#include "policies/policy.h"
#include "tasks/task_env.h"

namespace wambench::viewer {

/// One episode as the viewer shows it. trajectory holds steps() + 1 states (the initial state, then the
/// state after each control step) and, per step, the action, phase, success, progress and the
/// policy's diagnostics (eval/runner.h Trajectory).
struct ShownEpisode {
  std::string label;             ///< e.g. "scripted  pick_place / train #3"
  std::string source;            ///< recording path, or "live"
  EpisodeRecord record;          ///< as recorded (replay) or so far (live)
  Trajectory trajectory;
  std::vector<double> gripper_opening_m;  ///< per state (steps() + 1), 0..0.08 m
  /// Replays: largest |qpos difference| between the re-simulation and the recording (0 = exact).
  /// Live: -1.
  double replay_max_qpos_diff = -1;
  int steps() const { return static_cast<int>(trajectory.actions.size() / kActionDim); }
};

/// Task environments of the viewer, one per task, created on first use with one EnvConfig (the
/// viewer passes its window's GL context factory; tests pass render = false).
class EnvCache {
 public:
  explicit EnvCache(EnvConfig config) : config_(std::move(config)) {}
  /// @throws std::invalid_argument for an unknown task (listing the valid names).
  TaskEnv& get(const std::string& task);

 private:
  EnvConfig config_;
  std::map<std::string, std::unique_ptr<TaskEnv>> envs_;
};

/// Finds an episode's trajectory file: `path` itself, `path` + ".h5", or (for a run folder entry
/// DIR/recordings/<policy>/<task>/<split>/episode_<i>) its .h5.
/// @throws std::runtime_error naming the path and what was looked for.
std::string resolve_recording(const std::string& path);

/// Reads a recorded episode and re-simulates it in `envs` (eval/recording.h replay), so that
/// every state is the simulator's own; fills replay_max_qpos_diff.
/// @throws std::runtime_error for a missing / corrupt recording (naming the file),
/// std::invalid_argument if it does not fit the task's model, SimulationError if it diverges.
ShownEpisode load_replay(const std::string& path, EnvCache& envs);

/// A policy running an episode one control step at a time (the viewer's live mode).
class LiveSession {
 public:
  /// Starts episode `index` of (task, split) under `base_seed` with `policy`.
  /// @throws std::invalid_argument for unknown task / split / policy names (listing the valid ones).
  LiveSession(EnvCache& envs, const PolicySpec& policy, const std::string& task, const std::string& split,
              int64_t index, uint64_t base_seed);
  /// The same with a policy instance (e.g. one not in the registry); its name() keys the episode.
  LiveSession(EnvCache& envs, std::unique_ptr<Policy> policy, const std::string& task, const std::string& split,
              int64_t index, uint64_t base_seed);
  /// One control step (no-op when done()).
  void step();
  bool done() const { return stepper_->done(); }
  /// Lets `policy` (e.g. "scripted") finish the episode from the current state.
  void take_over(const PolicySpec& policy);
  /// The episode so far.
  const ShownEpisode& episode() const { return shown_; }
  /// The observation the policy was last given (its camera images are what it saw).
  const Observation& observation() const { return stepper_->observation(); }
  TaskEnv& env() { return env_; }
  /// What a world-model policy imagined at its latest query at or before state `state` (0 = initial):
  /// the query's step and the frames (Policy::imagined_frames), or nullptr if it imagined nothing.
  struct Imagination {
    int query_step = 0;      ///< control steps executed before the query
    int stride_steps = 1;    ///< frame j predicts state query_step + (j + 1) * stride_steps
    std::vector<Image> frames;
  };
  const Imagination* imagination_at(int state) const;
  /// Name of the policy in control and the step it took over at (-1: the original one).
  const std::string& policy_in_control() const { return in_control_; }
  int takeover_step() const { return takeover_step_; }

 private:
  void sync();

  TaskEnv& env_;
  std::unique_ptr<Policy> policy_, takeover_;
  std::unique_ptr<EpisodeStepper> stepper_;
  ShownEpisode shown_;
  Policy* active_ = nullptr;  // the policy in control
  std::map<int, Imagination> imagined_;  // by query step
  std::string in_control_;
  int takeover_step_ = -1;
};

/// The episodes of one or more run folders (DIR/episodes.jsonl) for the browser.
struct RunEpisode {
  std::string run;        ///< the run folder it came from
  EpisodeRecord record;
  std::string recording;  ///< its trajectory file ("" if the run recorded none)
};

/// Reads every run folder's episodes.jsonl (and locates their recordings).
/// @throws std::runtime_error if a folder has no episodes.jsonl or no episode in it, naming it.
std::vector<RunEpisode> load_runs(const std::vector<std::string>& dirs);

/// Indices (into `episodes`) of the other episodes with the same task, split, index and seed as
/// episodes[i]: the same initial state, for side-by-side comparison.
std::vector<size_t> same_episode(const std::vector<RunEpisode>& episodes, size_t i);

/// Gripper opening (m) of each state of a trajectory, computed with the environment's controller.
std::vector<double> gripper_openings(TaskEnv& env, const Trajectory& trajectory);

/// First step of each phase segment (the step index and the phase label), in order.
std::vector<std::pair<int, std::string>> phase_starts(const Trajectory& trajectory);

/// The step at which the furthest sub-goal was first reached (0 if none was): where progress stopped.
int progress_stop_step(const Trajectory& trajectory);

}  // namespace wambench::viewer
