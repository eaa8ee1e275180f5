// The aggregations of a run's summary.json (eval/report.h; its schema is in eval/report.cc), one
// small named function per group of fields, and the table summarize() runs them from. A new metric
// is a function here plus a row of summary_metrics().
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "eval/record.h"

namespace wambench {

/// What every aggregation reads: the records and the names in table order.
struct SummaryInput {
  /// Episode records, one per episode (read_episode_records), in store order.
  const std::vector<EpisodeRecord>* records = nullptr;
  /// The run's resolved config (eval/config.h to_json), or an empty object when summarized without
  /// one: gives the table order and the identity fields ("seed", "episodes").
  nlohmann::json order = nlohmann::json::object();
  /// Row labels, tasks and splits that occur in the records: first in the config's order, then
  /// names missing from it in first-seen order.
  std::vector<std::string> policies, tasks, splits;
  /// Row label -> registered policy type (the record's policy_type, or the label when it is empty).
  std::map<std::string, std::string> types;
  /// ood_splits() as a set.
  std::set<std::string> ood;
};

/// Builds the input of the aggregations from records and the config (see SummaryInput).
SummaryInput make_summary_input(const std::vector<EpisodeRecord>& records, const nlohmann::json& order);

/// One aggregation: adds its fields to the summary. It may read fields added by the rows before it
/// in summary_metrics() (e.g. "headline" reads "families" and "ood").
using SummaryMetric = void (*)(const SummaryInput& in, nlohmann::json* summary);

/// A row of the table: the summary.json fields the function writes, and the function.
struct NamedSummaryMetric {
  const char* fields;
  SummaryMetric add;
};

/// The aggregations in the order summarize() runs them.
const std::vector<NamedSummaryMetric>& summary_metrics();

// The aggregations themselves (fields as in the schema of eval/report.cc).

/// "episodes" (records), "errors" (records with status "error").
void add_episode_counts(const SummaryInput& in, nlohmann::json* s);
/// "policies", "tasks", "splits" (table order), "ood_splits", "policy_types" and "families"
/// (PolicyInfo::family of each row's policy type, policies/policy.h).
void add_names(const SummaryInput& in, nlohmann::json* s);
/// "base_seed", "episodes_per_cell", "config_hash" (when the config gives a seed) and "checkpoints".
void add_identity(const SummaryInput& in, nlohmann::json* s);
/// "cells": per (policy, task, split) successes, Wilson interval, errors, outcomes and episode seeds.
void add_cells(const SummaryInput& in, nlohmann::json* s);
/// "by_split": per (policy, split), pooled over tasks.
void add_by_split(const SummaryInput& in, nlohmann::json* s);
/// "ood" (pooled over ood_splits(), policies with such episodes) and "overall" (every episode).
void add_ood_and_overall(const SummaryInput& in, nlohmann::json* s);
/// "paired": exact McNemar tests on identical episodes per split and over the OOD splits; with a
/// `harmowam` row only its pairs and pairs of one policy type.
void add_paired(const SummaryInput& in, nlohmann::json* s);
/// "headline": the `harmowam` family row against the best "vla" and "wam" rows on OOD, or null.
/// Reads "families" and "ood".
void add_headline(const SummaryInput& in, nlohmann::json* s);
/// "gate": HarmoWAM gate diagnostics per policy and task from the records' "gate_by_phase" and
/// "gate_by_chunk_position".
void add_gate(const SummaryInput& in, nlohmann::json* s);
/// "phase_labels": state phase labels against the policy's own plan labels ("phase_per_step",
/// "plan_phase_per_step").
void add_phase_labels(const SummaryInput& in, nlohmann::json* s);
/// "remote_latency" (absent without records carrying "latency_ms_mean").
void add_remote_latency(const SummaryInput& in, nlohmann::json* s);

}  // namespace wambench
