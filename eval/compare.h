// Regression check of success rates against a committed baseline (`wambench compare`).
//
// Both sides are summaries (summary.json of eval/report.h). A "policy" is a row's label (the policy
// name unless the sweep labelled the entry, eval/config.h), so two checkpoints of one policy type
// are compared label by label. For every (policy, task, split) cell
// and every (policy, split) aggregate of the baseline, the current run is tested for a drop in
// success rate. A drop is a regression only when it is significant (p < alpha) AND at least
// `min_drop` in absolute success rate, so noise between runs of a stochastic policy does not fail
// CI, while a real drop does. Cells missing from the current run are regressions too (the suite
// shrank).
//
// Paired or unpaired. Two episodes are the same episode only when task, split, episode index and
// base seed are equal; a summary records this as each cell's per-index episode seed
// (episode_seed(base, task, split, index), tasks/split.h) and its "base_seed". Where a cell's
// baseline and current episodes are the same (all or some of them), the cell is paired: the test
// is the exact one-sided McNemar test on the discordant pairs of the shared episodes, and the
// episodes that flipped (success -> failure and failure -> success) are listed. Where they share
// no episode (different base seeds, or a summary without episode seeds, written before they were
// recorded), the cell is unpaired: the test is the one-sided Fisher exact test on the two counts,
// no flips are listed (an index names different episodes), and the row says why. Pairing is the
// stronger test: e.g. 25/50 -> 20/50 with five one-way flips gives paired p = 0.5^5 = 0.031 but
// unpaired p = 0.21.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace wambench {

/// Thresholds of compare_summaries. Defaults: alpha 0.05 (one-sided), min_drop 0.10 (10 points).
/// `strict`: differences between the runs (summary_differences) fail the comparison instead of
/// being printed as information.
struct CompareOptions {
  double alpha = 0.05;
  double min_drop = 0.10;
  bool strict = false;
};

/// One compared cell or aggregate.
struct CompareRow {
  std::string scope;  ///< "cell" (policy/task/split) or "split" (policy/split, pooled over tasks)
  std::string policy, task, split;  ///< task is "*" for scope "split"
  /// Counts of every episode of the cell on each side (whether paired or not).
  int64_t base_successes = 0, base_episodes = 0, cur_successes = 0, cur_episodes = 0;
  /// One-sided p-value of a drop: McNemar exact (paired) or Fisher exact (unpaired); in [0, 1].
  double p_value = 1.0;
  /// Drop in success rate that the test and min_drop judge, in [-1, 1]: over the shared episodes
  /// when paired ((base_only - cur_only) / shared_episodes), else base rate - current rate.
  double drop = 0.0;
  bool missing = false;  ///< absent from the current run
  bool regression = false;
  bool paired = false;           ///< tested on shared (identical) episodes
  int64_t shared_episodes = 0;   ///< episodes identical on both sides (paired rows)
  int64_t base_only = 0;         ///< shared episodes solved only in the baseline (paired rows)
  int64_t cur_only = 0;          ///< shared episodes solved only now (paired rows)
  /// Shared episode indices that went success -> failure / failure -> success (paired cells only;
  /// always empty for unpaired rows and for "split" rows).
  std::vector<int64_t> flipped_to_failure, flipped_to_success;
  /// Why a row is unpaired ("unpaired: different episodes", ...) or how a paired row was paired
  /// when the runs overlap only partly ("paired on 3 shared episodes of 3 / 20"); empty otherwise.
  std::string notice;
};

/// Compares `current` against `baseline` (both summary.json objects); see the file comment.
/// Split aggregates are paired when every baseline cell of that (policy, split) is paired (the
/// discordant counts are pooled), else unpaired on the pooled counts.
/// @throws std::invalid_argument if either is not a summary (no "cells" / "by_split").
std::vector<CompareRow> compare_summaries(const nlohmann::json& baseline, const nlohmann::json& current,
                                          const CompareOptions& options = {});

/// Differences between the two runs that matter when reading the comparison, one line each:
/// base seed, episodes per cell, config hash, checkpoint hash and policy type per policy label, code version (wambench
/// version and git commit), and cells only in the current run. A field missing from a summary is
/// reported as "unknown" on that side (an older summary). Empty when the runs match.
std::vector<std::string> summary_differences(const nlohmann::json& baseline, const nlohmann::json& current);

/// Human-readable report: the differences (information, or a failure under options.strict), then
/// regressions, paired cells with flips in either direction, unpaired cells with their notice, and
/// a one-line verdict ("OK: ..." or "FAIL: ...").
std::string format_comparison(const std::vector<CompareRow>& rows, const CompareOptions& options,
                              const std::vector<std::string>& differences = {});

/// True if the comparison fails: a regression, or options.strict and a difference.
bool comparison_failed(const std::vector<CompareRow>& rows, const CompareOptions& options,
                       const std::vector<std::string>& differences = {});

/// One-sided exact McNemar p-value of a drop from paired binary outcomes: b = shared episodes
/// solved only in the baseline, c = solved only now. p = P(X >= b) = P(X <= c), X ~ Binomial(b + c,
/// 1/2); 1 when b + c == 0. Computed from stats::mcnemar_exact_p (eval/stats.h).
/// @throws std::invalid_argument if a count is negative.
double mcnemar_drop_p(int64_t b, int64_t c);

}  // namespace wambench
