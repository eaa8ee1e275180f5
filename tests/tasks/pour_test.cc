// Tests of pour: the expert on every split, near misses the success predicate must reject (balls
// beside the bowl, too few balls in the bowl, a dropped cup), disjoint held-out distributions,
// determinism.
#include <gtest/gtest.h>

#include "task_test_util.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <set>
#include <string>

#include "tasks/expert_rollout.h"
#include "tasks/objects.h"
#include "tasks/registry.h"
#include "tasks/task_env.h"
#include "tasks/pour.h"

namespace wambench {
namespace {

constexpr Action kIdleOpen = {0, 0, 0, 0, 0, 0, -1};

class PourTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    EnvConfig c;
    c.render = false;
    env_ = std::make_unique<TaskEnv>("pour", c);
  }
  static void TearDownTestSuite() { env_.reset(); }

  // A train scene for hand-made states: a cup at (0.5, -0.15), yaw 0, the bowl at (0.5, 0.12).
  static constexpr double kCupX = 0.5, kCupY = -0.15, kBowlX = 0.5, kBowlY = 0.12;
  static void reset_fixed() {
    Variation v = env_->task().sample_variation(Split::kTrain, 0, 0);
    for (ObjectChoice& o : v.objects)
      if (o.role == "cup") o.category = "cup";
    for (Placement& p : v.placements) {
      if (p.role == "cup") p = {"cup", kCupX, kCupY, 0.0};
      if (p.role == "bowl") p = {"bowl", kBowlX, kBowlY, 0.0};
    }
    env_->reset(v);
  }

  // Sets the free body `body` to (x, y, z) with orientation `quat` (w, x, y, z), at rest; then
  // recomputes the derived state.
  static void set_free_body(const std::string& body, const Eigen::Vector3d& p, const Eigen::Quaterniond& quat) {
    const mjModel* m = env_->env().model();
    mjData* d = env_->env().mutable_data();
    const int j = mj_name2id(m, mjOBJ_JOINT, (body + "_joint").c_str());
    ASSERT_GE(j, 0) << body;
    mjtNum* q = d->qpos + m->jnt_qposadr[j];
    q[0] = p.x(), q[1] = p.y(), q[2] = p.z();
    q[3] = quat.w(), q[4] = quat.x(), q[5] = quat.y(), q[6] = quat.z();
    for (int k = 0; k < 6; ++k) d->qvel[m->jnt_dofadr[j] + k] = 0;
  }
  static void forward() { mj_forward(env_->env().model(), env_->env().mutable_data()); }

  // Ball i on the bowl's floor (floor top 8 mm above the table), on a ring of radius 4 cm
  // (neighbours 3 cm apart: no overlap).
  static Eigen::Vector3d in_bowl(int i) {
    const double a = 2 * M_PI * i / kPourBallCount;
    return {kBowlX + 0.04 * std::cos(a), kBowlY + 0.04 * std::sin(a), 0.008 + kPourBallRadiusM + 0.0005};
  }
  // Ball i on the table just outside the bowl (footprint radius 9 cm), on its far side from the cup.
  static Eigen::Vector3d beside_bowl(int i) {
    const double a = (i - 3.5) * 0.25;
    return {kBowlX + 0.13 * std::cos(a), kBowlY + 0.13 * std::sin(a), kPourBallRadiusM + 0.0005};
  }

  // Steps `n` idle control steps; true if the success condition held at any step or success latched.
  static bool any_success(int n) {
    bool any = false;
    for (int i = 0; i < n; ++i) {
      env_->step(kIdleOpen);
      any |= env_->status().condition || env_->status().success;
    }
    return any;
  }

  static std::unique_ptr<TaskEnv> env_;
};
std::unique_ptr<TaskEnv> PourTest::env_;

const Eigen::Quaterniond kUpright = Eigen::Quaterniond::Identity();

TEST_F(PourTest, ExpertSucceedsOnEverySplit) {
  check_expert_on_every_split(*env_, {{"reach", CoarsePhase::kTransit}, {"grasp", CoarsePhase::kInteraction}, {"tilt", CoarsePhase::kInteraction}, {"pour", CoarsePhase::kInteraction}});
}

// Positive control for the hand-made states below: all balls resting in the bowl, the cup upright
// on the table (released) is success after the 0.5 s dwell.
TEST_F(PourTest, AllBallsInTheBowlWithTheCupStandingIsSuccess) {
  reset_fixed();
  for (int i = 0; i < kPourBallCount; ++i) set_free_body(pour_ball_body(i), in_bowl(i), kUpright);
  forward();
  for (int i = 0; i < 8; ++i) env_->step(kIdleOpen);
  EXPECT_TRUE(env_->status().success);
  EXPECT_EQ(env_->status().progress_name, "poured");
}

