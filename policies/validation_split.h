// How `wambench train` holds out whole demonstrations for the validation loss, and what it tells
// the user when too few are held out for a validation loss worth reading.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace wambench {

/// Fewer held-out demonstrations than this give a validation loss too noisy to compare runs by.
constexpr int kFewValidationDemos = 3;

/// The validation split of a training run.
struct ValidationSplit {
  int demos = 0;          ///< demonstrations in the data file, >= 1
  double fraction = 0;    ///< requested fraction held out (--val-fraction), [0, 0.5]
  int val_demos = 0;      ///< held out: min(demos - 1, round(fraction * demos)); the rest train
  /// "ok" (at least kFewValidationDemos held out), "few" (1 .. kFewValidationDemos - 1) or "none"
  /// (no validation loss is computed).
  std::string status;
  /// For "few" and "none": one line saying how many demonstrations, the fraction, what it leaves,
  /// and the flag (or the data) that changes it. "" for "ok".
  std::string note;
};

/// The split of `demos` demonstrations at `fraction` (the rule train_policy uses).
/// @throws std::invalid_argument if demos < 1 or fraction is outside [0, 0.5].
ValidationSplit plan_validation_split(int demos, double fraction);

/// {"demos", "fraction", "val_demos", "status", "note"} (stored in a checkpoint's training metadata).
nlohmann::json to_json(const ValidationSplit& split);

}  // namespace wambench
