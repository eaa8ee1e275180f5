// The policy interface (DESIGN.md "policies/"): one instance per worker, reset at the start of each
// episode, asked for an action chunk whenever the previous one has been executed.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "policies/chunk_execution.h"
#include "sim/env.h"
#include "sim/phase.h"
#include "sim/privileged.h"

namespace wambench {

/// What a policy is told at the start of an episode.
struct EpisodeInfo {
  std::string task;         ///< task name, e.g. "pick_place"
  std::string split;        ///< split name, e.g. "unseen_object"
  int64_t index = 0;        ///< episode index within (task, split)
  uint64_t seed = 0;        ///< the episode's seed (episode_seed(base, task, split, index))
  std::string instruction;  ///< plain-text instruction, e.g. "put the red mug in the bowl"
  int horizon_steps = 0;    ///< maximum control steps of the episode
  /// Privileged state of the episode (sim/privileged.h: the task's object state), for state-based
  /// policies only (`bc_state`; vision-based policies must use the Observation alone). Null when
  /// the caller has none (e.g. a real robot). Valid until the episode ends. The `scripted` oracle
  /// reads the simulator through the evaluation layer instead (eval/oracle_policy.h).
  const PrivilegedState* privileged = nullptr;
  /// Privileged, for oracle ablations only (`harmowam_gate_schedule`): the coarse / fine state phase
  /// label of the current simulator state (Task::phase_from_state through the runner's
  /// PhaseLabeller, eval/runner.h), updated before every act(). Null when the caller provides none.
  const PhaseLabel* phase = nullptr;
};

/// A policy's answer: an action chunk and what the runner should do with it.
struct PolicyOutput {
  /// H x 7 normalized actions (DESIGN.md "Actions"), H >= 1, executed in order.
  std::vector<Action> chunk;
  /// How many actions of the chunk to execute before asking again (receding horizon), 1..H.
  /// 0 means the whole chunk.
  int execute_steps = 0;
  /// Per-step diagnostics for recordings and the viewer (small JSON object, e.g.
  /// {"phase": "grasp", "coarse": "interaction"} or HarmoWAM's gate value and active expert).
  nlohmann::json diagnostics = nlohmann::json::object();
  /// Optional per-action diagnostics: empty, or one JSON object per action of `chunk`, merged over
  /// `diagnostics` for the step that executes that action (e.g. HarmoWAM's per-action gate value
  /// and active expert, {"gate": 0.83, "expert": "predictive"}).
  std::vector<nlohmann::json> step_diagnostics;
};

/// Base class of every policy. Not thread-safe: the runner gives each worker its own instance.
class Policy {
 public:
  virtual ~Policy() = default;
  /// Registered name, e.g. "scripted".
  virtual std::string name() const = 0;
  /// Identifies the weights: SHA-256 (hex) of the checkpoint file, or "none" for policies without
  /// one. Part of every episode record.
  virtual std::string checkpoint_hash() const { return "none"; }
  /// True if act() reads camera images (the runner skips rendering otherwise).
  virtual bool needs_images() const { return true; }
  /// Starts an episode.
  virtual void reset(const EpisodeInfo& info) = 0;
  /// Next action chunk for the current observation.
  /// @throws any std::exception on failure; the runner records the episode as an error.
  virtual PolicyOutput act(const Observation& obs) = 0;
  /// World-model policies: the future `front` camera frames their world model imagined (decoded)
  /// at the last act(), oldest first; frame j predicts the observation (j + 1) * imagined_stride_steps()
  /// control steps after the one act() was given. Empty (the default) for policies without a world
  /// model. The viewer shows them next to what really happened.
  virtual std::vector<Image> imagined_frames() const { return {}; }
  /// Control steps between consecutive imagined frames (>= 1).
  virtual int imagined_stride_steps() const { return 1; }
  /// Episode-level diagnostics summary written into the episode record (e.g. the fraction of steps
  /// each HarmoWAM expert was active). Called once after the episode ends.
  virtual nlohmann::json episode_summary() const { return nlohmann::json::object(); }
};

/// How a sweep names a policy: its registered name (the policy type) plus an optional checkpoint,
/// options and the label of its rows.
struct PolicySpec {
  PolicySpec() = default;
  /// The entry {name, checkpoint, noise_std, execution} with an optional label.
  PolicySpec(std::string name_in, std::string checkpoint_in, double noise_std_in = 0.0, ChunkExecution execution_in = {},
             std::string label_in = "")
      : name(std::move(name_in)),
        checkpoint(std::move(checkpoint_in)),
        noise_std(noise_std_in),
        execution(execution_in),
        label(std::move(label_in)) {}

