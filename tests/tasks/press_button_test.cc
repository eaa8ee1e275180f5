// Tests of press_button: the expert on every split, near misses the success predicate must reject,
// disjoint held-out distributions, determinism.
#include <gtest/gtest.h>

#include "task_test_util.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <string>

#include "tasks/expert_rollout.h"
#include "tasks/registry.h"
#include "tasks/task_env.h"
#include "tasks/press_button.h"

namespace wambench {
namespace {


// A fixed scene for hand-made states: a round cap in a box housing at (0.5, 0), yaw 0 (housing
// edges along world x / y; the closed fingers cover 22 mm along x and 36 mm along y).
constexpr double kX = 0.50, kY = 0.0;
Variation fixed_variation(const Task& task) {
  Variation v = task.sample_variation(Split::kTrain, 0, 0);
  v.objects[0].category = "round";
  v.objects[1].category = "box";
  v.placements[0] = {"button", kX, kY, 0.0};
  return v;
}

double cap_top_z() { return kPressButtonHousingHeightM + press_button_find_cap("round").top_m; }

double depth(const TaskEnv& env) {
  const mjModel* m = env.env().model();
  return -env.env().data()->qpos[m->jnt_qposadr[mj_name2id(m, mjOBJ_JOINT, "button_round_press")]];
}

// Moves the TCP towards `target` (world, m) with the gripper closed for `steps` control steps, at
// most `max_speed` x 5 cm per step along each axis. Returns false if success latched meanwhile.
bool drive(TaskEnv& env, const Eigen::Vector3d& target, int steps, double max_speed = 1.0) {
  for (int i = 0; i < steps; ++i) {
    Action a = servo_action(env.env(), target, ee_down_rotation(0.0), 1.0);
    for (int k = 0; k < 3; ++k) a[k] = std::clamp(a[k], -max_speed, max_speed);
    env.step(a);
    if (env.status().success) return false;
  }
  return true;
}

// The fingertips are 7 mm below the TCP (panda.xml).
Eigen::Vector3d tcp_for_tips(double x, double y, double tip_z) { return {x, y, tip_z + 0.007}; }

bool robot_touches_body(const TaskEnv& env, const std::string& body) {
  const mjModel* m = env.env().model();
  return wambench::robot_touches_body(m, env.env().data(), m->body_rootid[mj_name2id(m, mjOBJ_BODY, "link0")],
                                      mj_name2id(m, mjOBJ_BODY, body.c_str()));
}

TEST(PressButton, ExpertSucceedsOnEverySplit) {
  TaskEnv env("press_button", no_render());
  check_expert_on_every_split(env, {{"reach", CoarsePhase::kTransit}, {"press", CoarsePhase::kInteraction}, {"release", CoarsePhase::kInteraction}});
}

TEST(PressButton, TouchedButNotClickedIsNotSuccess) {
  TaskEnv env("press_button", no_render());
  env.reset(fixed_variation(env.task()));
  const double top = cap_top_z();
  ASSERT_TRUE(drive(env, tcp_for_tips(kX, kY, top + 0.05), 25));
  // Push the cap 2.5 mm down (click depth: 8 mm) and keep it there for 2 s.
  ASSERT_TRUE(drive(env, tcp_for_tips(kX, kY, top - 0.0025), 20, 0.2));
  EXPECT_TRUE(robot_touches_body(env, "button_round_cap"));
  EXPECT_GT(depth(env), 0.001);
  EXPECT_LT(depth(env), 0.005);
  EXPECT_EQ(env.status().progress_name, "touched");
  // Let go: the button never clicked.
  EXPECT_TRUE(drive(env, tcp_for_tips(kX, kY, top + 0.08), 20));
  EXPECT_FALSE(env.status().success);
  EXPECT_LT(env.status().progress, 3);
}

TEST(PressButton, GripperRestingBesideTheButtonIsNotSuccess) {
  TaskEnv env("press_button", no_render());
  env.reset(fixed_variation(env.task()));
  // Beside the housing (half width 45 mm; the fingers reach 18 mm along y), fingertips on the table.
  const double y = kY + 0.045 + 0.018 + 0.012;
  ASSERT_TRUE(drive(env, tcp_for_tips(kX, y, 0.06), 25));
  EXPECT_TRUE(drive(env, tcp_for_tips(kX, y, 0.002), 25, 0.3));
  EXPECT_FALSE(robot_touches_body(env, "button_round_cap"));
  EXPECT_LT(depth(env), 0.001);
  EXPECT_FALSE(env.status().success);
  EXPECT_LT(env.status().progress, 2);
}

TEST(PressButton, PressingTheHousingNextToTheCapIsNotSuccess) {
  TaskEnv env("press_button", no_render());
  env.reset(fixed_variation(env.task()));
  // Pusher centred 34 mm from the cap's axis along x: it covers 23..45 mm, the cap's radius is 20 mm.
  const double x = kX + 0.034;
  ASSERT_TRUE(drive(env, tcp_for_tips(x, kY, 0.08), 25));
  // Push 4 mm into the housing's top face for 2 s.
  EXPECT_TRUE(drive(env, tcp_for_tips(x, kY, kPressButtonHousingHeightM - 0.004), 20, 0.2));
  EXPECT_TRUE(robot_touches_body(env, "button_round"));
  EXPECT_FALSE(robot_touches_body(env, "button_round_cap"));
  EXPECT_LT(depth(env), 0.001);
  EXPECT_TRUE(drive(env, tcp_for_tips(x, kY, 0.12), 15));
  EXPECT_FALSE(env.status().success);
  EXPECT_LT(env.status().progress, 3);
}

TEST(PressButton, ClickedButStillHeldIsNotYetSuccessReleasingIs) {
  TaskEnv env("press_button", no_render());
  env.reset(fixed_variation(env.task()));
  const double top = cap_top_z();
  ASSERT_TRUE(drive(env, tcp_for_tips(kX, kY, top + 0.05), 25));
  // Press 10.5 mm (past the 8 mm click depth) and hold it down for 2 s: clicked, not released.
  EXPECT_TRUE(drive(env, tcp_for_tips(kX, kY, top - 0.0105), 20, 0.2));
  EXPECT_GT(depth(env), kPressButtonClickDepthM);
  EXPECT_FALSE(env.status().condition);
  EXPECT_EQ(env.status().progress_name, "clicked");
  // Let go: success after the 0.5 s dwell.
  drive(env, tcp_for_tips(kX, kY, top + 0.08), 12);
  EXPECT_TRUE(env.status().success);
  EXPECT_EQ(env.status().progress_name, "released");
  // A new episode resets the click latch.
  env.reset(fixed_variation(env.task()));
  EXPECT_FALSE(env.status().success);
  for (int i = 0; i < 10; ++i) env.step(Action{0, 0, 0, 0, 0, 0, -1});
  EXPECT_FALSE(env.status().success);
  EXPECT_FALSE(env.status().condition);
}

// Counts pixels of the front camera that are strongly green (the lit bezel's colour).
int green_pixels(const Image& img) {
  int n = 0;
  for (size_t p = 0; p + 2 < img.rgb.size(); p += 3)
    n += img.rgb[p + 1] > 150 && img.rgb[p] < 110 && img.rgb[p + 2] < 130;
  return n;
}

TEST(PressButton, TheBezelLightsUpWhenTheButtonClicksAndTheObjectStateSaysSo) {
  // The latch is visible (in the images and in object_state()[10]) from the click to the episode's
  // end, and dark again in the next episode: "pressed already" is not hidden state.
  EnvConfig config;
  config.cameras = {"front"};
  TaskEnv env("press_button", config);
  env.reset(fixed_variation(env.task()));
  const mjModel* m = env.env().model();
  const int bezel = mj_name2id(m, mjOBJ_GEOM, "button_round_accent_bezel");
  ASSERT_GE(bezel, 0);
  const double top = cap_top_z();
  EXPECT_EQ(env.object_state()[10], 0.0);
  const int dark_green = green_pixels(env.observe().images.at("front"));
  const float dark_g = m->geom_rgba[4 * bezel + 1];
  ASSERT_TRUE(drive(env, tcp_for_tips(kX, kY, top + 0.05), 25));
  EXPECT_EQ(env.object_state()[10], 0.0) << "not pressed yet";
  // Touch without clicking: still dark.
  EXPECT_TRUE(drive(env, tcp_for_tips(kX, kY, top - 0.004), 10, 0.2));
  EXPECT_LT(depth(env), kPressButtonClickDepthM);
  EXPECT_EQ(env.object_state()[10], 0.0);
  EXPECT_TRUE(drive(env, tcp_for_tips(kX, kY, top - 0.0105), 15, 0.2));
  ASSERT_EQ(env.status().progress_name, "clicked");
  EXPECT_EQ(env.object_state()[10], 1.0);
  EXPECT_GT(m->geom_rgba[4 * bezel + 1], dark_g + 0.5f);
  // Lifted off, the cap is back at rest (it looks as before the press) but the ring stays lit.
  drive(env, tcp_for_tips(kX, kY, top + 0.08), 12);
  EXPECT_EQ(env.object_state()[10], 1.0);
  EXPECT_GT(green_pixels(env.observe().images.at("front")), dark_green + 10) << "the lit ring is seen by the front camera";
  env.reset(fixed_variation(env.task()));
  EXPECT_EQ(env.object_state()[10], 0.0);
  EXPECT_FLOAT_EQ(m->geom_rgba[4 * bezel + 1], dark_g);
}

// Train / held-out disjointness of every axis is the conformance suite's (conformance_test.cc);
// these are the task's own properties of its space and of every variation.
TEST(PressButton, YawsStayDisjointUnderTheHousingsSymmetryAndVariationsFitTheTable) {
  auto task = make_task("press_button");
  const VariationSpace& space = task->variation_space();
  // Yaw: disjoint also modulo the box housing's quarter-turn symmetry.
  for (double shift : {-M_PI / 2, 0.0, M_PI / 2}) {
    variation::IntervalSet shifted;
    for (const auto& [lo, hi] : space.yaw_rad->held_out.intervals) shifted.intervals.push_back({lo + shift, hi + shift});
    EXPECT_TRUE(space.yaw_rad->train.disjoint_from(shifted)) << shift;
  }

  for (Split split : all_splits()) {
    for (int64_t i = 0; i < 500; ++i) {
      const Variation v = task->sample_variation(split, 0, i);
      const ObjectChoice& cap = v.object("button");
      const ObjectChoice& housing = v.object("housing");
      const Placement& p = v.placement("button");
      ASSERT_TRUE(housing.category == "box" || housing.category == "cylinder");
      ASSERT_NE(cap.color_name, housing.color_name);
      // Footprint (circumscribed radius of the box housing) inside the task's placement limits.
      const double r = kPressButtonHousingHalfWidthM * std::sqrt(2.0);
      ASSERT_GE(p.x_m - r, 0.25);
      ASSERT_LE(p.x_m + r, 0.80);
      ASSERT_LE(std::abs(p.y_m) + r, 0.46);
      ASSERT_LE(std::hypot(p.x_m, p.y_m), 0.72);
      ASSERT_EQ(v.instruction, "press the " + cap.color_name + " " + cap.category + " button");
    }
  }
}

TEST(PressButton, ObjectStateTracksTheCapAndRespectsItsSymmetry) {
  // The cap only moves down by the press depth; turning the housing turns the cap with it.
  TaskEnv env("press_button", no_render());
  const int64_t i = find_episode(env, Split::kTrain, "button", "square");
  ObjectStateCase c;
  c.index = i;
  c.object_body = "button_square_cap";
  c.target_body = c.yaw_body = "button_square";
  c.object_symmetry_rad = M_PI / 2;
  c.min_motion_m = kPressButtonClickDepthM - 0.001;
  check_object_state(env, c);
}
}  // namespace
}  // namespace wambench
