#include "eval/diagnostics.h"

#include <algorithm>
#include <cmath>

namespace wambench {

void DiagnosticSeries::append(const nlohmann::json& step) {
  if (step.is_object())
    for (const auto& [name, value] : step.items()) {
      std::vector<nlohmann::json>& s = series_[name];
      s.resize(steps_);  // a key seen for the first time: null at the earlier steps
      s.push_back(value);
    }
  ++steps_;
  for (auto& [name, s] : series_) s.resize(steps_);  // null where this step gave no value
}

const std::vector<nlohmann::json>* DiagnosticSeries::find(const std::string& name) const {
  const auto it = series_.find(name);
  return it == series_.end() ? nullptr : &it->second;
}

nlohmann::json harmowam_gate_diagnostics(const DiagnosticSeries& series, const std::vector<PhaseLabel>& phases,
                                         const std::vector<int>& chunk_positions) {
  const std::vector<nlohmann::json>* experts = series.find("expert");
  if (!experts) return nlohmann::json::object();
  const std::vector<nlohmann::json>* gates = series.find("gate");
  std::vector<double> gate_per_step;
  std::string expert_per_step;
  for (size_t k = 0; k < experts->size(); ++k) {
    const nlohmann::json& e = (*experts)[k];
    if (!e.is_string()) continue;
    const std::string expert = e.get<std::string>();
    expert_per_step += expert.empty() ? '-' : expert[0];
    const bool has_gate = gates && (*gates)[k].is_number();
    gate_per_step.push_back(has_gate ? std::round((*gates)[k].get<double>() * 1000.0) / 1000.0 : std::nan(""));
  }
  const size_t completed = std::min(experts->size(), chunk_positions.size());
  std::map<std::string, std::map<std::string, int>> gate_by_phase;  // coarse phase -> expert -> steps
  for (size_t k = 0; k < completed && k < phases.size(); ++k)
    if ((*experts)[k].is_string()) ++gate_by_phase[to_string(phases[k].coarse)][(*experts)[k].get<std::string>()];
  if (gate_by_phase.empty()) return nlohmann::json::object();
  nlohmann::json out = nlohmann::json::object();
  out["gate_by_phase"] = gate_by_phase;
  out["gate_per_step"] = gate_per_step;  // NaN is written as null
  out["expert_per_step"] = expert_per_step;
  // Steps per (position in the executed chunk, expert): whether the choice follows the phase or
  // the chunk's structure (a gate that prefers one expert early in every chunk).
  std::vector<std::map<std::string, int>> by_position;
  for (size_t k = 0; k < completed; ++k) {
    if (!(*experts)[k].is_string()) continue;
    const size_t pos = static_cast<size_t>(chunk_positions[k]);
    if (by_position.size() <= pos) by_position.resize(pos + 1);
    ++by_position[pos][(*experts)[k].get<std::string>()];
  }
  out["gate_by_chunk_position"] = by_position;
  return out;
}

}  // namespace wambench
