#include "eval/stats.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include <boost/math/distributions/binomial.hpp>
#include <boost/math/distributions/hypergeometric.hpp>
#include <boost/math/distributions/normal.hpp>

namespace wambench::stats {

Interval wilson_interval(int64_t successes, int64_t trials, double confidence) {
  if (successes < 0 || trials < 0 || successes > trials)
    throw std::invalid_argument("wilson_interval: need 0 <= successes <= trials, got " + std::to_string(successes) +
                                " of " + std::to_string(trials));
  if (!(confidence > 0 && confidence < 1))
    throw std::invalid_argument("wilson_interval: confidence must be in (0, 1)");
  if (trials == 0) return {0, 0, 1};
  const double z = boost::math::quantile(boost::math::normal(), 1 - (1 - confidence) / 2);
  const double n = static_cast<double>(trials);
  const double p = successes / n;
  const double z2 = z * z;
  const double centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const double half = z / (1 + z2 / n) * std::sqrt(p * (1 - p) / n + z2 / (4 * n * n));
  return {p, std::max(0.0, centre - half), std::min(1.0, centre + half)};
}

double mcnemar_exact_p(int64_t b, int64_t c) {
  if (b < 0 || c < 0) throw std::invalid_argument("mcnemar_exact_p: counts must be >= 0");
  if (b + c == 0) return 1.0;
  const boost::math::binomial dist(static_cast<double>(b + c), 0.5);
  return std::min(1.0, 2 * boost::math::cdf(dist, static_cast<double>(std::min(b, c))));
}

double fisher_drop_p(int64_t k_base, int64_t n_base, int64_t k_cur, int64_t n_cur) {
  if (k_base < 0 || k_cur < 0 || k_base > n_base || k_cur > n_cur)
    throw std::invalid_argument("fisher_drop_p: need 0 <= k <= n for both runs");
  const int64_t successes = k_base + k_cur;
  const int64_t total = n_base + n_cur;
  if (n_cur == 0 || n_base == 0 || successes == 0 || successes == total) return 1.0;
  // X = successes in the current run: hypergeometric(r = successes, n = n_cur, N = total).
  const boost::math::hypergeometric_distribution<double> dist(static_cast<unsigned>(successes),
                                                              static_cast<unsigned>(n_cur), static_cast<unsigned>(total));
  return std::min(1.0, boost::math::cdf(dist, static_cast<unsigned>(k_cur)));
}

double cohens_kappa(int64_t both, int64_t a_only, int64_t b_only, int64_t neither) {
  if (both < 0 || a_only < 0 || b_only < 0 || neither < 0)
    throw std::invalid_argument("cohens_kappa: counts must be >= 0, got " + std::to_string(both) + ", " +
                                std::to_string(a_only) + ", " + std::to_string(b_only) + ", " + std::to_string(neither));
  const double n = static_cast<double>(both + a_only + b_only + neither);
  if (n == 0) return std::nan("");
  const double observed = (both + neither) / n;
  const double pa = (both + a_only) / n, pb = (both + b_only) / n;
  const double chance = pa * pb + (1 - pa) * (1 - pb);
  if (chance >= 1.0 - 1e-12) return std::nan("");
  return (observed - chance) / (1 - chance);
}

}  // namespace wambench::stats
