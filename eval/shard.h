// Shards of a sweep: `wambench eval --shard K/N` runs the K-th of N deterministic, disjoint slices
// of the sweep's episodes, balanced by expected cost (not only by count), so that N processes (for
// example the tasks of a Slurm job array, eval/slurm.h) finish at about the same time and
// `wambench merge` (eval/merge.h) joins them into the single-process run.
#pragma once

#include <string>
#include <vector>

#include "eval/config.h"
#include "eval/record.h"

namespace wambench {

/// The K-th of N slices of a sweep; {1, 1} is the whole sweep.
struct ShardSpec {
  int index = 1;  ///< K, 1-based: 1 <= index <= count
  int count = 1;  ///< N, the number of shards, 1..100000
  bool whole() const { return count == 1; }
  bool operator==(const ShardSpec& o) const { return index == o.index && count == o.count; }
};

/// Parses "K/N" (e.g. "2/4"). `source` names the flag or file in errors.
/// @throws ConfigError if the text is not two integers separated by '/', N is outside 1..100000 or
/// K is outside 1..N (the message gives the valid range).
ShardSpec parse_shard_spec(const std::string& text, const std::string& source);

/// "K/N".
std::string to_string(const ShardSpec& shard);

/// Expected wall-clock cost of one episode of `task` by policy type `policy_type`, in seconds on
/// one core of the reference machine (2-core Debian 12 VM, OSMesa; the table in shard.cc, from the
/// CI sweep's recorded timings; the world-action models and HarmoWAM ablations are costed as
/// harmowam). A task or policy type without a measurement gets the mean of the measured ones, so
/// an unknown name never breaks sharding. Only the ratios matter for balance. Never throws.
double expected_episode_cost_s(const std::string& policy_type, const std::string& task);

/// The episodes of shard `shard` of `config`, in the sweep's canonical order (sweep_keys()).
/// Deterministic (a function of the config's policies, tasks, splits and episode count only, never
/// of workers, time or machine), disjoint across K and covering the sweep for K = 1..N. Balanced by
/// expected cost: episodes are dealt, most expensive first (ties in canonical order), to the shard
/// with the least expected cost so far (ties to the lowest K), so the shards' expected costs differ
/// by at most the cost of one episode.
/// @throws ConfigError if shard.index is outside 1..shard.count.
std::vector<EpisodeKey> shard_keys(const EvalConfig& config, const ShardSpec& shard);

/// Expected cost (s, expected_episode_cost_s) of each of the N shards of `config`, index K-1.
std::vector<double> shard_costs(const EvalConfig& config, int count);

}  // namespace wambench
