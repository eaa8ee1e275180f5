// Chunk execution options (policies/chunk_execution.h): a shorter receding horizon and ACT's
// temporal ensembling, checked against hand-computed actions of a policy whose chunks are known.
#include <cmath>

#include <gtest/gtest.h>

#include "eval/config.h"
#include "policies/chunk_execution.h"
#include "policies/policy.h"

namespace wambench {
namespace {

// Query q (0, 1, ...) returns the chunk whose action h has dx = 10 q + h and gripper +1 when
// q is even, -1 when odd; asks to execute all of it.
class CountingPolicy final : public Policy {
 public:
  explicit CountingPolicy(int h) : h_(h) {}
  std::string name() const override { return "counting"; }
  bool needs_images() const override { return false; }
  void reset(const EpisodeInfo&) override { queries_ = 0; }
  PolicyOutput act(const Observation&) override {
    PolicyOutput out;
    for (int h = 0; h < h_; ++h) {
      Action a{};
      a[0] = 10.0 * queries_ + h;
      a[6] = queries_ % 2 == 0 ? 1.0 : -1.0;
      out.chunk.push_back(a);
    }
    ++queries_;
    return out;
  }
  int queries_ = 0;

 private:
  int h_;
};

TEST(ChunkExecution, DefaultOptionsReturnThePolicyItself) {
  auto inner = std::make_unique<CountingPolicy>(4);
  Policy* raw = inner.get();
  EXPECT_EQ(with_chunk_execution(std::move(inner), {}).get(), raw);
}

TEST(ChunkExecution, ExecuteOverridesTheRecedingHorizon) {
  ChunkExecution o;
  o.execute = 1;
  auto p = with_chunk_execution(std::make_unique<CountingPolicy>(4), o);
  EXPECT_EQ(p->name(), "counting");
  p->reset({});
  const PolicyOutput out = p->act({});
  EXPECT_EQ(out.execute_steps, 1);
  EXPECT_EQ(out.chunk.size(), 4u);
  o.execute = 5;  // longer than the chunk
  auto q = with_chunk_execution(std::make_unique<CountingPolicy>(4), o);
  EXPECT_THROW(q->act({}), std::runtime_error);
}

TEST(ChunkExecution, TemporalEnsembleAveragesEveryChunkThatPredictsTheStep) {
  ChunkExecution o;
  o.temporal_ensemble = true;
  o.ensemble_decay = 0.5;
  auto p = with_chunk_execution(std::make_unique<CountingPolicy>(3), o);
  p->reset({});
  // Step 0: only query 0 predicts it: dx = 0.
  PolicyOutput out = p->act({});
  ASSERT_EQ(out.chunk.size(), 1u);
  EXPECT_EQ(out.execute_steps, 1);
  EXPECT_DOUBLE_EQ(out.chunk[0][0], 0.0);
  EXPECT_DOUBLE_EQ(out.chunk[0][6], 1.0);
  // Step 1: query 0 (oldest, w = 1) says 1, query 1 (w = e^-0.5) says 10.
  out = p->act({});
  const double w1 = std::exp(-0.5);
  EXPECT_NEAR(out.chunk[0][0], (1.0 + w1 * 10.0) / (1.0 + w1), 1e-12);
  EXPECT_NEAR(out.chunk[0][6], (1.0 - w1) / (1.0 + w1), 1e-12);
  // Step 2: queries 0, 1, 2 say 2, 11, 20 with weights 1, e^-0.5, e^-1.
  out = p->act({});
  const double w2 = std::exp(-1.0);
  EXPECT_NEAR(out.chunk[0][0], (2.0 + w1 * 11.0 + w2 * 20.0) / (1.0 + w1 + w2), 1e-12);
  // Step 3: query 0's chunk (3 actions) has run out: queries 1, 2, 3 say 12, 21, 30.
  out = p->act({});
  EXPECT_NEAR(out.chunk[0][0], (12.0 + w1 * 21.0 + w2 * 30.0) / (1.0 + w1 + w2), 1e-12);
  // A new episode forgets the old chunks.
  p->reset({});
  out = p->act({});
  EXPECT_DOUBLE_EQ(out.chunk[0][0], 0.0);
}

TEST(ChunkExecution, RejectsContradictoryOrOutOfRangeOptions) {
  ChunkExecution o;
  o.execute = -1;
  EXPECT_THROW(with_chunk_execution(std::make_unique<CountingPolicy>(2), o), std::invalid_argument);
  o.execute = 2;
  o.temporal_ensemble = true;
  EXPECT_THROW(with_chunk_execution(std::make_unique<CountingPolicy>(2), o), std::invalid_argument);
  o.execute = 0;
  o.ensemble_decay = -1;
  EXPECT_THROW(with_chunk_execution(std::make_unique<CountingPolicy>(2), o), std::invalid_argument);
}

TEST(ChunkExecution, ConfigEntriesParseAndRoundTrip) {
  const EvalConfig c = parse_eval_config(
      nlohmann::json::parse(R"({"policies": [{"name": "scripted"}], "tasks": ["press_button"], "splits": ["train"]})"),
      "test");
  EXPECT_TRUE(c.policies[0].execution.is_default());
  // A learned policy's options need a checkpoint file that exists: the bundled bc_state.
  const EvalConfig e = parse_eval_config(
      nlohmann::json::parse(R"({"policies": [{"name": "bc_state", "temporal_ensemble": true, "ensemble_decay": 0.1}],
                               "tasks": ["press_button"], "splits": ["train"]})"),
      "test");
  EXPECT_TRUE(e.policies[0].execution.temporal_ensemble);
  EXPECT_DOUBLE_EQ(e.policies[0].execution.ensemble_decay, 0.1);
  EXPECT_EQ(parse_eval_config(to_json(e), "again").policies[0].execution.ensemble_decay, 0.1);
  for (const char* bad : {R"([{"name": "scripted", "execute": 2}])", R"([{"name": "bc_state", "execute": -3}])",
                          R"([{"name": "bc_state", "execute": 2, "temporal_ensemble": true}])",
                          R"([{"name": "bc_state", "execute": "two"}])"}) {
    nlohmann::json j = {{"policies", nlohmann::json::parse(bad)}, {"tasks", {"press_button"}}, {"splits", {"train"}}};
    EXPECT_THROW(parse_eval_config(j, "test"), ConfigError) << bad;
  }
}

}  // namespace
}  // namespace wambench
