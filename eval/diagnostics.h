// A policy's per-step diagnostics (PolicyOutput::diagnostics merged with its step_diagnostics entry,
// policies/policy.h) as generic named series, and the episode-level diagnostics computed from them
// by named functions: the runner collects the series without knowing their names; what a policy
// family's diagnostics mean lives here.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tasks/task.h"

namespace wambench {

/// Named series of per-step diagnostics: for every key that a step's diagnostics object gave at
/// least once, one JSON value per appended step (null at the steps that did not give it).
class DiagnosticSeries {
 public:
  /// Appends one step: each key of `step` (a JSON object; anything else counts as an empty one)
  /// extends its series, every other series gets null.
  void append(const nlohmann::json& step);
  /// Steps appended so far.
  size_t steps() const { return steps_; }
  /// The series named `name` (steps() values), or nullptr if no step gave that key.
  const std::vector<nlohmann::json>* find(const std::string& name) const;
  /// Every series by name.
  const std::map<std::string, std::vector<nlohmann::json>>& all() const { return series_; }

 private:
  std::map<std::string, std::vector<nlohmann::json>> series_;
  size_t steps_ = 0;
};

/// HarmoWAM's gate diagnostics of an episode (policies/wam.cc gives, per executed action, {"gate":
/// w, "expert": "predictive" | "reactive"}), from the series "expert" and "gate":
/// - "gate_by_phase": {state coarse phase: {expert: steps}} over the steps whose "expert" is a
///   string, the phase taken from `phases` (the state phase labels of the completed steps);
/// - "gate_per_step": per step with an "expert", its "gate" number rounded to 1e-3 (null if none);
/// - "expert_per_step": per step with an "expert", its initial ('-' for an empty name), e.g. "pprr";
/// - "gate_by_chunk_position": [{expert: steps}] per position in the executed chunk, from
///   `chunk_positions` (0-based position of each completed step in its chunk).
/// `series` may hold one step more than `phases` / `chunk_positions` (a step that failed in the
/// simulator after the policy answered): gate_per_step / expert_per_step include it, the counts do
/// not. Returns an empty object when no completed step named an expert.
nlohmann::json harmowam_gate_diagnostics(const DiagnosticSeries& series, const std::vector<PhaseLabel>& phases,
                                         const std::vector<int>& chunk_positions);

}  // namespace wambench
