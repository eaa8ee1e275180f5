// A run directory of `wambench eval` (README "Evaluation"): DIR/manifest.json (eval/run_manifest.h),
// DIR/episodes.jsonl (eval/store.h), DIR/recordings/ (eval/recording.h) and, once finished,
// DIR/summary.json, DIR/report.md and plots (eval/report.h). A `Run` creates or resumes one, runs
// its episodes and finishes it; it owns the manifest, the result store and the report.
#pragma once

#include <functional>
#include <memory>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "eval/config.h"
#include "eval/runner.h"
#include "eval/shard.h"
#include "eval/store.h"

namespace wambench {

/// Raised when a directory cannot be used as asked: a new run into a directory that already holds
/// one, a resume of a directory that is not a run directory (no readable manifest.json, malformed
/// JSON, no "config"), a shard that does not match the stored one, or a shard without episodes. The
/// message names the directory and says what to do instead. Nothing is written when it is raised.
class RunError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Where runs go when no directory is given: $WAMBENCH_RUNS_DIR if set and non-empty, else
/// $XDG_DATA_HOME/wambench/runs, else $HOME/.local/share/wambench/runs (the XDG Base Directory
/// default). Never inside the source tree.
/// @throws RunError when none of WAMBENCH_RUNS_DIR, XDG_DATA_HOME and HOME is set.
std::string default_runs_dir();

/// A new run directory's path: default_runs_dir() / "<prefix>-<UTC time>", the time as
/// utc_timestamp(true), e.g. ".../runs/eval-2026-12-05T201604Z".
/// @throws RunError as default_runs_dir().
std::string default_run_dir(const std::string& prefix);

/// One run directory, open for writing episodes. Not copyable; movable through std::unique_ptr.
class Run {
 public:
  /// Starts a new run of `config` (shard `shard` of it; the whole sweep by default) in `dir`,
  /// creating it if needed: writes manifest.json (new_run_manifest with `command`, plus {"shard":
  /// {"spec", "index", "count", "episodes"}} for a shard) and opens an empty episodes.jsonl.
  /// @throws RunError if `dir` already holds a run (a non-empty episodes.jsonl) or the shard has no
  /// episodes; std::invalid_argument from make_policy() for a policy that cannot be created;
  /// std::runtime_error if the directory cannot be written.
  static std::unique_ptr<Run> create(const std::string& dir, const EvalConfig& config, const std::string& command,
                                     const ShardSpec& shard = ShardSpec{});

  /// Continues the run in `dir` with the config and shard stored in its manifest: loads its finished
  /// episodes, appends {"time", "git_commit", "workers"} to the manifest's "resumed" list and
  /// rewrites it. `workers` > 0 replaces the stored worker count (results never depend on it).
  /// `shard` (optional) must equal the stored shard.
  /// @throws RunError if `dir` is not a run directory (read_run_manifest) or `shard` differs from
  /// the stored one; ConfigError-derived messages as RunError for a manifest whose config or shard
  /// does not parse; std::runtime_error if the directory cannot be written.
  static std::unique_ptr<Run> resume(const std::string& dir, int workers = 0, const ShardSpec* shard = nullptr);

  Run(const Run&) = delete;
  Run& operator=(const Run&) = delete;

  /// Runs every episode of the run's shard not yet stored (run_sweep), appending each record as it
  /// finishes and writing trajectories / videos under recordings_dir().
  /// @throws as run_sweep().
  SweepSummary run_episodes(const std::function<void(const SweepProgress&)>& on_progress = nullptr);

  /// Finishes the run: sets the manifest's "end_time", rewrites it and, with `report`, writes
  /// summary.json / report.md / plots (write_report). Returns the summary (null without `report`).
  /// @throws std::runtime_error if the manifest cannot be written or no episode is stored.
  nlohmann::json finish(bool report = true);

  const std::string& dir() const { return dir_; }
  const EvalConfig& config() const { return config_; }
  const ShardSpec& shard() const { return shard_; }
  /// True when the run was opened with resume().
  bool resumed() const { return resumed_; }
  /// The manifest as last written to DIR/manifest.json.
  const nlohmann::json& manifest() const { return manifest_; }
  ResultStore& store() { return *store_; }
  /// DIR/recordings (trajectories and videos, eval/recording.h).
  std::string recordings_dir() const;
  /// Episodes of the whole sweep (sweep_keys) and of the run's shard (shard_keys; equal for a whole sweep).
  size_t sweep_episodes() const;
  size_t shard_episodes() const;

 private:
  Run(std::string dir, EvalConfig config, ShardSpec shard, nlohmann::json manifest, bool resumed);
  void write_manifest() const;

  std::string dir_;
  EvalConfig config_;
  ShardSpec shard_;
  nlohmann::json manifest_;
  bool resumed_ = false;
  std::unique_ptr<ResultStore> store_;
};

/// Reads DIR/manifest.json of an existing run directory.
/// @throws RunError "'DIR' is not a run directory: it has no readable manifest.json", "DIR/manifest.json:
/// malformed JSON: ..." or "DIR/manifest.json: no 'config' field; not a wambench run directory".
nlohmann::json read_run_manifest(const std::string& dir);

}  // namespace wambench
