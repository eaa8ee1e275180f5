// Shards of a sweep: deterministic, disjoint, complete, balanced by expected cost; K/N parsing.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "eval/runner.h"
#include "eval/shard.h"

namespace wambench {
namespace {

// The CI sweep's shape (eval/configs/ci.json) without loading checkpoints: sharding reads only
// the policy labels and types, the tasks, the splits and the episode count.
EvalConfig ci_like() {
  EvalConfig c;
  for (const char* p : {"scripted", "bc_state", "vla", "harmowam"}) c.policies.push_back(PolicySpec(p, ""));
  c.tasks = {"pick_place", "stack_blocks", "open_drawer", "peg_insert", "press_button", "pour"};
  c.splits = {"train", "unseen_background", "unseen_position", "unseen_object", "unseen_all"};
  c.episodes = 3;
  c.seed = 1000;
  return c;
}

std::string error_of(const std::string& text) {
  try {
    parse_shard_spec(text, "--shard");
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(ShardSpec, ParsesKOverN) {
  const ShardSpec s = parse_shard_spec("2/4", "--shard");
  EXPECT_EQ(s.index, 2);
  EXPECT_EQ(s.count, 4);
  EXPECT_EQ(to_string(s), "2/4");
  EXPECT_TRUE(parse_shard_spec("1/1", "--shard").whole());
}

TEST(ShardSpec, BadTextNamesTheValidRange) {
  EXPECT_NE(error_of("3").find("--shard: '3': expected K/N"), std::string::npos);
  EXPECT_NE(error_of("a/4").find("K is not a number"), std::string::npos);
  EXPECT_NE(error_of("1/").find("N is not a number"), std::string::npos);
  EXPECT_NE(error_of("-1/4").find("K is not a number"), std::string::npos);
  EXPECT_NE(error_of("0/4").find("the shard K must be in 1..4 (shards are numbered from 1)"), std::string::npos);
  EXPECT_NE(error_of("5/4").find("the shard K must be in 1..4"), std::string::npos);
  EXPECT_NE(error_of("1/0").find("the number of shards N must be in 1..100000"), std::string::npos);
  EXPECT_NE(error_of("1/200000").find("the number of shards N must be in 1..100000"), std::string::npos);
}

TEST(Shards, DisjointCompleteAndInCanonicalOrder) {
  const EvalConfig c = ci_like();
  const std::vector<EpisodeKey> all = sweep_keys(c);
  for (int n : {1, 2, 3, 4, 7, 360}) {
    std::vector<EpisodeKey> joined;
    for (int k = 1; k <= n; ++k) {
      const std::vector<EpisodeKey> part = shard_keys(c, {k, n});
      // Each shard keeps the sweep's canonical order.
      std::vector<size_t> positions;
      for (const EpisodeKey& key : part)
        positions.push_back(std::find(all.begin(), all.end(), key) - all.begin());
      EXPECT_TRUE(std::is_sorted(positions.begin(), positions.end())) << k << "/" << n;
      joined.insert(joined.end(), part.begin(), part.end());
    }
    ASSERT_EQ(joined.size(), all.size()) << n << " shards";
    std::set<EpisodeKey> unique(joined.begin(), joined.end());
    EXPECT_EQ(unique.size(), all.size()) << n << " shards: an episode is in two shards";
  }
  EXPECT_EQ(shard_keys(c, {1, 1}), all);
}

TEST(Shards, DeterministicAndIndependentOfWorkers) {
  EvalConfig a = ci_like(), b = ci_like();
  b.workers = 7;
  b.record_video = 2;
  for (int k = 1; k <= 4; ++k) EXPECT_EQ(shard_keys(a, {k, 4}), shard_keys(b, {k, 4}));
}

TEST(Shards, BalancedByExpectedCostNotCount) {
  // pour costs about twice press_button: 4 pour + 4 press_button episodes in 2 shards are dealt
  // by cost, so the shards' costs differ by at most one episode's cost.
  EXPECT_GE(expected_episode_cost_s("scripted", "pour"), 1.5 * expected_episode_cost_s("scripted", "press_button"));
  EvalConfig c = ci_like();
  c.policies = {PolicySpec("scripted", "")};
  c.tasks = {"pour", "press_button"};
  c.splits = {"train"};
  c.episodes = 4;
  const std::vector<double> costs = shard_costs(c, 2);
  ASSERT_EQ(costs.size(), 2u);
  EXPECT_LE(std::abs(costs[0] - costs[1]), expected_episode_cost_s("scripted", "pour") + 1e-9);

  const EvalConfig ci = ci_like();
  double most = 0;
  for (const PolicySpec& p : ci.policies)
    for (const std::string& t : ci.tasks) most = std::max(most, expected_episode_cost_s(p.name, t));
  for (int n : {2, 4, 8}) {
    const std::vector<double> v = shard_costs(ci, n);
    const auto [lo, hi] = std::minmax_element(v.begin(), v.end());
    EXPECT_LE(*hi - *lo, most + 1e-9) << n << " shards";
  }
}

TEST(Shards, UnknownPolicyTypeOrTaskStillHasACost) {
  EXPECT_GT(expected_episode_cost_s("my_external_policy", "pour"), 0);
  EXPECT_GT(expected_episode_cost_s("scripted", "fold_towel"), 0);
  EXPECT_GT(expected_episode_cost_s("my_external_policy", "fold_towel"), 0);
}

TEST(Shards, RejectsAShardOutsideOneToN) {
  EXPECT_THROW(shard_keys(ci_like(), {0, 4}), ConfigError);
  EXPECT_THROW(shard_keys(ci_like(), {5, 4}), ConfigError);
}

}  // namespace
}  // namespace wambench
