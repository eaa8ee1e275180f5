// Reports of a sweep: summary.json (every aggregate, machine-readable) and report.md (the
// paper-style table with Wilson 95 % intervals, per-task tables, paired McNemar comparisons, the
// HarmoWAM headline, plots drawn by gnuplot).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "eval/record.h"

namespace wambench {

/// The OOD splits averaged in the paper-style "OOD" column: unseen_background, unseen_position,
/// unseen_object (unseen_all is reported as its own, harder column).
const std::vector<std::string>& ood_splits();

/// Aggregates records into the summary (schema in the source's comment) by running the aggregations
/// of summary_metrics() (eval/summary_metrics.h) in turn. Rows are keyed by the records' policy
/// labels (EpisodeKey::policy), each with its policy type ("policy_types"), family (PolicyInfo::family,
/// policies/policy.h; "families") and checkpoint hash ("checkpoints"). With a `harmowam` row in the
/// records, the paired comparisons are
/// `harmowam` against every other row plus every pair of rows of one policy type (else every pair), and
/// "gate" holds, per policy and task ("all" = pooled), the steps per coarse state phase and acting
/// expert from the records' "gate_by_phase", the fraction of interaction steps, the predictive
/// expert's share in each phase, the gate's agreement with the phase labels and Cohen's kappa;
/// "phase_labels" holds, per policy reporting its own plan labels (scripted), task and split ("all" =
/// pooled), the agreement and kappa of the state phase labels with the plan. Episodes with status
/// "error" count as failures and are also counted under "errors". `order` gives the table order
/// of policies / tasks / splits (names missing from it are appended in first-seen order).
nlohmann::json summarize(const std::vector<EpisodeRecord>& records, const nlohmann::json& order);

/// Renders the markdown report of a summary; `plot_file` (relative to the report) is embedded if
/// non-empty.
std::string render_report_md(const nlohmann::json& summary, const std::string& plot_file);

/// Whether `gnuplot` is on PATH (asked of /bin/sh with `command -v`).
bool gnuplot_found();

/// Runs `gnuplot SCRIPT` (its output discarded), in directory `work_dir` when non-empty (relative
/// paths in the script then resolve there; SCRIPT itself is taken relative to the current
/// directory, or is absolute). The plots of the reports (success_by_split.svg, correlation.png).
/// @return false when gnuplot is not on PATH or exits with an error; true otherwise.
bool run_gnuplot(const std::string& script, const std::string& work_dir = "");

/// Writes DIR/summary.json, DIR/report.md and DIR/success_by_split.svg (if gnuplot is available)
/// from DIR/episodes.jsonl and DIR/manifest.json. Returns the summary. The summary carries what
/// identifies the episodes and the code (base seed, per-cell episode seeds, config hash, checkpoint
/// hashes, and the manifest's wambench version and git commit as "code_version"), which
/// `wambench compare` uses to pair identical episodes.
/// @throws std::runtime_error if DIR has no readable episode records.
nlohmann::json write_report(const std::string& dir);

}  // namespace wambench
