// The conformance suite every registered task runs, parameterized over task_names(): the scripted
// expert succeeds on every split, episodes are deterministic, each axis's held-out distributions
// are disjoint from train (by construction and in samples), success is false at reset and in every
// near miss the task declares, and the target region is the target role's start. A task
// registered anywhere in the binary (e.g. reach_marker_task.cc) runs it without being named here.
#include <algorithm>
#include <cmath>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "reach_marker_task.h"
#include "task_test_util.h"
#include "tasks/registry.h"

namespace wambench {
namespace {

// Expert episodes per split (small N: the suite runs every task; the per-task tests go deeper).
constexpr int kExpertEpisodesPerSplit = 2;
// Least fraction of expert episodes that must succeed over all splits.
constexpr double kMinExpertSuccessRate = 0.95;
// Variations sampled per split for the disjointness checks.
constexpr int kSampledEpisodes = 200;

class TaskConformance : public ::testing::TestWithParam<std::string> {
 protected:
  std::unique_ptr<Task> task() const { return make_task(GetParam()); }
};

TEST_P(TaskConformance, ExpertSucceedsOnEverySplit) {
  TaskEnv env(GetParam(), no_render());
  const auto& subgoals = env.task().subgoals();
  int episodes = 0, successes = 0;
  for (Split split : all_splits()) {
    for (int64_t i = 0; i < kExpertEpisodesPerSplit; ++i) {
      const ExpertEpisode r = run_expert_episode(env, split, i, 0);
      const std::string where = std::string(to_string(split)) + " episode " + std::to_string(i) + " (\"" +
                                r.variation.instruction + "\")";
      ++episodes;
      successes += r.success;
      EXPECT_TRUE(r.error.empty()) << where << ": " << r.error;
      EXPECT_EQ(r.phases.size(), static_cast<size_t>(r.steps)) << where << ": one phase label per control step";
      EXPECT_LE(r.steps, env.task().horizon_steps()) << where;
      if (r.success) {
        EXPECT_EQ(r.progress, static_cast<int>(subgoals.size())) << where;
        EXPECT_EQ(r.progress_name, subgoals.back()) << where;
      } else {
        ADD_FAILURE() << where << " failed: progress " << r.progress_name;
      }
    }
  }
  EXPECT_GE(successes, kMinExpertSuccessRate * episodes) << successes << " of " << episodes;
}

TEST_P(TaskConformance, SameSeedGivesTheSameEpisode) {
  TaskEnv a(GetParam(), no_render());
  TaskEnv b(GetParam(), no_render());
  for (Split split : all_splits()) {
    const std::string where = to_string(split);
    // Same inputs, same variation; from a fresh task instance too.
    const nlohmann::json v = to_json(a.task().sample_variation(split, 42, 3));
    EXPECT_EQ(to_json(a.task().sample_variation(split, 42, 3)), v) << where;
    EXPECT_EQ(to_json(task()->sample_variation(split, 42, 3)), v) << where;
    EXPECT_NE(to_json(a.task().sample_variation(split, 42, 4)), v) << where << ": episodes differ";
    EXPECT_EQ(to_json(variation_from_json(v)), v) << where << ": the JSON form round-trips";
    // Same initial state, whatever was reset before: joint positions, and the pose and colour of
    // everything on show (bodies below z = -1 m are parked out of sight and may keep model fields
    // from earlier episodes).
    a.reset(split, 3, 42);
    b.reset(split, 5, 42);
    b.reset(split, 3, 42);
    const mjModel* ma = a.env().model();
    const mjModel* mb = b.env().model();
    const mjData* da = a.env().data();
    const mjData* db = b.env().data();
    for (int k = 0; k < ma->nq; ++k) ASSERT_EQ(da->qpos[k], db->qpos[k]) << where << " qpos " << k;
    for (int body = 0; body < ma->nbody; ++body) {
      if (da->xpos[3 * body + 2] < -1) continue;
      for (int k = 0; k < 3; ++k) ASSERT_EQ(da->xpos[3 * body + k], db->xpos[3 * body + k]) << where << " body " << body;
      for (int k = 0; k < 4; ++k)
        ASSERT_EQ(da->xquat[4 * body + k], db->xquat[4 * body + k]) << where << " body " << body;
    }
    for (int geom = 0; geom < ma->ngeom; ++geom) {
      if (da->xpos[3 * ma->geom_bodyid[geom] + 2] < -1) continue;
      for (int k = 0; k < 4; ++k)
        ASSERT_EQ(ma->geom_rgba[4 * geom + k], mb->geom_rgba[4 * geom + k]) << where << " geom " << geom;
    }
  }
  // The same expert episode, noise included, step for step.
  const ExpertEpisode r1 = run_expert_episode(a, Split::kUnseenAll, 1, 9, 0.05);
  const ExpertEpisode r2 = run_expert_episode(b, Split::kUnseenAll, 1, 9, 0.05);
  EXPECT_EQ(r1.steps, r2.steps);
  EXPECT_EQ(r1.success_step, r2.success_step);
  EXPECT_EQ(r1.progress, r2.progress);
  ASSERT_EQ(a.env().model()->nq, b.env().model()->nq);
  for (int k = 0; k < a.env().model()->nq; ++k) EXPECT_EQ(a.env().data()->qpos[k], b.env().data()->qpos[k]) << k;
}

TEST_P(TaskConformance, HeldOutIsDisjointFromTrainOnEveryAxis) {
  const auto t = task();
  const VariationSpace& space = t->variation_space();
  // By construction: the supports of the two distributions share nothing.
  ASSERT_FALSE(space.categories.train.empty());
  ASSERT_FALSE(space.categories.held_out.empty());
  for (const std::string& c : space.categories.held_out)
    EXPECT_EQ(std::count(space.categories.train.begin(), space.categories.train.end(), c), 0) << c;
  EXPECT_FALSE(space.category_roles.empty());
  EXPECT_TRUE(space.region.train.disjoint_from(space.region.held_out));
  if (space.yaw_rad) EXPECT_TRUE(space.yaw_rad->train.disjoint_from(space.yaw_rad->held_out));
  EXPECT_TRUE(space.yaw_rad || space.yaw_roles.empty()) << "yaw roles without a yaw distribution";
  const BackgroundDistribution& bg_train = *space.background.train;
  const BackgroundDistribution& bg_held = *space.background.held_out;
  for (const std::string& f : bg_held.table_family.options)
    EXPECT_EQ(std::count(bg_train.table_family.options.begin(), bg_train.table_family.options.end(), f), 0) << f;

  // In samples: every split draws each axis from the distribution split_draws() picks.
  for (Split split : all_splits()) {
    const SplitDraws& draws = split_draws(split);
    const auto& categories = space.categories[draws.object];
    const variation::Region& region = space.region[draws.position];
    const BackgroundDistribution& bg = *space.background[draws.background];
    for (int64_t i = 0; i < kSampledEpisodes; ++i) {
      const Variation v = t->sample_variation(split, 0, i);
      const std::string where = std::string(to_string(split)) + " episode " + std::to_string(i);
      for (const std::string& role : space.category_roles) {
        const std::string& c = v.object(role).category;
        ASSERT_EQ(std::count(categories.begin(), categories.end(), c), 1) << where << " " << role << " " << c;
      }
      ASSERT_FALSE(v.placements.empty()) << where;
      for (const Placement& p : v.placements)
        ASSERT_TRUE(region.contains(p.x_m, p.y_m)) << where << " " << p.role << " at " << p.x_m << ", " << p.y_m;
      for (const std::string& role : space.yaw_roles) {
        const double yaw = v.placement(role).yaw_rad;
        ASSERT_TRUE((*space.yaw_rad)[draws.position].contains(yaw)) << where << " " << role << " yaw " << yaw;
      }
      const auto& families = bg.table_family.options;
      ASSERT_EQ(std::count(families.begin(), families.end(), v.background.table_family), 1)
          << where << " table " << v.background.table_family;
    }
  }
}

TEST_P(TaskConformance, NotSuccessAtResetNorInAnyDeclaredNearMiss) {
  TaskEnv env(GetParam(), no_render());
  const double period = 1.0 / env.env().config().control_frequency_hz;
  for (Split split : all_splits()) {
    env.reset(split, 0, 0);
    EXPECT_FALSE(env.status().condition) << to_string(split) << ": success condition at reset";
    EXPECT_EQ(env.status().progress, 0) << to_string(split);
    for (const NearMiss& near_miss : env.task().near_misses()) {
      env.reset(split, 0, 0);
      mjModel* m = env.env().mutable_model();
      mjData* d = env.env().mutable_data();
      mj_forward(m, d);
      near_miss.set_state(m, d);
      mj_forward(m, d);
      env.task().update(m, d, period);
      EXPECT_FALSE(env.status().condition) << to_string(split) << ": near miss '" << near_miss.name << "'";
      EXPECT_FALSE(env.status().success) << to_string(split) << ": near miss '" << near_miss.name << "'";
    }
  }
}

TEST_P(TaskConformance, TargetRegionIsTheTargetRolesStart) {
  const auto t = task();
  for (Split split : all_splits()) {
    const Variation v = t->sample_variation(split, 0, 2);
    const TargetRegion target = t->target_region(v);
    EXPECT_EQ(target.role, t->target_role());
    const Placement& p = v.placement(target.role);
    EXPECT_EQ(target.p_W.x(), p.x_m);
    EXPECT_EQ(target.p_W.y(), p.y_m);
    EXPECT_EQ(target.p_W.z(), 0.0);
    EXPECT_TRUE(t->variation_space().region[split_draws(split).position].contains(p.x_m, p.y_m));
  }
  Variation other = t->sample_variation(Split::kTrain, 0, 0);
  other.task = "another_task";
  EXPECT_THROW(t->target_region(other), std::invalid_argument);
}

INSTANTIATE_TEST_SUITE_P(RegisteredTasks, TaskConformance, ::testing::ValuesIn(task_names()),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

// The registry of this binary: the benchmark's six tasks first, in table order, then the task
// registered by the test files (reach_marker), which the suite above runs like the others.
TEST(TaskRegistration, TheSixTasksComeFirstThenTasksRegisteredElsewhere) {
  EXPECT_EQ(task_names(), (std::vector<std::string>{"pick_place", "stack_blocks", "open_drawer", "peg_insert",
                                                    "press_button", "pour", reach_marker::kName}));
  EXPECT_EQ(make_task(reach_marker::kName)->name(), reach_marker::kName);
}

TEST(TaskRegistration, RejectsDuplicateAndMalformedNames) {
  const TaskFactory factory = [] { return make_task("pick_place"); };
  EXPECT_THROW(
      {
        try {
          register_task("pick_place", factory);
        } catch (const std::logic_error& e) {
          EXPECT_NE(std::string(e.what()).find("'pick_place' is registered twice"), std::string::npos) << e.what();
          throw;
        }
      },
      std::logic_error);
  for (const std::string bad : {"", "Pick", "pick-place", "pick place"}) {
    try {
      register_task(bad, factory);
      ADD_FAILURE() << "accepted '" << bad << "'";
    } catch (const std::logic_error& e) {
      EXPECT_NE(std::string(e.what()).find("use a-z, 0-9 and '_'"), std::string::npos) << e.what();
    }
  }
  try {
    register_task("no_factory", TaskFactory{});
    ADD_FAILURE() << "accepted an empty factory";
  } catch (const std::logic_error& e) {
    EXPECT_NE(std::string(e.what()).find("'no_factory' has no factory"), std::string::npos) << e.what();
  }
  EXPECT_EQ(task_names().size(), 7u) << "rejected registrations leave the registry as it was";
}

}  // namespace
}  // namespace wambench