// Balls spilled on the table beside the bowl, cup upright (state set directly: the balls' poses).
TEST_F(PourTest, BallsSpilledBesideTheBowlAreNotSuccess) {
  reset_fixed();
  for (int i = 0; i < kPourBallCount; ++i) set_free_body(pour_ball_body(i), beside_bowl(i), kUpright);
  forward();
  EXPECT_FALSE(any_success(15));
  EXPECT_LT(env_->status().progress, 6);
}

// Too few balls in the bowl (state set directly): 3 of 8 (37.5 %) and 4 of 8 (50 %) are rejected,
// the rest still in the cup; 5 of 8 (62.5 %) passes.
TEST_F(PourTest, FewerThanSixtyPercentInTheBowlIsNotSuccess) {
  for (int in : {3, 4, 5}) {
    reset_fixed();
    // The balls that stay are the cup's top ones (the start layout stacks them bottom-up).
    for (int i = 0; i < in; ++i) set_free_body(pour_ball_body(kPourBallCount - 1 - i), in_bowl(i), kUpright);
    forward();
    const bool any = any_success(12);
    if (in < 5) {
      EXPECT_FALSE(any) << in;
    } else {
      EXPECT_TRUE(env_->status().success) << in;
    }
  }
}

// The cup knocked over while the balls are in the bowl (state set directly): the "dropped" latch
// sets, and standing the cup up again does not bring success back.
TEST_F(PourTest, DroppedCupIsALatchedFailure) {
  reset_fixed();
  for (int i = 0; i < kPourBallCount; ++i) set_free_body(pour_ball_body(i), in_bowl(i), kUpright);
  // The cup lying on its side (axis along world y), wall resting on the table.
  const PourCup& cup = pour_find_cup("cup");
  const Eigen::Quaterniond lying(Eigen::AngleAxisd(M_PI / 2, Eigen::Vector3d::UnitX()));
  set_free_body(pour_cup_body("cup"), {kCupX, kCupY, cup.outer_half_width_m() + 0.001}, lying);
  forward();
  EXPECT_FALSE(any_success(10));
  EXPECT_LT(env_->status().progress, 6);
  // Upright again, balls still in the bowl: the latch keeps the episode failed.
  set_free_body(pour_cup_body("cup"), {kCupX, kCupY, 0.0005}, kUpright);
  forward();
  EXPECT_FALSE(any_success(10));
  // A new episode clears the latch.
  reset_fixed();
  for (int i = 0; i < kPourBallCount; ++i) set_free_body(pour_ball_body(i), in_bowl(i), kUpright);
  forward();
  for (int i = 0; i < 8; ++i) env_->step(kIdleOpen);
  EXPECT_TRUE(env_->status().success);
}

// Tilting the full cup next to the bowl (driven with the arm): balls on the table, never success.
TEST_F(PourTest, PouringBesideTheBowlIsNotSuccess) {
  reset_fixed();
  const PourCup& cup = pour_find_cup("cup");
  // Grasp like the expert: top-down, fingers closing along world x on two flat faces, TCP 15 mm
  // below the rim; the tilt is a roll about the finger axis.
  const Eigen::Vector3d grasp(kCupX, kCupY, cup.height_m - 0.015);
  const Eigen::Matrix3d down = ee_down_rotation(M_PI / 2);
  auto drive = [&](const Eigen::Vector3d& p, const Eigen::Matrix3d& r, double gripper, int steps) {
    bool any = false;
    for (int i = 0; i < steps; ++i) {
      Action a = servo_action(env_->env(), p, r, gripper);
      for (int k = 3; k < 6; ++k) a[k] = std::clamp(a[k], -0.6, 0.6);
      env_->step(a);
      any |= env_->status().condition || env_->status().success;
    }
    return any;
  };
  EXPECT_FALSE(drive(grasp + Eigen::Vector3d(0, 0, 0.08), down, -1, 20));
  EXPECT_FALSE(drive(grasp, down, -1, 10));
  EXPECT_FALSE(drive(grasp, down, 1, 5));
  // Lift and pour 20 cm on the robot's side of the cup's start, far from the bowl (y = 0.12).
  const Eigen::Vector3d spot(kCupX - 0.05, kCupY - 0.12, 0.22);
  EXPECT_FALSE(drive(spot, down, 1, 15));
  EXPECT_EQ(env_->status().progress_name, "lifted");
  const Eigen::Matrix3d tilted = Eigen::AngleAxisd(-2.1, Eigen::Vector3d(down.col(1))).toRotationMatrix() * down;
  EXPECT_FALSE(drive(spot, tilted, 1, 40));
  // The balls left the cup and lie on the table, away from the bowl.
  int on_table = 0;
  for (int i = 0; i < kPourBallCount; ++i) {
    const int b = mj_name2id(env_->env().model(), mjOBJ_BODY, pour_ball_body(i).c_str());
    const double* p = env_->env().data()->xpos + 3 * b;
    on_table += p[2] < 0.02 && std::hypot(p[0] - kBowlX, p[1] - kBowlY) > 0.1;
  }
  EXPECT_GE(on_table, kPourBallCount - 2);
  EXPECT_FALSE(env_->status().success);
  EXPECT_EQ(env_->status().progress_name, "tilted");
}

