// Sim-to-real correlation (`wambench correlate SIM_RUN REAL_RUN`, issue 15 item 3): per policy x
// task success in simulation and on the real arm, Pearson r and SimplerEnv's Mean Maximum Rank
// Violation (MMRV) between them with percentile-bootstrap intervals, a scatter plot and a report.
//
// Both runs are directories holding episodes.jsonl (eval/record.h); a real run is written by
// `wambench real` in the same format, keyed the same way (policy label, task, split, index).
//
// Metrics (Li et al., "Evaluating Real-World Robot Manipulation Policies in Simulation", CoRL 2024,
// arXiv:2405.05941; their code simpler-env/SimplerEnv, simpler_env/utils/metrics.py,
// `pearson_correlation` and `mean_maximum_rank_violation`, commit 6f5a5f7):
//  - Pearson r = sum_i (s_i - mean s)(r_i - mean r) / sqrt(sum_i (s_i - mean s)^2 * sum_i (r_i - mean r)^2)
//    over the policies' sim success rates s and real success rates r. SimplerEnv adds 1e-8 to the
//    denominator (so a zero variance gives 0, or 1 when both centred vectors are equal); here a zero
//    variance or fewer than 2 policies leaves r undefined (std::nullopt, JSON null), because no
//    correlation can be measured then.
//  - MMRV = (1 / N) sum_i max_j { |r_i - r_j| : (s_i > s_j) != (r_i > r_j) } (max of nothing = 0):
//    for each policy, the largest real-world gap to a policy that the simulation ranks the other way
//    round; the comparisons are strict as in SimplerEnv, so a tie on one side and an order on the
//    other is a violation. In [0, 1]; 0 = sim ranks every pair as real does; lower is better.
//    Undefined for fewer than 2 policies (SimplerEnv would give 0).
// SimplerEnv computes both per task across policies; here they are also averaged over the tasks
// where they are defined and computed once over all (policy, task) cells pooled.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "eval/record.h"
#include "eval/stats.h"

