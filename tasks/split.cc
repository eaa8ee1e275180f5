#include "tasks/split.h"

#include <stdexcept>
#include <utility>

namespace wambench {
namespace {

uint64_t fnv1a64(const std::string& s) {
  uint64_t h = 0xCBF29CE484222325ULL;  // FNV-1a offset basis
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001B3ULL;  // FNV prime
  }
  return h;
}

uint64_t mix64(uint64_t z) {  // SplitMix64 finalizer
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

}  // namespace

const std::vector<Split>& all_splits() {
  static const std::vector<Split> kAll = {Split::kTrain, Split::kUnseenBackground, Split::kUnseenPosition,
                                          Split::kUnseenObject, Split::kUnseenAll};
  return kAll;
}

const char* to_string(Split split) {
  switch (split) {
    case Split::kTrain: return "train";
    case Split::kUnseenBackground: return "unseen_background";
    case Split::kUnseenPosition: return "unseen_position";
    case Split::kUnseenObject: return "unseen_object";
    case Split::kUnseenAll: return "unseen_all";
  }
  return "?";
}

Split parse_split(const std::string& name) {
  std::string valid;
  for (Split s : all_splits()) {
    if (name == to_string(s)) return s;
    valid += valid.empty() ? "" : ", ";
    valid += to_string(s);
  }
  throw std::invalid_argument("unknown split '" + name + "'; valid splits: " + valid);
}

const std::vector<Axis>& all_axes() {
  static const std::vector<Axis> kAll = {Axis::kBackground, Axis::kPosition, Axis::kObject};
  return kAll;
}

const char* to_string(Axis axis) {
  switch (axis) {
    case Axis::kBackground: return "background";
    case Axis::kPosition: return "position";
    case Axis::kObject: return "object";
  }
  return "?";
}

const char* to_string(Draw draw) { return draw == Draw::kHeldOut ? "held_out" : "train"; }

Draw SplitDraws::of(Axis axis) const {
  switch (axis) {
    case Axis::kBackground: return background;
    case Axis::kPosition: return position;
    case Axis::kObject: return object;
  }
  return Draw::kTrain;
}

const SplitDraws& split_draws(Split split) {
  constexpr Draw T = Draw::kTrain, H = Draw::kHeldOut;
  static const std::vector<std::pair<Split, SplitDraws>> kTable = {
      //                           background position object
      {Split::kTrain, {T, T, T}},
      {Split::kUnseenBackground, {H, T, T}},
      {Split::kUnseenPosition, {T, H, T}},
      {Split::kUnseenObject, {T, T, H}},
      {Split::kUnseenAll, {H, H, H}},
  };
  for (const auto& [s, draws] : kTable)
    if (s == split) return draws;
  throw std::invalid_argument("split_draws: split value " + std::to_string(static_cast<int>(split)) +
                              " is none of train, unseen_background, unseen_position, unseen_object, unseen_all");
}

uint64_t episode_seed(uint64_t base_seed, const std::string& task, Split split, int64_t index) {
  uint64_t h = fnv1a64(task + "/" + to_string(split));
  h = mix64(h ^ mix64(base_seed + 0x9E3779B97F4A7C15ULL));
  return mix64(h ^ mix64(static_cast<uint64_t>(index) * 0xD1B54A32D192ED03ULL + 1));
}

}  // namespace wambench
