// Tests of stack_blocks: expert success on every split, rejection of near misses, disjoint
// held-out axes, determinism of episode initialization.
#include <cmath>
#include <memory>
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "task_test_util.h"

#include "tasks/expert_rollout.h"
#include "tasks/task_env.h"
#include "tasks/stack_blocks.h"

namespace wambench {
namespace {

constexpr Action kIdleOpen = {0, 0, 0, 0, 0, 0, -1};

class StackBlocksTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    EnvConfig c;
    c.render = false;
    env_ = std::make_unique<TaskEnv>("stack_blocks", c);
  }
  static void TearDownTestSuite() { env_.reset(); }

  // A train variation with the given categories, the bottom block at (0.5, 0, yaw 0.3) and the top
  // block on the table at (0.5, 0.15): the starting point of the hand-built states.
  static Variation base_variation(const std::string& top, const std::string& bottom) {
    Variation v = env_->task().sample_variation(Split::kTrain, 0, 0);
    v.objects[0].category = top;
    v.objects[1].category = bottom;
    v.placements[0] = {"top", 0.5, 0.15, 0.0};
    v.placements[1] = {"bottom", 0.5, 0.0, 0.3};
    return v;
  }

  // Puts the free body of `role` at (x, y, z) with yaw `yaw` (world frame, m / rad), at rest.
  static void set_block(const std::string& role, double x, double y, double z, double yaw) {
    const mjModel* m = env_->env().model();
    mjData* d = env_->env().mutable_data();
    const std::string body = stack_blocks_body_name(role, env_->variation().object(role).category);
    const int j = mj_name2id(m, mjOBJ_JOINT, (body + "_joint").c_str());
    ASSERT_GE(j, 0) << body;
    mjtNum* q = d->qpos + m->jnt_qposadr[j];
    q[0] = x, q[1] = y, q[2] = z;
    q[3] = std::cos(yaw / 2), q[4] = 0, q[5] = 0, q[6] = std::sin(yaw / 2);
    for (int k = 0; k < 6; ++k) d->qvel[m->jnt_dofadr[j] + k] = 0;
    mj_forward(m, d);
  }

  // Steps `n` control steps of `action`; true if the success condition held at any step or success
  // latched.
  static bool any_success(int n, const Action& action = kIdleOpen) {
    bool any = false;
    for (int i = 0; i < n; ++i) {
      env_->step(action);
      any |= env_->status().condition || env_->status().success;
    }
    return any;
  }

  static std::unique_ptr<TaskEnv> env_;
};

std::unique_ptr<TaskEnv> StackBlocksTest::env_;

// --- (a) the expert ---------------------------------------------------------------------------

TEST_F(StackBlocksTest, ExpertSucceedsOnEverySplit) {
  check_expert_on_every_split(*env_, {{"reach", CoarsePhase::kTransit}, {"grasp", CoarsePhase::kInteraction}, {"lift", CoarsePhase::kInteraction}, {"move", CoarsePhase::kTransit}, {"place", CoarsePhase::kInteraction}, {"release", CoarsePhase::kInteraction}, {"retreat", CoarsePhase::kTransit}});
}

// --- (b) near misses --------------------------------------------------------------------------

TEST_F(StackBlocksTest, CentredStackWithOpenGripperSucceeds) {
  // Positive control for the hand-built states below: the top block centred on the bottom block,
  // gripper open and far away (ready pose), succeeds after the dwell; so does a 1 cm offset.
  for (double offset : {0.0, 0.01}) {
    env_->reset(base_variation("small cube", "cube"));
    set_block("top", 0.5 + offset, 0.0, 0.05 + 0.0005, 0.7);
    EXPECT_TRUE(any_success(8)) << "offset " << offset;
    EXPECT_TRUE(env_->status().success) << "offset " << offset;
  }
}

TEST_F(StackBlocksTest, RejectsTopBlockOffsetThreeCentimetres) {
  for (const auto& [top, bottom] : {std::pair<std::string, std::string>{"cube", "cube"}, {"small cube", "cube"},
                                    {"brick", "hex prism"}, {"puck", "puck"}}) {
    env_->reset(base_variation(top, bottom));
    const double h = stack_blocks_find_block(bottom).height_m;
    set_block("top", 0.5 + 0.03 * std::cos(0.4), 0.03 * std::sin(0.4), h + 0.0005, 0.0);
    EXPECT_FALSE(any_success(10)) << top << " on " << bottom;
  }
}

TEST_F(StackBlocksTest, RejectsTopBlockOnTableBesideBottomBlock) {
  // Touching the bottom block's side, and a little apart.
  for (double dx : {0.0451, 0.06}) {
    env_->reset(base_variation("small cube", "cube"));
    set_block("bottom", 0.5, 0.0, 0.0005, 0.0);
    set_block("top", 0.5 + dx, 0.0, 0.0005, 0.0);
    EXPECT_FALSE(any_success(10)) << dx;
  }
}

