// The sweep runner of `wambench eval`: a pool of workers, each with its own TaskEnvs (one per
// task: Env, GL context) and policy instances, running the episodes of (policy x task x split x
// index). An episode's result depends only on (policy, task, split, index, base seed), never on
// the number of workers or their scheduling.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "eval/config.h"
#include "eval/diagnostics.h"
#include "eval/record.h"
#include "eval/shard.h"
#include "eval/store.h"
#include "policies/policy.h"
#include "tasks/phase_labeller.h"
#include "tasks/task_env.h"

namespace wambench {

/// Per-step log of one episode, for recordings (see eval/recording.h).
struct Trajectory {
  Variation variation;                    ///< the episode's variation (initial state)
  int nq = 0, nv = 0, nu = 0;
  std::vector<double> qpos, qvel, ctrl;   ///< (steps + 1) x nq / nv / nu: initial state, then after each step
  std::vector<double> actions;            ///< steps x 7, as executed (after the policy, before clipping)
  std::vector<std::string> phases;        ///< steps: fine state phase label of the step (PhaseLabeller: the state it ended in)
  std::vector<std::string> phases_coarse; ///< steps: its coarse label, "transit" / "interaction"
  /// steps: the acting policy's own plan label (its "phase" diagnostic: the scripted expert's
  /// stage, the "expert plan" series), "" where it gives none. Never used to judge a policy.
  std::vector<std::string> plan_phases;
  std::vector<uint8_t> success;           ///< steps: the task's latched success after the step
  std::vector<int> progress;              ///< steps: the task's furthest sub-goal after the step
  std::vector<nlohmann::json> diagnostics;  ///< steps: the policy's per-step diagnostics
  std::vector<Image> frames;              ///< front camera frames (only when video is recorded)
  /// A matrix of extra per-step values (row-major).
  struct Series {
    size_t rows = 0, cols = 0;  ///< cols 0: a vector of `rows` values
    std::vector<double> values;
  };
  /// Series written under the trajectory's group "real/" (the bridge's episodes on a robot, e.g.
  /// time stamps and measured poses: bridge/runtime.h documents them); empty for sweeps.
  std::map<std::string, Series> real_series;
  /// Text attributes of the "real/" group (JSON text, e.g. per-step safety interventions).
  std::map<std::string, std::string> real_attributes;
};

/// Appends the simulator's current qpos, qvel and ctrl to the trajectory's state rows.
void append_state(const Env& env, Trajectory* trajectory);

/// One episode of `policy` in `env`, advanced one control step at a time (the runner loops it to
/// the end; the viewer steps it interactively). The policy is asked for a new action chunk whenever
/// the previous one has been executed (PolicyOutput::execute_steps), with the observation after the
/// chunk's last executed step. Exceptions from the policy, the task or the simulator end the episode
/// with status "error" and their message; they are not rethrown.
class EpisodeStepper {
 public:
  /// Resets `env` to episode `key.index` of (key.task, key.split) under `base_seed` and starts the
  /// policy. `trajectory` (optional, must outlive the stepper) receives the per-step log; `frames` asks
  /// for front-camera frames in it (and an observation after every step).
  EpisodeStepper(Policy& policy, TaskEnv& env, const EpisodeKey& key, uint64_t base_seed,
                 Trajectory* trajectory = nullptr, bool frames = false);
  /// True once the task succeeded, the horizon was reached or an error ended the episode.
  bool done() const { return error_ || env_.done(); }
  /// Executes one control step (asking the policy first if its chunk is used up). No-op when done().
  /// After it, the task's state phase labeller (tasks/phase_labeller.h: Task::phase_from_state of
  /// the state the step ended in, one-step flickers removed) labels the step, the same way for
  /// every policy. EpisodeInfo::phase points at the label of the current state (the initial state,
  /// then the state the last step ended in), so the privileged `harmowam_gate_schedule` ablation
  /// is told, before it acts, the state phase it is in. The record's diagnostics get "phase_per_step" (one
  /// letter per executed step: 't' transit, 'i' interaction) and, when the policy reports its own
  /// plan's coarse phase (the scripted expert's "coarse" diagnostic), "plan_phase_per_step" (the
  /// same letters, '-' where it gives none): the "expert plan" series, kept apart. The
  /// step's diagnostics (PolicyOutput::diagnostics merged with its step_diagnostics entry) are kept
  /// as named series (eval/diagnostics.h DiagnosticSeries); when they name an "expert", the record's
  /// diagnostics also get HarmoWAM's gate diagnostics computed from them (harmowam_gate_diagnostics:
  /// "gate_by_phase", "gate_per_step", "expert_per_step", "gate_by_chunk_position"). The trajectory gets
  /// the state labels (phases, phases_coarse) and the plan labels (plan_phases).
  void step();
  /// The observation the policy was last given (or will be given next, once its chunk is used up).
  const Observation& observation() const { return obs_; }
  /// The policy's last output (its chunk and per-step diagnostics).
  const PolicyOutput& last_output() const { return out_; }
  /// Control steps executed before the policy's last act() (0 for the first query).
  int last_query_step() const { return last_query_step_; }
  /// The episode's record so far (final once done()); computes timing and the policy's summary.
  EpisodeRecord record() const;
  /// Hands the rest of the episode to `policy` (e.g. the scripted expert taking over in the
  /// viewer): resets it with this episode's EpisodeInfo and asks it for a chunk at the next step.
  /// The record keeps the original policy's key. `policy` must outlive the stepper.
  void switch_policy(Policy& policy);

