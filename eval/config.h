// Sweep configuration of `wambench eval` (DESIGN.md "eval/"): which policies, tasks, splits,
// how many episodes, seed, workers, recordings. JSON (nlohmann/json), validated strictly.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "policies/policy.h"

namespace wambench {

/// Raised for an invalid sweep configuration. The message names the source (file or flag), the
/// field, what was wrong and the valid values.
class ConfigError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

/// A resolved sweep: every name checked, "all" expanded.
struct EvalConfig {
  std::vector<PolicySpec> policies;  ///< in table order, labels (PolicySpec::row_label()) unique
  std::vector<std::string> tasks;    ///< task names (task_names() order when "all")
  std::vector<std::string> splits;   ///< split names (all_splits() order when "all")
  int episodes = 10;                 ///< episodes per (policy, task, split) cell, >= 1
  uint64_t seed = 0;                 ///< base seed of the episode list, < 2^63 (eval/collect.h)
  int workers = 2;                   ///< worker threads, >= 1 (never changes results)
  int record_video = 0;              ///< MP4s of the first K episodes of each cell (0 = none)
  bool record_trajectories = true;   ///< per-episode state trajectories (replayable)
  int image_size = 128;              ///< camera images (pixels, square), 16..1024
};

/// The keys a config file may contain (anything else is an error).
const std::vector<std::string>& eval_config_keys();

/// Parses and validates a config object. `source` names it in errors (e.g. the file path).
/// Format:
///   {"policies": ["scripted", {"name": "vla", "checkpoint": "path.pt", "label": "new"}, ...],
///    (a string entry may be the shorthand "[LABEL=]NAME[@CHECKPOINT]", e.g. "vla@runs/v.pt", whose
///    label defaults to the file name without its extension ("v"); an object's "label" defaults to its
///    "name". Labels are unique within a sweep and key its records, so several checkpoints of one
///    policy type run side by side on identical episodes. A checkpoint must be a file of the entry's
///    policy type (its metadata's "policy"); a "torchscript" entry's is a TorchScript archive with its
///    wambench.json (policies/torchscript.h), and its "options" override that metadata. A learned policy's entry may add "execute": N actions
///    per query, or "temporal_ensemble": true with an optional "ensemble_decay": m;
///    policies/chunk_execution.h)
///    "tasks": "all" | ["pick_place", ...], "splits": "all" | ["train", ...],
///    "episodes": N, "seed": S, "workers": W, "record_video": K, "record_trajectories": bool,
///    "image_size": PX}
/// Missing keys take the EvalConfig defaults (policies default to ["scripted"]).
/// @throws ConfigError: unknown key (listing the valid keys), wrong type, unknown policy / task /
/// split name (listing the valid names), duplicate or invalid label, missing checkpoint file, a
/// checkpoint of another policy type or given to a policy that takes none, out-of-range number.
EvalConfig parse_eval_config(const nlohmann::json& j, const std::string& source);

/// Reads and parses a config file. @throws ConfigError (unreadable file, malformed JSON with the
/// parser's message, or any parse_eval_config error).
EvalConfig load_eval_config(const std::string& path);

/// The resolved config as JSON (written into manifest.json; parse_eval_config reads it back).
nlohmann::json to_json(const EvalConfig& config);

/// Identity of a sweep's episodes and outcomes: FNV-1a (64 bit) of the canonical JSON of a config
/// (to_json() output, keys sorted) without the fields that change neither the episodes nor their
/// outcomes (workers, record_video, record_trajectories); 16 lowercase hex digits. Runs and shards
/// with equal hashes evaluate the same episodes with the same policies. Never throws.
std::string config_hash(const nlohmann::json& config);

/// Resolves a policy list / task list / split list given as names or "all" (for command-line
/// overrides). @throws ConfigError naming `source` and the valid names.
std::vector<PolicySpec> resolve_policies(const nlohmann::json& j, const std::string& source);
std::vector<std::string> resolve_tasks(const nlohmann::json& j, const std::string& source);
std::vector<std::string> resolve_splits(const nlohmann::json& j, const std::string& source);

}  // namespace wambench
