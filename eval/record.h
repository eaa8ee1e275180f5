// One finished episode of a sweep, as stored in DIR/episodes.jsonl (one JSON object per line).
#pragma once

#include <cstdint>
#include <string>
#include <tuple>

#include <nlohmann/json.hpp>

namespace wambench {

/// Identifies an episode of a sweep: results depend only on this and the base seed.
struct EpisodeKey {
  std::string policy, task, split;
  int64_t index = 0;
  bool operator<(const EpisodeKey& o) const {
    return std::tie(policy, task, split, index) < std::tie(o.policy, o.task, o.split, o.index);
  }
  bool operator==(const EpisodeKey& o) const {
    return policy == o.policy && task == o.task && split == o.split && index == o.index;
  }
};

/// Wall-clock breakdown of an episode (s). harness = wall - physics - render - policy.
struct EpisodeTiming {
  double wall_s = 0, physics_s = 0, render_s = 0, policy_s = 0, harness_s = 0;
};

/// Outcome of an episode: "success", "failure" (horizon reached) or "error" (exception in the
/// policy or the task, simulator instability, invalid action; `error` holds the message).
struct EpisodeRecord {
  /// key.policy is the sweep's label of the policy (PolicySpec::row_label(); the policy name unless
  /// the sweep gave a label).
  EpisodeKey key;
  /// The registered policy type (Policy::name(), e.g. "vla"). Records written before labels existed
  /// lack it: it is then key.policy.
  std::string policy_type;
  std::string checkpoint_hash = "none";  ///< Policy::checkpoint_hash()
  uint64_t seed = 0;                     ///< episode_seed(base, task, split, index)
  std::string instruction;
  std::string status = "failure";
  bool success = false;
  int progress = 0;                      ///< furthest sub-goal (0..number of sub-goals)
  std::string progress_name = "none";
  int steps = 0;                         ///< control steps executed
  double sim_time_s = 0;                 ///< simulated time (s)
  EpisodeTiming timing;
  std::string error;                     ///< message when status == "error"
  nlohmann::json diagnostics = nlohmann::json::object();  ///< Policy::episode_summary()
};

nlohmann::json to_json(const EpisodeRecord& r);
/// @throws nlohmann::json::exception naming a missing or mistyped field.
EpisodeRecord episode_record_from_json(const nlohmann::json& j);

}  // namespace wambench
