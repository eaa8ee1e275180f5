// Regression check of success rates against a committed baseline (`wambench compare`).
//
// Both sides are summaries (summary.json of eval/report.h). For every (policy, task, split) cell
// and every (policy, split) aggregate of the baseline, the current run's success count is tested
// for a drop with a one-sided Fisher exact test. A drop is a regression only when it is
// significant (p < alpha) AND at least `min_drop` in absolute success rate, so noise between runs
// of a stochastic policy does not fail CI, while a real drop does. Cells missing from the current
// run are regressions too (the suite shrank).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace wambench {

/// Thresholds of compare_summaries. Defaults: alpha 0.05 (one-sided), min_drop 0.10 (10 points).
struct CompareOptions {
  double alpha = 0.05;
  double min_drop = 0.10;
};

/// One compared cell or aggregate.
struct CompareRow {
  std::string scope;  ///< "cell" (policy/task/split) or "split" (policy/split, pooled over tasks)
  std::string policy, task, split;  ///< task is "*" for scope "split"
  int64_t base_successes = 0, base_episodes = 0, cur_successes = 0, cur_episodes = 0;
  double p_value = 1.0;
  bool missing = false;      ///< absent from the current run
  bool regression = false;
  std::vector<int64_t> flipped;  ///< episode indices: success in the baseline, failure now (cells)
};

/// Compares `current` against `baseline`. @throws std::invalid_argument if either is not a summary.
std::vector<CompareRow> compare_summaries(const nlohmann::json& baseline, const nlohmann::json& current,
                                          const CompareOptions& options = {});

/// Human-readable table of the rows (regressions first, then flips, then a one-line verdict).
std::string format_comparison(const std::vector<CompareRow>& rows, const CompareOptions& options);

}  // namespace wambench