  std::string name;        ///< registered name (the policy type): see policy_names()
  std::string checkpoint;  ///< checkpoint file (learned policies), "" if none
  double noise_std = 0.0;  ///< `scripted` only: action noise (normalized units)
  ChunkExecution execution;  ///< learned policies: how their action chunks are executed
  /// The sweep's name for this entry, unique within a sweep (records, reports, comparisons key on
  /// it), so several checkpoints of one policy type run side by side. "" = the policy name.
  std::string label;
  /// Policy-specific settings (a JSON object, the config entry's "options"), e.g. a remote policy's
  /// server URL; empty for the built-in policies, which reject any.
  nlohmann::json options = nlohmann::json::object();
  /// The label, or the policy name when no label is set.
  const std::string& row_label() const { return label.empty() ? name : label; }
};

/// What the registry knows about a policy type, for the report, the sweep and the clients that must
/// treat some policies apart. Registered with each built-in policy (policy_registry.cc) and with each
/// external one (register_external_policy, policies/external_policy.h).
struct PolicyInfo {
  /// Group of the report's headline comparison (eval/report.h, summary.json "families"): "oracle"
  /// (scripted), "privileged" (bc_state: learned, fed the true object state), "vla", "wam" (wam_ite,
  /// wam_joint), "harmowam", "harmowam_ablation" (harmowam_gate_*), or "other" (torchscript, remote,
  /// external policies unless registered otherwise, and names the registry does not know).
  std::string family = "other";
  /// An ablation variant (harmowam_gate_*): "policies": "all" leaves it out.
  bool is_ablation = false;
  /// Reads the runner's state phase labels (EpisodeInfo::phase) before each act(): the oracle
  /// ablation harmowam_gate_schedule.
  bool needs_phase_labels = false;
  /// Reads the simulator's privileged state ("scripted", "bc_state"): tables mark its rows, no
  /// vision-based policy is compared against it as a peer, and a real robot never runs it.
  bool privileged = false;
};

/// The metadata of policy type `name`: a built-in policy's (policy_names()), a registered external
/// policy's, or, for any other name (e.g. the type of a record written by a policy no longer
/// registered), the default PolicyInfo{} (family "other", no flags). Thread-safe; never throws.
PolicyInfo policy_info(const std::string& name);

/// True for policies that read the simulator's privileged state: policy_info(name).privileged.
bool is_privileged_policy(const std::string& name);

/// Names of the registered policies, in table order: "scripted", "bc_state" (privileged), "vla", then the world-action
/// models "wam_ite", "wam_joint", "harmowam" and the HarmoWAM gate ablations
/// "harmowam_gate_predictive", "harmowam_gate_reactive", "harmowam_gate_schedule"; then "torchscript"
/// (a user's own TorchScript module, policies/torchscript.h) and "remote" (a policy served over
/// openpi's websocket protocol, configured by its entry's "options"; policies/remote.h).
const std::vector<std::string>& policy_names();

/// True if the policy needs a checkpoint file (all but "scripted", "remote" and the external
/// policies, policies/external_policy.h).
bool policy_needs_checkpoint(const std::string& name);

/// True for the ablation variants (harmowam_gate_*), which "policies": "all" leaves out:
/// policy_info(name).is_ablation.
bool is_ablation_policy(const std::string& name);

/// The checkpoint bundled with the source tree for a learned policy,
/// policies/checkpoints/<name>.pt, or "" if there is none. Configs that name such a policy without
/// a checkpoint use it, and "policies": "all" includes it unless it is an ablation.
std::string bundled_checkpoint(const std::string& name);

/// The metadata a learned policy's checkpoint stores (policies/vla_model.h save_checkpoint):
/// {"format", "policy", "config", "normalization", "training"}.
/// @throws std::runtime_error naming the file if it is missing or not a wambench checkpoint.
nlohmann::json checkpoint_metadata(const std::string& path);

/// Creates a policy instance: a built-in one, or an external policy registered at run time
/// (policies/external_policy.h), which gets the spec's options. "scripted" is an oracle the
/// evaluation layer provides: the program registers it first (eval/oracle_policy.h
/// register_oracle_policies()).
/// @throws std::invalid_argument for an unknown name (listing the valid ones) or a missing /
/// unreadable checkpoint; std::logic_error for an oracle whose factory is not registered.
std::unique_ptr<Policy> make_policy(const PolicySpec& spec);

}  // namespace wambench
