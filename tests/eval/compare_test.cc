// `wambench compare`: the paired test on identical episodes (task, split, index, base seed), the
// unpaired fallback across different episodes, partial overlap, old summaries, and the run
// differences. Expected p-values are hand-computed binomial / hypergeometric sums.
#include <gtest/gtest.h>

#include <functional>

#include "eval/compare.h"
#include "eval/report.h"
#include "tasks/split.h"

namespace wambench {
namespace {

// The summary of one cell (scripted / press_button / train) of `episodes` episodes under
// `base_seed`, episode i succeeding iff success(i), as `wambench eval` writes it.
nlohmann::json run_summary(uint64_t base_seed, int64_t episodes, const std::function<bool(int64_t)>& success) {
  std::vector<EpisodeRecord> recs;
  for (int64_t i = 0; i < episodes; ++i) {
    EpisodeRecord r;
    r.key = {"scripted", "press_button", "train", i};
    r.seed = episode_seed(base_seed, "press_button", Split::kTrain, i);
    r.success = success(i);
    r.status = r.success ? "success" : "failure";
    recs.push_back(r);
  }
  const nlohmann::json config = {{"policies", {"scripted"}}, {"tasks", {"press_button"}}, {"splits", {"train"}},
                                 {"episodes", episodes},     {"seed", base_seed},         {"workers", 1}};
  return summarize(recs, config);
}

const CompareRow& cell(const std::vector<CompareRow>& rows) {
  EXPECT_EQ(rows.at(0).scope, "cell");
  return rows.at(0);
}

TEST(Compare, OneSidedMcNemarMatchesHandComputedBinomial) {
  // P(X >= b), X ~ Binomial(b + c, 1/2).
  EXPECT_NEAR(mcnemar_drop_p(5, 0), 1.0 / 32, 1e-12);
  EXPECT_NEAR(mcnemar_drop_p(8, 2), (45.0 + 10 + 1) / 1024, 1e-12);
  EXPECT_NEAR(mcnemar_drop_p(3, 1), 5.0 / 16, 1e-12);
  EXPECT_NEAR(mcnemar_drop_p(2, 2), 11.0 / 16, 1e-12);
  EXPECT_NEAR(mcnemar_drop_p(1, 3), 15.0 / 16, 1e-12);
  EXPECT_NEAR(mcnemar_drop_p(0, 5), 1.0, 1e-12);
  EXPECT_NEAR(mcnemar_drop_p(0, 0), 1.0, 1e-12);
  EXPECT_THROW(mcnemar_drop_p(-1, 0), std::invalid_argument);
}

TEST(Compare, PairedTestFlagsADropThatTheUnpairedTestMisses) {
  // 25/50 -> 20/50 on identical episodes: episodes 20..24 flipped to failure, none to success.
  const CompareOptions o{0.05, 0.05, false};
  const auto base = run_summary(7, 50, [](int64_t i) { return i < 25; });
  const auto cur = run_summary(7, 50, [](int64_t i) { return i < 20; });
  const CompareRow paired = cell(compare_summaries(base, cur, o));
  EXPECT_TRUE(paired.paired);
  EXPECT_EQ(paired.shared_episodes, 50);
  EXPECT_NEAR(paired.p_value, 1.0 / 32, 1e-12);  // 0.5^5
  EXPECT_TRUE(paired.regression);
  EXPECT_EQ(paired.flipped_to_failure, (std::vector<int64_t>{20, 21, 22, 23, 24}));
  EXPECT_TRUE(paired.flipped_to_success.empty());
  // The same counts on different episodes (another base seed): Fisher's one-sided p = 0.2108
  // (hypergeometric N = 100, K = 45, n = 50: P(X <= 20)); no regression.
  const auto other = run_summary(8, 50, [](int64_t i) { return i < 20; });
  const CompareRow unpaired = cell(compare_summaries(base, other, o));
  EXPECT_FALSE(unpaired.paired);
  EXPECT_NEAR(unpaired.p_value, 0.21077588623076354, 1e-9);
  EXPECT_FALSE(unpaired.regression);
}

TEST(Compare, UnpairedTestFlagsADropThatThePairedTestDoesNotWhenPairingIsImpossible) {
  // 10/20 -> 4/20 with flips both ways: 8 to failure (2..9), 2 to success (10, 11).
  const auto base = run_summary(3, 20, [](int64_t i) { return i < 10; });
  auto now = [](int64_t i) { return i < 2 || i == 10 || i == 11; };
  const CompareRow paired = cell(compare_summaries(base, run_summary(3, 20, now)));
  EXPECT_TRUE(paired.paired);
  EXPECT_EQ(paired.base_only, 8);
  EXPECT_EQ(paired.cur_only, 2);
  EXPECT_NEAR(paired.p_value, 56.0 / 1024, 1e-12);  // P(X >= 8 | n = 10) = 0.0547 > 0.05
  EXPECT_FALSE(paired.regression);
  EXPECT_EQ(paired.flipped_to_failure, (std::vector<int64_t>{2, 3, 4, 5, 6, 7, 8, 9}));
  EXPECT_EQ(paired.flipped_to_success, (std::vector<int64_t>{10, 11}));
  // Different episodes: only the counts can be compared. Fisher: N = 40, K = 14, n = 20,
  // P(X <= 4) = 0.0479 < 0.05 and a 30-point drop: a regression, with no flips listed.
  const CompareRow unpaired = cell(compare_summaries(base, run_summary(4, 20, now)));
  EXPECT_FALSE(unpaired.paired);
  EXPECT_NEAR(unpaired.p_value, 0.047922783740358826, 1e-9);
  EXPECT_TRUE(unpaired.regression);
  EXPECT_TRUE(unpaired.flipped_to_failure.empty());
  EXPECT_TRUE(unpaired.flipped_to_success.empty());
  // 10/10 -> 3/10 on different episodes: C(13,3) / C(20,10) = 286 / 184756.
  const CompareRow big = cell(compare_summaries(run_summary(3, 10, [](int64_t) { return true; }),
                                                run_summary(4, 10, [](int64_t i) { return i < 3; })));
  EXPECT_NEAR(big.p_value, 286.0 / 184756, 1e-12);
  EXPECT_TRUE(big.regression);
}

TEST(Compare, DifferentBaseSeedsGiveNoFlipsAndAnUnpairedNotice) {
  // The example: a baseline of 3 episodes per cell under seed 1000, a run of 20 under seed 0.
  const auto base = run_summary(1000, 3, [](int64_t) { return true; });
  const auto cur = run_summary(0, 20, [](int64_t i) { return i != 0; });
  const auto rows = compare_summaries(base, cur);
  for (const CompareRow& r : rows) {
    EXPECT_FALSE(r.paired) << r.scope;
    EXPECT_TRUE(r.flipped_to_failure.empty()) << r.scope;
    EXPECT_TRUE(r.flipped_to_success.empty()) << r.scope;
  }
  EXPECT_EQ(cell(rows).notice, "unpaired: different episodes");
  const auto diffs = summary_differences(base, cur);
  const std::string text = format_comparison(rows, {}, diffs);
  EXPECT_NE(text.find("base seed: baseline 1000, now 0"), std::string::npos) << text;
  EXPECT_NE(text.find("episodes per cell: baseline 3, now 20"), std::string::npos) << text;
  EXPECT_NE(text.find("unpaired: different episodes"), std::string::npos) << text;
  EXPECT_EQ(text.find("flipped"), std::string::npos) << text;
  EXPECT_NE(text.find("OK:"), std::string::npos) << text;
  EXPECT_FALSE(comparison_failed(rows, {}, diffs));
  // --strict turns the differences into a failure.
  CompareOptions strict;
  strict.strict = true;
  EXPECT_TRUE(comparison_failed(rows, strict, diffs));
  EXPECT_NE(format_comparison(rows, strict, diffs).find("FAIL"), std::string::npos);
  // Identical configs: no differences.
  EXPECT_TRUE(summary_differences(base, base).empty());
}

TEST(Compare, PartlyOverlappingRunsPairTheSharedEpisodes) {
  // Same base seed, 3 episodes in the baseline, 5 now: episodes 0..2 are shared.
  const auto base = run_summary(0, 3, [](int64_t) { return true; });
  const auto cur = run_summary(0, 5, [](int64_t i) { return i != 1; });
  const auto rows = compare_summaries(base, cur);
  const CompareRow& c = cell(rows);
  EXPECT_TRUE(c.paired);
  EXPECT_EQ(c.shared_episodes, 3);
  EXPECT_EQ(c.flipped_to_failure, (std::vector<int64_t>{1}));
  EXPECT_NEAR(c.p_value, 0.5, 1e-12);
  EXPECT_EQ(c.notice, "paired on 3 shared episodes of 3 / 5");
  EXPECT_NE(format_comparison(rows, {}).find("paired on 3 shared episodes"), std::string::npos);
}

TEST(Compare, OldBaselineWithoutEpisodeIdentitiesIsComparedUnpaired) {
  auto base = run_summary(0, 10, [](int64_t) { return true; });
  for (auto& c : base["cells"]) c.erase("episode_seeds");
  for (const char* k : {"base_seed", "episodes_per_cell", "config_hash", "checkpoints"}) base.erase(k);
  const auto cur = run_summary(0, 10, [](int64_t i) { return i < 9; });
  const auto rows = compare_summaries(base, cur);
  const CompareRow& c = cell(rows);
  EXPECT_FALSE(c.paired);
  EXPECT_TRUE(c.flipped_to_failure.empty());
  EXPECT_NE(c.notice.find("unpaired: the baseline does not identify its episodes"), std::string::npos) << c.notice;
  const auto diffs = summary_differences(base, cur);
  const std::string text = format_comparison(rows, {}, diffs);
  EXPECT_NE(text.find("base seed: baseline unknown, now 0"), std::string::npos) << text;
}

}  // namespace
}  // namespace wambench
