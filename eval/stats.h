// Statistics of success rates: Wilson score intervals, the exact McNemar test for paired episodes,
// and a one-sided exact test for a drop between two independent runs. Distributions come from
// Boost.Math (binomial, normal, hypergeometric).
#pragma once

#include <cstdint>

namespace wambench::stats {

/// A proportion with its confidence interval, all in [0, 1].
struct Interval {
  double estimate = 0, lo = 0, hi = 0;
};

/// Wilson score interval for `successes` out of `trials` at confidence `confidence` (e.g. 0.95).
/// Source: E. B. Wilson, "Probable inference, the law of succession, and statistical inference",
/// JASA 22(158), 1927; z = the normal quantile at 1 - (1 - confidence) / 2 (1.95996 for 95 %).
/// trials == 0 gives {0, 0, 1}.
/// @throws std::invalid_argument if successes > trials or confidence is not in (0, 1).
Interval wilson_interval(int64_t successes, int64_t trials, double confidence = 0.95);

/// Exact (binomial) two-sided McNemar p-value for paired binary outcomes, from the discordant
/// counts: b = episodes only policy A solved, c = episodes only policy B solved.
/// p = min(1, 2 * P(X <= min(b, c))), X ~ Binomial(b + c, 1/2); 1 when b + c == 0.
/// Source: Q. McNemar, Psychometrika 12(2), 1947; the exact form as in Fagerland, Lydersen &
/// Laake, BMC Med. Res. Methodol. 13:91, 2013.
double mcnemar_exact_p(int64_t b, int64_t c);

/// One-sided Fisher exact test p-value that the current success rate is lower than the
/// baseline's: P(X <= k_cur) under the hypergeometric distribution of the 2 x 2 table
/// [[k_base, n_base - k_base], [k_cur, n_cur - k_cur]] with fixed margins.
/// Source: R. A. Fisher, "Statistical Methods for Research Workers", 1925, sec. 21.02.
/// @throws std::invalid_argument if a count is negative or k > n.
double fisher_drop_p(int64_t k_base, int64_t n_base, int64_t k_cur, int64_t n_cur);

/// Cohen's kappa of two binary labellings of the same items (e.g. the phase label "interaction" vs
/// the gate choosing the predictive expert), from their 2 x 2 table of counts: both positive,
/// only A positive, only B positive, both negative. kappa = (p_o - p_e) / (1 - p_e) with p_o the
/// observed agreement and p_e = pA pB + (1 - pA)(1 - pB) the agreement expected by chance from the
/// margins: 1 = perfect agreement, 0 = no better than chance (e.g. a gate that alternates with
/// the chunk position, whatever the phase), < 0 = worse. NaN when undefined (no items, or both
/// labellings constant and equal, p_e = 1).
/// Source: J. Cohen, "A coefficient of agreement for nominal scales", Educ. Psychol. Meas. 20(1),
/// 1960.
/// @throws std::invalid_argument if a count is negative.
double cohens_kappa(int64_t both, int64_t a_only, int64_t b_only, int64_t neither);

}  // namespace wambench::stats
