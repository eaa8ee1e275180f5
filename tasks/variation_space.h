// A task's variation space as data: for each axis (background, position, object), its train and
// held-out distributions. A split (tasks/split.h, SplitDraws) picks one of the two per axis; the
// task samples from what was picked, so no task code asks which split it is in.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "tasks/background.h"
#include "tasks/split.h"
#include "tasks/variation.h"

namespace wambench {

/// The train and the held-out distribution of one component of an axis (e.g. the position axis's
/// table region). The two are disjoint by construction; the conformance suite checks it.
template <typename T>
struct TrainHeldOut {
  T train;     ///< drawn from by splits that keep the axis in distribution
  T held_out;  ///< drawn from by splits that hold the axis out
  /// The distribution `draw` selects.
  const T& operator[](Draw draw) const { return draw == Draw::kHeldOut ? held_out : train; }
};

/// Everything a task samples that depends on the split, per axis. Components a task samples the
/// same way in every split (e.g. pick_place's container kinds, colours from the object palette)
/// are not part of it.
struct VariationSpace {
  /// Background axis: the same two distributions for every task (tasks/background.h).
  TrainHeldOut<const BackgroundDistribution*> background{&train_background(), &heldout_background()};

  /// Position axis: the table region every role's start (x, y) is drawn from (world frame, m).
  TrainHeldOut<variation::Region> region;
  /// Position axis: the yaw distribution (rad, about world z) where the task draws yaws from a
  /// split-dependent range; empty where yaws are uniform in [-pi, pi) in every split.
  std::optional<TrainHeldOut<variation::IntervalSet>> yaw_rad;
  /// Roles whose Placement::yaw_rad is a draw from `yaw_rad` itself (not derived from it, as
  /// open_drawer's cabinet yaw, which faces the robot and adds the drawn offset).
  std::vector<std::string> yaw_roles;

  /// Object axis: the category / shape names of the roles in `category_roles`, in the order the
  /// task draws an index from (uniform over the list).
  TrainHeldOut<std::vector<std::string>> categories;
  /// Roles whose ObjectChoice::category is drawn from `categories`.
  std::vector<std::string> category_roles;
};

/// The names of a list of entries with a `name` field (a task's category lists), in order.
template <typename T>
std::vector<std::string> names_of(const std::vector<T>& entries) {
  std::vector<std::string> names;
  names.reserve(entries.size());
  for (const T& e : entries) names.push_back(e.name);
  return names;
}

}  // namespace wambench