// Train / held-out disjointness of every axis is the conformance suite's (conformance_test.cc);
// these are the task's own properties of its space and of every variation.
TEST_F(PourTest, YawsStayDisjointUnderTheSquareCupsSymmetryAndVariationsFitTheTable) {
  const VariationSpace& space = env_->task().variation_space();
  // Yaw: disjoint also modulo the square cup's quarter-turn symmetry.
  for (double shift : {-M_PI / 2, 0.0, M_PI / 2}) {
    variation::IntervalSet shifted;
    for (const auto& [lo, hi] : space.yaw_rad->held_out.intervals) shifted.intervals.push_back({lo + shift, hi + shift});
    EXPECT_TRUE(space.yaw_rad->train.disjoint_from(shifted)) << shift;
  }
  // Every cup fits the gripper's 8 cm stroke across its flats.
  for (const auto* list : {&pour_train_cups(), &pour_heldout_cups()})
    for (const PourCup& c : *list) EXPECT_LT(2 * c.outer_half_width_m(), 0.07) << c.name;

  const double bowl_r = find_container("bowl").outer_radius_m;
  auto task = make_task("pour");
  for (Split split : all_splits()) {
    const SplitDraws& draws = split_draws(split);
    const auto& names = space.categories[draws.object];
    const std::set<std::string> cats(names.begin(), names.end());
    std::set<std::string> seen;
    for (int64_t i = 0; i < 500; ++i) {
      const Variation v = task->sample_variation(split, 0, i);
      const ObjectChoice& cup = v.object("cup");
      seen.insert(cup.category);
      const ObjectChoice& bowl = v.object("bowl");
      const ObjectChoice& balls = v.object("balls");
      ASSERT_NE(cup.color_name, bowl.color_name);
      ASSERT_NE(balls.color_name, cup.color_name);
      ASSERT_NE(balls.color_name, bowl.color_name);
      const Placement& cp = v.placement("cup");
      const Placement& bp = v.placement("bowl");
      const double cup_r = pour_find_cup(cup.category).footprint_radius_m();
      ASSERT_GE(std::hypot(cp.x_m - bp.x_m, cp.y_m - bp.y_m), cup_r + bowl_r);
      for (const auto& [x, y, r] : {std::array<double, 3>{cp.x_m, cp.y_m, cup_r}, {bp.x_m, bp.y_m, bowl_r}}) {
        ASSERT_GE(x - r, 0.25);
        ASSERT_LE(x + r, 0.80);
        ASSERT_LE(std::abs(y) + r, 0.46);
        ASSERT_LE(std::hypot(x, y), 0.72);
      }
      ASSERT_EQ(v.instruction, "pour the balls from the " + cup.color_name + " " + cup.category + " into the " +
                                   bowl.color_name + " bowl");
    }
    EXPECT_EQ(seen, cats) << to_string(split);  // every shape of the split's set occurs
  }
}

TEST(Pour, ObjectStateTracksTheCupAndRespectsItsSymmetry) {
  TaskEnv env("pour", no_render());
  const int64_t i = find_episode(env, Split::kTrain, "cup", "mug");  // handle: n = 2
  ObjectStateCase c;
  c.index = i;
  c.object_body = c.yaw_body = pour_cup_body("mug");
  c.target_body = kPourBowlBody;
  c.object_symmetry_rad = M_PI;
  c.min_motion_m = 0.10;
  check_object_state(env, c);
}
}  // namespace
}  // namespace wambench
