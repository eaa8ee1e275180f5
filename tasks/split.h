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

/// Which variation axes a split draws from the held-out distribution.
struct HeldOutAxes {
  bool background = false;
  bool position = false;
  bool object = false;
};
HeldOutAxes held_out_axes(Split split);

/// Seed of episode `index` of (task, split): fully determined by the four inputs, identical on
/// every machine. FNV-1a (64-bit) of "task/split" mixed with the base seed and the index through
/// SplitMix64's finalizer. Evaluation uses indices >= 0 with the runner's base seed; demonstration
/// collection uses a disjoint base-seed range (see the collection command).
uint64_t episode_seed(uint64_t base_seed, const std::string& task, Split split, int64_t index);

}  // namespace wambench