TEST_F(StackBlocksTest, RejectsSwappedStack) {
  // The bottom block stacked on the top block: the wrong block is on top.
  env_->reset(base_variation("cube", "cube"));
  set_block("top", 0.5, 0.0, 0.0005, 0.0);
  set_block("bottom", 0.5, 0.0, 0.05 + 0.0005, 0.0);
  EXPECT_FALSE(any_success(10));
}

TEST_F(StackBlocksTest, RejectsTopBlockStillHeld) {
  // Run the expert up to its release step: the block sits on the bottom block, still grasped.
  // Holding it there (gripper closed) never succeeds, nor does hovering 1 cm above; letting the
  // expert finish from the same state does.
  for (int64_t episode : {0, 1}) {
    for (int variant = 0; variant < 3; ++variant) {
      const Variation v = env_->task().sample_variation(Split::kTrain, 0, episode);
      env_->reset(v);
      auto expert = env_->task().make_expert(v, 0.0, 1);
      PhaseLabel phase;
      Action a{};
      for (int k = 0; k < env_->task().horizon_steps(); ++k) {
        a = expert->act(env_->env(), &phase);
        if (phase.fine == "release") break;
        env_->step(a);
      }
      ASSERT_EQ(phase.fine, "release");
      ASSERT_FALSE(env_->status().success);
      if (variant == 0) {
        EXPECT_FALSE(any_success(15, {0, 0, 0, 0, 0, 0, 1})) << "held on the bottom block, episode " << episode;
      } else if (variant == 1) {
        EXPECT_FALSE(any_success(15, {0, 0, 0.2, 0, 0, 0, 1})) << "held above, episode " << episode;
      } else {
        env_->step(a);
        for (int k = 0; k < 40 && !env_->status().success; ++k) env_->step(expert->act(env_->env(), &phase));
        EXPECT_TRUE(env_->status().success) << "released, episode " << episode;
      }
    }
  }
}

// --- (c) held-out axes ------------------------------------------------------------------------

// Train / held-out disjointness is the conformance suite's (conformance_test.cc); these are the
// task's own properties of every variation.
TEST_F(StackBlocksTest, VariationsNameBothBlocksAndFitTheTable) {
  EXPECT_GE(env_->task().variation_space().categories.train.size(), 2u);
  EXPECT_GE(env_->task().variation_space().categories.held_out.size(), 3u);
  for (Split split : all_splits()) {
    for (int64_t i = 0; i < 500; ++i) {
      const Variation v = env_->task().sample_variation(split, 0, i);
      ASSERT_EQ(v.objects.size(), 2u);
      ASSERT_EQ(v.placements.size(), 2u);
      const ObjectChoice& top = v.object("top");
      const ObjectChoice& bottom = v.object("bottom");
      EXPECT_NE(top.color_name, bottom.color_name);
      // The instruction names both blocks by size, colour and shape, top block first.
      auto phrase = [](const ObjectChoice& o) {
        const std::string small = "small ";
        if (o.category.rfind(small, 0) == 0) return small + o.color_name + " " + o.category.substr(small.size());
        return o.color_name + " " + o.category;
      };
      const size_t top_at = v.instruction.find("the " + phrase(top) + " ");
      const size_t bottom_at = v.instruction.rfind("the " + phrase(bottom));
      ASSERT_NE(top_at, std::string::npos) << v.instruction;
      ASSERT_NE(bottom_at, std::string::npos) << v.instruction;
      EXPECT_LT(top_at, bottom_at) << v.instruction;
      EXPECT_EQ(bottom_at + 4 + phrase(bottom).size(), v.instruction.size()) << v.instruction;
      for (const Placement& p : v.placements) {
        const double r = stack_blocks_find_block(v.object(p.role).category).radius_m;
        EXPECT_GE(p.x_m - r, 0.25);
        EXPECT_LE(p.x_m + r, 0.80);
        EXPECT_LE(std::abs(p.y_m) + r, 0.46);
        EXPECT_LE(std::hypot(p.x_m, p.y_m), 0.72);
        EXPECT_GE(p.yaw_rad, -M_PI);
        EXPECT_LT(p.yaw_rad, M_PI);
      }
      const Placement& a = v.placement("top");
      const Placement& b = v.placement("bottom");
      EXPECT_GE(std::hypot(a.x_m - b.x_m, a.y_m - b.y_m), stack_blocks_find_block(top.category).radius_m +
                                                              stack_blocks_find_block(bottom.category).radius_m);
    }
  }
}

// --- (d) determinism --------------------------------------------------------------------------

TEST(StackBlocks, ObjectStateTracksTheTopBlockAndRespectsItsSymmetry) {
  TaskEnv env("stack_blocks", no_render());
  const int64_t i = find_episode(env, Split::kTrain, "top", "cube");
  const Variation v = env.task().sample_variation(Split::kTrain, 0, i);
  ObjectStateCase c;
  c.index = i;
  c.object_body = c.yaw_body = stack_blocks_body_name("top", "cube");
  c.target_body = stack_blocks_body_name("bottom", v.object("bottom").category);
  c.object_symmetry_rad = M_PI / 2;
  c.min_motion_m = 0.05;
  check_object_state(env, c);
}
}  // namespace
}  // namespace wambench