namespace wambench {

/// Pearson's correlation coefficient of paired samples x, y (formula in the file comment).
/// @return std::nullopt when it is undefined: fewer than 2 pairs, or x or y has zero variance.
/// @throws std::invalid_argument if x and y differ in length or hold a non-finite value.
std::optional<double> pearson_r(const std::vector<double>& x, const std::vector<double>& y);

/// SimplerEnv's Mean Maximum Rank Violation of sim success rates `sim` against real success rates
/// `real` (one entry per policy, each in [0, 1]; formula in the file comment). In [0, 1].
/// @return std::nullopt for fewer than 2 policies.
/// @throws std::invalid_argument if the lengths differ or a value is non-finite.
std::optional<double> mean_maximum_rank_violation(const std::vector<double>& sim,
                                                  const std::vector<double>& real);

/// Options of a correlation.
struct CorrelateOptions {
  /// Only episodes of this split (e.g. "train", "unseen_position"); empty = pool, per (policy,
  /// task) cell, every split present in both runs for that cell.
  std::string split;
  int bootstrap = 2000;     ///< bootstrap resamples, >= 0 (0 = no intervals)
  uint64_t seed = 0;        ///< seed of the bootstrap's Rng (sim/random.h); same seed, same intervals
  double confidence = 0.95; ///< level of the Wilson and bootstrap intervals, in (0, 1)
};

/// One (policy, task) cell in one run: episodes of the splits used, outcomes in file order.
struct CorrelateRunCell {
  int64_t episodes = 0;   ///< episodes counted
  int64_t successes = 0;  ///< status "success"
  int64_t errors = 0;     ///< status "error" (counted as failures too)
  stats::Interval rate;   ///< success rate with its Wilson interval at the options' confidence
  std::vector<uint8_t> outcomes;  ///< 1 = success, 0 = failure or error (episodes entries)
};

/// A (policy, task) cell present in both runs.
struct CorrelateCell {
  std::string policy;   ///< the sweep's policy label (EpisodeKey::policy)
  std::string task;
  std::vector<std::string> splits;  ///< splits pooled into this cell (present in both runs)
  CorrelateRunCell sim, real;
  /// Set when the runs evaluated different things under one label: the checkpoint hashes
  /// (EpisodeRecord::checkpoint_hash) or policy types of the cell's episodes differ between the
  /// runs, e.g. "checkpoint differs: sim 1a2b, real 3c4d". Empty when they agree.
  std::string warning;
};

/// Something left out of the correlation, with the reason ("only in the sim run", ...).
struct CorrelateDropped {
  std::string policy, task;
  std::string split;       ///< empty when the whole cell was left out
  int64_t sim_episodes = 0, real_episodes = 0;
  std::string reason;
};

/// A metric with its percentile-bootstrap interval.
struct CorrelateMetric {
  std::optional<double> value;   ///< point estimate; nullopt = undefined (see `undefined`)
  std::string undefined;         ///< why `value` is undefined ("1 policy", "zero variance in sim")
  std::optional<double> lo, hi;  ///< interval bounds; nullopt when no resample gave a value
  int resamples_defined = 0;     ///< resamples in which the metric was defined (of `bootstrap`)
};

/// Pearson r and MMRV over a group of cells (one task across policies, or all cells).
struct CorrelateGroup {
  std::string name;             ///< the task, or "pooled" (every cell)
  std::vector<size_t> cells;    ///< indices into CorrelationResult::cells
  CorrelateMetric pearson, mmrv;
};

/// Everything `wambench correlate` reports.
struct CorrelationResult {
  std::string sim_run, real_run;         ///< the run directories (as given)
  CorrelateOptions options;
  std::vector<CorrelateCell> cells;      ///< sorted by task, then policy
  std::vector<CorrelateDropped> dropped; ///< cells and splits left out, and why
  std::vector<CorrelateGroup> per_task;  ///< one per task, in the order of `cells`
  /// Means over the tasks where the metric is defined (the bootstrap recomputes the mean in each
  /// resample); `undefined` names the tasks left out of the mean.
  CorrelateMetric mean_pearson, mean_mmrv;
  CorrelateGroup pooled;                 ///< all cells as one group
};

/// Correlates records (as read from two runs' episodes.jsonl). The sim and real runs are paired by
/// (policy label, task); splits are restricted or pooled as CorrelateOptions::split says. Episodes
/// with status "error" count as failures and are also counted as errors. Bootstrap: in each of
/// `options.bootstrap` resamples, every cell's episodes of each run are resampled with replacement
/// (same count), and every metric is recomputed; the interval is the percentile interval
/// (linear interpolation between order statistics, as numpy.percentile) of the resamples where
/// the metric is defined. Deterministic for a seed.
/// @throws std::invalid_argument naming the problem if no (policy, task) cell is in both runs
/// (listing the cells of each), if `options.split` is not present in both runs (listing the splits
/// of each), if a record is inconsistent (status not success / failure / error, or `success` not
/// equal to status == "success"; run, cell and episode named), or if bootstrap < 0 or confidence
/// is not in (0, 1).
CorrelationResult correlate_records(const std::vector<EpisodeRecord>& sim,
                                    const std::vector<EpisodeRecord>& real,
                                    const CorrelateOptions& options);

/// Reads SIM_DIR/episodes.jsonl and REAL_DIR/episodes.jsonl (read_episode_records: the last record
/// of a rerun episode, a torn last line ignored) and correlates them.
/// @throws std::runtime_error if a directory or its episodes.jsonl is missing, a record is malformed
/// (file and line named), or a run has no records; std::invalid_argument as correlate_records.
CorrelationResult correlate_runs(const std::string& sim_dir, const std::string& real_dir,
                                 const CorrelateOptions& options);

/// The result as correlation.json: options, cells (counts, rates, Wilson intervals), dropped cells,
/// per-task / mean / pooled metrics with intervals; undefined values are null with a reason.
nlohmann::json to_json(const CorrelationResult& result);

/// correlation.md: the table of cells, the metrics with intervals, one-line definitions, the cells
/// left out. `plot_file` (relative to the report) is embedded if non-empty.
std::string render_correlation_md(const CorrelationResult& result, const std::string& plot_file);

/// The scatter plot's data, correlation.dat (gnuplot's data format): a `#` header naming the
/// columns, then one row per cell in the order of `cells`, the rows of each task in one data block
/// (blocks separated by two blank lines, so block k is task k of `per_task`). Columns: 1 task,
/// 2 policy (both double-quoted), 3 sim success %, 4 real success %, 5-6 sim Wilson interval %,
/// 7-8 real Wilson interval % (all in [0, 100]), 9 the point's label: the distinct policies of
/// every cell at this (sim, real) point, comma-separated, on the first such cell, "" on the others
/// (so coinciding points get one label). Double quotes in names are written as single quotes.
std::string correlation_plot_data(const CorrelationResult& result);

/// The gnuplot script correlation.gp, run in the directory holding correlation.dat: draws
/// correlation.png (pngcairo, 900 x 700 pixels) and correlation.svg (svg, same size) with sim
/// success % on x and real success % on y (both axes 0 to 100, drawn with a 2 % margin so that
/// error bars at 0 or 100 stay visible; square plot area), each cell a point
/// with its Wilson intervals as error bars in both directions (xyerrorbars), a colour and point type
/// per task named in the key, its policy label beside it (left of points with sim > 75 %, below
/// points with real > 90 %), the
/// diagonal y = x, and the pooled Pearson r and MMRV with their bootstrap intervals in the title.
/// Text is printed as is (noenhanced: underscores stay underscores).
std::string correlation_plot_script(const CorrelationResult& result);

/// Writes OUT_DIR/correlation.dat and correlation.gp and runs gnuplot there (run_gnuplot,
/// eval/report.h) to draw correlation.png and correlation.svg. OUT_DIR must exist.
/// @return true if gnuplot was found and drew both images; false otherwise (the .dat and .gp are
/// written either way).
/// @throws std::runtime_error naming the path if a file cannot be written.
bool plot_correlation(const CorrelationResult& result, const std::string& out_dir);

/// Writes OUT_DIR/correlation.json, the plot (plot_correlation: correlation.dat, .gp, and, with
/// gnuplot, .png and .svg) and correlation.md, which embeds correlation.png or, when gnuplot was
/// not found or failed, says so. Creates OUT_DIR.
/// @return whether the plot was drawn (plot_correlation).
/// @throws std::runtime_error naming the path if OUT_DIR cannot be created or a file written.
bool write_correlation(const CorrelationResult& result, const std::string& out_dir);

}  // namespace wambench
