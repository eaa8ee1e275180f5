// Per-step diagnostics as generic named series (eval/diagnostics.h) and HarmoWAM's gate
// diagnostics computed from them.
#include <gtest/gtest.h>

#include <cmath>

#include "eval/diagnostics.h"

namespace wambench {
namespace {

PhaseLabel label(CoarsePhase coarse) {
  PhaseLabel l;
  l.coarse = coarse;
  return l;
}

TEST(DiagnosticSeries, KeepsEveryKeyAlignedWithTheSteps) {
  DiagnosticSeries s;
  s.append({{"phase", "reach"}});
  s.append(nlohmann::json::array());  // not an object: a step without diagnostics
  s.append({{"phase", "grasp"}, {"gate", 0.25}});
  EXPECT_EQ(s.steps(), 3u);
  ASSERT_NE(s.find("phase"), nullptr);
  EXPECT_EQ(*s.find("phase"), (std::vector<nlohmann::json>{"reach", nullptr, "grasp"}));
  ASSERT_NE(s.find("gate"), nullptr);
  EXPECT_EQ(*s.find("gate"), (std::vector<nlohmann::json>{nullptr, nullptr, 0.25}));
  EXPECT_EQ(s.find("expert"), nullptr);
  EXPECT_EQ(s.all().size(), 2u);
}

TEST(GateDiagnostics, CountsExpertsByPhaseAndChunkPosition) {
  DiagnosticSeries s;
  s.append({{"gate", 0.8314}, {"expert", "predictive"}});
  s.append({{"expert", "reactive"}});  // no gate value: null
  s.append({{"phase", "reach"}});      // no expert: not counted
  s.append({{"gate", 0.9}, {"expert", "predictive"}});
  const std::vector<PhaseLabel> phases = {label(CoarsePhase::kInteraction), label(CoarsePhase::kTransit),
                                          label(CoarsePhase::kTransit), label(CoarsePhase::kInteraction)};
  const nlohmann::json d = harmowam_gate_diagnostics(s, phases, {0, 1, 0, 1});
  EXPECT_EQ(d.at("gate_by_phase"),
            nlohmann::json({{"interaction", {{"predictive", 2}}}, {"transit", {{"reactive", 1}}}}));
  EXPECT_EQ(d.at("expert_per_step"), "prp");
  ASSERT_EQ(d.at("gate_per_step").size(), 3u);
  EXPECT_DOUBLE_EQ(d.at("gate_per_step")[0].get<double>(), 0.831);
  EXPECT_TRUE(d.at("gate_per_step")[1].is_null() || std::isnan(d.at("gate_per_step")[1].get<double>()));
  EXPECT_EQ(d.at("gate_by_chunk_position"),
            nlohmann::json::parse(R"([{"predictive": 1}, {"predictive": 1, "reactive": 1}])"));
}

TEST(GateDiagnostics, AStepThatFailedInTheSimulatorIsListedButNotCounted) {
  DiagnosticSeries s;
  s.append({{"gate", 0.7}, {"expert", "predictive"}});
  s.append({{"gate", 0.2}, {"expert", "reactive"}});  // the simulator failed on this step
  const nlohmann::json d = harmowam_gate_diagnostics(s, {label(CoarsePhase::kTransit)}, {0});
  EXPECT_EQ(d.at("expert_per_step"), "pr");
  EXPECT_EQ(d.at("gate_by_phase"), nlohmann::json({{"transit", {{"predictive", 1}}}}));
  EXPECT_EQ(d.at("gate_by_chunk_position").size(), 1u);
}

TEST(GateDiagnostics, NothingWithoutAnExpert) {
  DiagnosticSeries s;
  s.append({{"phase", "reach"}, {"coarse", "transit"}});
  EXPECT_EQ(harmowam_gate_diagnostics(s, {label(CoarsePhase::kTransit)}, {0}), nlohmann::json::object());
  EXPECT_EQ(harmowam_gate_diagnostics(DiagnosticSeries{}, {}, {}), nlohmann::json::object());
}

}  // namespace
}  // namespace wambench