 private:
  void fail(const std::string& message);

  Policy* policy_;
  EpisodeInfo info_;
  // State phase labels of the rollout (EpisodeInfo::phase, the record's "gate_by_phase" and
  // "phase_per_step", the trajectory's phases), computed on the state before every control step.
  std::unique_ptr<PhaseLabeller> phase_labeller_;
  PhaseLabel phase_;                 // label of the current state (EpisodeInfo::phase points here)
  std::string phase_per_step_;       // state coarse phase of each executed step ('t', 'i')
  std::string plan_phase_per_step_;  // the policy's "coarse" diagnostic per step ('t', 'i', '-')
  bool has_plan_phases_ = false;     // the policy gave a "coarse" diagnostic at least once
  DiagnosticSeries diagnostic_series_;  // the policy's step diagnostics, one value per step and key
  std::vector<int> chunk_position_per_step_;  // each executed step's position in its chunk (0-based)
  TaskEnv& env_;
  Trajectory* trajectory_;
  bool frames_;
  EpisodeRecord record_;
  Observation obs_;
  PolicyOutput out_;
  int chunk_pos_ = 0, chunk_len_ = 0;
  int last_query_step_ = 0;
  bool error_ = false;
  std::string stage_ = "task";
  double physics_s_ = 0, render_s_ = 0, policy_s_ = 0;
  std::chrono::steady_clock::time_point t0_;
};

/// Runs one episode of `policy` in `env` (an EpisodeStepper to the end) and returns its record. Exceptions from the policy, the
/// task or the simulator end the episode with status "error" and their message; they are not
/// rethrown. `trajectory` (optional) receives the per-step log; `frames` asks for front-camera frames.
EpisodeRecord run_episode(Policy& policy, TaskEnv& env, const EpisodeKey& key, uint64_t base_seed,
                          Trajectory* trajectory = nullptr, bool frames = false);

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

/// Runs every episode of shard `shard` of `config` (shard_keys(); the whole sweep by default) not yet
/// in `store`, appending each record as it finishes. `recordings_dir` ("" = none) receives
/// trajectories / videos (eval/recording.h). Progress counts the shard's episodes.
/// @throws std::invalid_argument for bad names (before any episode runs), ConfigError for a bad
/// shard, std::runtime_error if the store cannot be written or holds episodes outside the shard
/// (another sweep's or another shard's directory).
SweepSummary run_sweep(const EvalConfig& config, ResultStore& store, const std::string& recordings_dir,
                       const std::function<void(const SweepProgress&)>& on_progress = nullptr,
                       const ShardSpec& shard = ShardSpec{});

/// Every episode key of the sweep in its canonical order (policy, task, split, index).
std::vector<EpisodeKey> sweep_keys(const EvalConfig& config);

/// Success rates of a short rollout evaluation (e.g. checkpoint selection during training).
struct RolloutScore {
  double success_rate = 0;               ///< mean over tasks of the per-task success rate
  std::map<std::string, double> by_task;
};
/// Runs episodes 0..episodes-1 of the train split of every task in `tasks` under `base_seed`, one
/// thread, images of `image_size` px. For checkpoint selection the caller passes a base seed from
/// the demonstration range (>= kDemoBaseSeed, eval/collect.h) other than the demonstrations' own,
/// so no evaluation episode and no training episode is used.
/// @throws std::invalid_argument for an unknown policy / task or episodes < 1.
RolloutScore rollout_score(const PolicySpec& spec, const std::vector<std::string>& tasks, int episodes,
                           uint64_t base_seed, int image_size = 128);

}  // namespace wambench
