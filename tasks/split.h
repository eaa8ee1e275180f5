// Evaluation splits and the derivation of an episode's seed.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace wambench {

/// The splits of DESIGN.md. Each OOD split swaps exactly one variation axis for a held-out
/// distribution that is disjoint from train by construction; kUnseenAll swaps all three.
enum class Split {
  kTrain,             ///< "train": in-distribution (ID); demonstrations come from here only
  kUnseenBackground,  ///< "unseen_background": held-out table textures, colours, lights, distractors
  kUnseenPosition,    ///< "unseen_position": held-out region of the table for objects and targets
  kUnseenObject,      ///< "unseen_object": held-out object categories / shapes
  kUnseenAll,         ///< "unseen_all": all three axes held out (harder extra split)
};

/// All splits in table order: train, unseen_background, unseen_position, unseen_object, unseen_all.
const std::vector<Split>& all_splits();

/// Public name of a split, e.g. "unseen_object".
const char* to_string(Split split);

/// Parses a split name. @throws std::invalid_argument listing the valid names.
Split parse_split(const std::string& name);

/// A variation axis (DESIGN.md): each has its own random stream and a train and a held-out
/// distribution, disjoint by construction (the task's VariationSpace holds them).
enum class Axis {
  kBackground,  ///< "background": table, walls, floor, light, distractors
  kPosition,    ///< "position": where objects and targets stand on the table, their yaws
  kObject,      ///< "object": object categories / shapes (and the colours named in instructions)
};

/// All axes in stream order: background, position, object.
const std::vector<Axis>& all_axes();

/// Public name of an axis, e.g. "position".
const char* to_string(Axis axis);

/// Which of an axis's two distributions a split draws from.
enum class Draw {
  kTrain,    ///< "train": the in-distribution range
  kHeldOut,  ///< "held_out": the held-out range, disjoint from train
};

/// Public name of a draw: "train" or "held_out".
const char* to_string(Draw draw);

/// A split as data: the distribution each axis draws from.
struct SplitDraws {
  Draw background = Draw::kTrain;
  Draw position = Draw::kTrain;
  Draw object = Draw::kTrain;
  /// The draw of `axis`.
  Draw of(Axis axis) const;
};

/// The split table: train draws every axis from train; unseen_background, unseen_position and
/// unseen_object each draw their one axis from held out; unseen_all draws all three from held out.
const SplitDraws& split_draws(Split split);

/// Seed of episode `index` of (task, split): fully determined by the four inputs, identical on
/// every machine. FNV-1a (64-bit) of "task/split" mixed with the base seed and the index through
/// SplitMix64's finalizer. Evaluation uses indices >= 0 with the runner's base seed; demonstration
/// collection uses a disjoint base-seed range (see the collection command).
uint64_t episode_seed(uint64_t base_seed, const std::string& task, Split split, int64_t index);

}  // namespace wambench
