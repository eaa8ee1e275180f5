#include "policies/validation_split.h"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <stdexcept>

namespace wambench {
namespace {

int held_out(int demos, double fraction) {
  return static_cast<int>(std::min<long long>(demos - 1, std::llround(fraction * demos)));
}

// The smallest fraction with two decimals, at most 0.5, that holds out `want` demonstrations of
// `demos`; 0 if none does.
double fraction_for(int demos, int want) {
  for (int percent = 1; percent <= 50; ++percent)
    if (held_out(demos, percent / 100.0) >= want) return percent / 100.0;
  return 0.0;
}

// The fewest demonstrations that hold out `want` at `fraction` (> 0).
int demos_for(double fraction, int want) {
  int n = 1;
  while (held_out(n, fraction) < want && n < 1000000) ++n;
  return n;
}

std::string number(double x) {
  std::ostringstream s;
  s << x;
  return s.str();
}

}  // namespace

ValidationSplit plan_validation_split(int demos, double fraction) {
  if (demos < 1) throw std::invalid_argument("plan_validation_split: no demonstrations");
  if (!(fraction >= 0.0 && fraction <= 0.5))
    throw std::invalid_argument("train: --val-fraction must be in [0, 0.5], got " + number(fraction));
  ValidationSplit s;
  s.demos = demos;
  s.fraction = fraction;
  s.val_demos = held_out(demos, fraction);
  s.status = s.val_demos == 0 ? "none" : s.val_demos < kFewValidationDemos ? "few" : "ok";
  if (s.status == "ok") return s;
  std::ostringstream n;
  const std::string of = std::to_string(demos) + " demonstration" + (demos == 1 ? "" : "s");
  if (s.status == "none") {
    n << "no validation: ";
    if (fraction == 0.0) {
      n << "--val-fraction is 0, so all " << of << " train and no validation loss is computed";
    } else if (demos == 1) {
      n << "the file holds 1 demonstration and training needs it, so no validation loss is computed; collect more "
           "(`wambench collect --episodes`, per task) to hold some out";
    } else {
      n << of << " x --val-fraction " << number(fraction) << " = " << number(fraction * demos)
        << " rounds to 0 held out, so no validation loss is computed. Hold one out with --val-fraction "
        << number(fraction_for(demos, 1)) << ", or collect at least " << demos_for(fraction, 1)
        << " demonstrations (`wambench collect --episodes`, per task) for one at " << number(fraction);
    }
  } else {
    n << "few validation demonstrations: " << of << " x --val-fraction " << number(fraction) << " holds out "
      << s.val_demos << ", so the validation loss is noisy. ";
    const double better = fraction_for(demos, kFewValidationDemos);
    if (better > 0.0) n << "--val-fraction " << number(better) << " holds out " << kFewValidationDemos << ", or collect";
    else n << "Collect";
    n << " at least " << demos_for(fraction, kFewValidationDemos) << " demonstrations for "
      << kFewValidationDemos << " at " << number(fraction);
  }
  s.note = n.str();
  return s;
}

nlohmann::json to_json(const ValidationSplit& s) {
  return {{"demos", s.demos},
          {"fraction", s.fraction},
          {"val_demos", s.val_demos},
          {"status", s.status},
          {"note", s.note}};
}

}  // namespace wambench
