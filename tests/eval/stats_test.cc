// Statistics against published / hand-computed values.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "eval/stats.h"

namespace wambench::stats {
namespace {

TEST(Wilson, MatchesPublishedValues) {
  // Newcombe, Stat. Med. 17:857 (1998), Table I: 81/263 -> [0.2553, 0.3662]; 15/148 -> [0.0624, 0.1605].
  Interval a = wilson_interval(81, 263);
  EXPECT_NEAR(a.estimate, 81.0 / 263, 1e-12);
  EXPECT_NEAR(a.lo, 0.2553, 5e-5);
  EXPECT_NEAR(a.hi, 0.3662, 5e-5);
  Interval b = wilson_interval(15, 148);
  EXPECT_NEAR(b.lo, 0.0624, 5e-5);
  EXPECT_NEAR(b.hi, 0.1605, 5e-5);
  // Edge cases: 0/10 -> [0, 0.2775], 10/10 -> [0.7225, 1]; 0 trials -> [0, 1].
  EXPECT_DOUBLE_EQ(wilson_interval(0, 10).lo, 0.0);
  EXPECT_NEAR(wilson_interval(0, 10).hi, 0.2775, 5e-5);
  EXPECT_NEAR(wilson_interval(10, 10).lo, 0.7225, 5e-5);
  EXPECT_DOUBLE_EQ(wilson_interval(10, 10).hi, 1.0);
  EXPECT_DOUBLE_EQ(wilson_interval(0, 0).hi, 1.0);
  EXPECT_THROW(wilson_interval(3, 2), std::invalid_argument);
  EXPECT_THROW(wilson_interval(1, 2, 1.5), std::invalid_argument);
}

TEST(McNemar, ExactBinomialPValues) {
  EXPECT_DOUBLE_EQ(mcnemar_exact_p(0, 0), 1.0);
  EXPECT_NEAR(mcnemar_exact_p(0, 6), 2.0 / 64, 1e-12);        // 2 * 0.5^6
  EXPECT_NEAR(mcnemar_exact_p(1, 9), 2.0 * 11 / 1024, 1e-12);  // 2 * (1 + 10) / 2^10
  EXPECT_DOUBLE_EQ(mcnemar_exact_p(5, 5), 1.0);
  EXPECT_DOUBLE_EQ(mcnemar_exact_p(9, 1), mcnemar_exact_p(1, 9));  // symmetric
}

TEST(FisherDrop, OneSidedHypergeometric) {
  // 10/10 vs 5/10: P(X <= 5), X ~ Hypergeom(N=20, K=15 successes, n=10 drawn) = C(15,5)C(5,5)/C(20,10).
  EXPECT_NEAR(fisher_drop_p(10, 10, 5, 10), 3003.0 / 184756, 1e-12);
  // No drop at all: p = 1 when the current run is at least as good.
  EXPECT_NEAR(fisher_drop_p(5, 10, 10, 10), 1.0, 1e-12);
  EXPECT_DOUBLE_EQ(fisher_drop_p(3, 3, 3, 3), 1.0);
  EXPECT_THROW(fisher_drop_p(4, 3, 1, 3), std::invalid_argument);
}

TEST(CohensKappa, HandComputedTablesAndChanceLevel) {
  // Cohen (1960)-style worked table: 20 both, 5 A only, 10 B only, 15 neither (n = 50):
  // p_o = 35/50 = 0.7; pA = 25/50, pB = 30/50; p_e = 0.5 * 0.6 + 0.5 * 0.4 = 0.5; kappa = 0.4.
  EXPECT_NEAR(cohens_kappa(20, 5, 10, 15), 0.4, 1e-12);
  EXPECT_NEAR(cohens_kappa(7, 0, 0, 3), 1.0, 1e-12);  // perfect agreement
  EXPECT_NEAR(cohens_kappa(0, 5, 5, 0), -1.0, 1e-12);  // perfect disagreement with balanced margins
  // A gate alternating p, r, p, r regardless of the phase: agreement 50 %, kappa 0.
  EXPECT_NEAR(cohens_kappa(10, 10, 10, 10), 0.0, 1e-12);
  // A labeller that always says "interaction": 80 % raw agreement with an 80 % interaction
  // labelling, but nothing beyond chance.
  EXPECT_NEAR(cohens_kappa(40, 0, 10, 0), 0.0, 1e-12);
  EXPECT_TRUE(std::isnan(cohens_kappa(0, 0, 0, 0)));
  EXPECT_TRUE(std::isnan(cohens_kappa(9, 0, 0, 0)));  // both constant and equal: undefined
  try {
    cohens_kappa(1, -1, 0, 0);
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("counts must be >= 0"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace wambench::stats
