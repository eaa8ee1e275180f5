// `wambench merge`: joins the shard run directories of one sweep (eval/shard.h) into one run
// directory that `report`, `compare` and the viewer read like a single-process run.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <vector>

#include "eval/record.h"

namespace wambench {

/// Raised when shards cannot be merged: they belong to different sweeps (the message names the
/// differing field: "config hash", "code version" or "checkpoint hash of policy P", and the two
/// directories and values), an episode is stored twice (in which directories), an episode is not
/// part of the sweep, a directory is not a run directory, or the output directory already holds a
/// run. Nothing is written when it is raised.
class MergeError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct MergeOptions {
  /// Write the merged run even when episodes are missing (its manifest says "partial": true).
  bool allow_partial = false;
  /// Hard-link (or copy, across file systems) the shards' recordings into OUT/recordings.
  bool recordings = true;
  /// Write OUT/summary.json and OUT/report.md (eval/report.h) after the records.
  bool report = true;
};

struct MergeResult {
  size_t expected = 0;               ///< episodes of the sweep (sweep_keys of the shards' config)
  size_t merged = 0;                 ///< records written to OUT/episodes.jsonl
  std::vector<EpisodeKey> missing;   ///< episodes of the sweep in no shard, canonical order
  size_t recordings = 0;             ///< recording files linked or copied
  bool written = false;              ///< false when missing episodes stopped the merge
};

/// Human-readable list of missing episodes, one line per (policy, task, split) cell with its
/// episode indices as ranges, e.g. "scripted/pour/train: episodes 0-2, 5"; at most `max_lines`
/// lines, then "... and N more cells".
std::string describe_missing(const std::vector<EpisodeKey>& missing, size_t max_lines = 50);

/// Checks that the run directories `shard_dirs` (each with manifest.json and episodes.jsonl, as
/// `wambench eval [--shard K/N]` writes them) belong to one sweep: equal config hash (manifest
/// "config", eval/config.h config_hash), equal code version (manifest "wambench" version and
/// git_commit) and, per policy label, one checkpoint hash across all records; that no episode is
/// stored twice and every stored episode belongs to the sweep. Then, if no episode is missing or
/// `options.allow_partial`, writes `out_dir`: episodes.jsonl (the shards' record lines unchanged,
/// in the sweep's canonical order), manifest.json (the sweep's config and config hash, the shards'
/// code version, "merged_from": each shard's directory, shard spec and record count, "partial" and
/// "missing_episodes"), recordings/ and, with `options.report`, the report. Streams the records:
/// memory holds a few dozen bytes per episode, not the records.
/// @throws MergeError as described on it (before anything is written); std::runtime_error on an
/// I/O error while writing (`out_dir` may then be incomplete; its manifest is written last).
MergeResult merge_runs(const std::string& out_dir, const std::vector<std::string>& shard_dirs,
                       const MergeOptions& options = {});

}  // namespace wambench
