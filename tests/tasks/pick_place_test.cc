// pick_place: expert, near misses, disjoint splits, determinism.
#include <algorithm>
#include <cmath>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "task_test_util.h"

#include "tasks/expert_rollout.h"
#include "tasks/objects.h"
#include "tasks/pick_place.h"
#include "tasks/task_env.h"

namespace wambench {
namespace {


TEST(PickPlace, ExpertSucceedsOnEverySplit) {
  TaskEnv env("pick_place", no_render());
  check_expert_on_every_split(env, {{"reach", CoarsePhase::kTransit}, {"grasp", CoarsePhase::kInteraction}, {"lift", CoarsePhase::kInteraction}, {"move", CoarsePhase::kTransit}, {"place", CoarsePhase::kInteraction}, {"release", CoarsePhase::kInteraction}});
}

class PickPlaceNearMiss : public ::testing::Test {
 protected:
  PickPlaceNearMiss() : env_("pick_place", no_render()) {}

  // Resets episode `index` and rests the object at (dx, dy) from the container centre, its base
  // at height z, then lets the scene run for 1.5 s with the gripper open above.
  void place_object(int index, double dx, double dy, double z, double tilt_rad = 0) {
    const Variation& v = env_.reset(Split::kTrain, index, 0);
    const mjModel* m = env_.env().model();
    mjData* d = env_.env().mutable_data();
    const int body = mj_name2id(m, mjOBJ_BODY, ("object_" + v.object("object").category).c_str());
    const int box = mj_name2id(m, mjOBJ_BODY, ("container_" + v.object("container").category).c_str());
    mj_forward(m, d);
    mjtNum* q = d->qpos + m->jnt_qposadr[m->body_jntadr[body]];
    q[0] = d->xpos[3 * box] + dx;
    q[1] = d->xpos[3 * box + 1] + dy;
    q[2] = z;
    q[3] = std::cos(tilt_rad / 2);
    q[4] = std::sin(tilt_rad / 2);
    q[5] = q[6] = 0;
    mj_forward(m, d);
    for (int i = 0; i < 15; ++i) env_.step(Action{0, 0, 0, 0, 0, 0, -1});
  }

  TaskEnv env_;
};

TEST_F(PickPlaceNearMiss, ObjectInsideTheContainerSucceeds) {
  // The positive control for the near misses below.
  place_object(1, 0.0, 0.0, 0.0085);
  EXPECT_TRUE(env_.status().success);
}

TEST_F(PickPlaceNearMiss, ObjectJustBesideTheContainerFails) {
  const double r = find_container(env_.reset(Split::kTrain, 1, 0).object("container").category).outer_radius_m;
  place_object(1, r + 0.04, 0.0, 0.0005);
  EXPECT_FALSE(env_.status().success);
  EXPECT_LT(env_.status().progress, 5);
}

TEST_F(PickPlaceNearMiss, ObjectOnTheRimFails) {
  const Variation& v = env_.reset(Split::kTrain, 1, 0);
  const ContainerSpec& c = find_container(v.object("container").category);
  // Tilted across the wall: half on the rim.
  place_object(1, c.inner_radius_m + 0.006, 0.0, c.wall_height_m, 0.4);
  EXPECT_FALSE(env_.status().success);
}

TEST_F(PickPlaceNearMiss, ObjectStillHeldOverTheContainerFails) {
  // Run the expert but stop before it releases: the object is over the container, still grasped.
  const Variation& v = env_.reset(Split::kTrain, 0, 0);
  auto expert = env_.task().make_expert(v, 0, 1);
  for (int i = 0; i < 200 && !env_.done(); ++i) {
    PhaseLabel phase;
    const Action a = expert->act(env_.env(), &phase);
    if (phase.fine == "release") break;
    env_.step(a);
  }
  for (int i = 0; i < 10; ++i) env_.step(Action{0, 0, 0, 0, 0, 0, 1});  // keep holding
  EXPECT_FALSE(env_.status().success);
  EXPECT_GE(env_.status().progress, 4) << "it did get over the target";
}

// --- Symmetry-aware grasp yaw ---------------------------------------------------------------

// Hand yaw (rad) from the EE's 6-D rotation: the yaw of the hand's x axis about world z.
double hand_yaw(const Observation& o) { return std::atan2(o.ee_rot6d[1], o.ee_rot6d[0]); }

struct YawTrace {
  std::vector<double> reach_dyaw;  // a[5] during the "reach" phase
  std::vector<double> grasp_yaws;  // hand yaw (rad) at every step of reach + grasp
  double natural = 0;              // natural_yaw over the object's start position
  bool success = false;
};

YawTrace run_and_trace(TaskEnv& env, int64_t index) {
  const Variation& v = env.reset(Split::kTrain, index, 0);
  YawTrace t;
  t.natural = natural_yaw(v.placement("object").x_m, v.placement("object").y_m);
  auto expert = env.task().make_expert(v, 0, 1);
  while (!env.done()) {
    PhaseLabel phase;
    const Action a = expert->act(env.env(), &phase);
    if (phase.fine == "reach") t.reach_dyaw.push_back(a[5]);
    if (phase.fine == "reach" || phase.fine == "grasp") t.grasp_yaws.push_back(hand_yaw(env.observe()));
    env.step(a);
  }
  t.success = env.status().success;
  return t;
}

TEST(PickPlace, ExpertKeepsTheNaturalYawForRoundObjects) {
  // A can or a bottle looks the same at every yaw, so the hand turns only to the arm's natural
  // yaw over the object (atan2(y, x)) whatever yaw the object was sampled with. Episodes whose
  // sampled yaw is far (> 0.4 rad modulo pi) from the natural yaw are the ones where the old
  // expert turned the hand to the invisible object yaw.
  TaskEnv env("pick_place", no_render());
  const double max_rot = env.env().config().controller.max_rotation_per_step_rad;
  int checked = 0;
  for (int64_t i = 0; i < 60 && checked < 3; ++i) {
    const Variation v = env.task().sample_variation(Split::kTrain, 0, i);
    const std::string& cat = v.object("object").category;
    const Placement& p = v.placement("object");
    if (cat != "can" && cat != "bottle") continue;
    if (std::abs(wrap_grasp_yaw(p.yaw_rad - natural_yaw(p.x_m, p.y_m))) < 0.4) continue;
    ++checked;
    const YawTrace t = run_and_trace(env, i);
    SCOPED_TRACE("episode " + std::to_string(i) + " (" + cat + ")");
    EXPECT_TRUE(t.success);
    ASSERT_FALSE(t.reach_dyaw.empty());
    // The hand starts at yaw 0 (the ready pose): the whole reach commands only the natural yaw.
    double commanded = 0;
    for (double a5 : t.reach_dyaw) commanded += std::abs(a5) * max_rot;
    EXPECT_LT(commanded, std::abs(t.natural) + 0.05);
    // ... and ends there: the yaw components are ~0 once the hand is at the natural yaw.
    EXPECT_LT(std::abs(t.reach_dyaw.back()), 0.1);
    EXPECT_LT(std::abs(wrap_grasp_yaw(t.grasp_yaws.back() - t.natural)), 0.03);
  }
  EXPECT_EQ(checked, 3);
}

TEST(PickPlace, CubeGraspYawStaysWithinAnEighthTurnOfTheNaturalYaw) {
  // The cube looks the same every quarter turn: of its four grasp yaws the expert takes the one
  // closest to the natural yaw, so through reach and grasp the hand's yaw stays within 45 degrees
  // (+ 3 degrees of tracking tolerance) of the natural yaw. Episodes chosen where the old
  // half-turn-only choice was further than 50 degrees off.
  TaskEnv env("pick_place", no_render());
  int checked = 0;
  for (int64_t i = 0; i < 80 && checked < 3; ++i) {
    const Variation v = env.task().sample_variation(Split::kTrain, 0, i);
    const Placement& p = v.placement("object");
    if (v.object("object").category != "cube") continue;
    if (std::abs(wrap_grasp_yaw(p.yaw_rad - natural_yaw(p.x_m, p.y_m))) < 50 * M_PI / 180) continue;
    ++checked;
    const YawTrace t = run_and_trace(env, i);
    SCOPED_TRACE("episode " + std::to_string(i));
    EXPECT_TRUE(t.success);
    double worst = 0;
    for (double y : t.grasp_yaws) worst = std::max(worst, std::abs(wrap_grasp_yaw(y - t.natural)));
    EXPECT_LE(worst, (45.0 + 3.0) * M_PI / 180);
  }
  EXPECT_EQ(checked, 3);
}

// --- Privileged object state -----------------------------------------------------------------

TEST(PickPlace, ObjectStateTracksTheObjectAndRespectsItsSymmetry) {
  TaskEnv env("pick_place", no_render());
  for (const char* cat : {"cube", "can", "mug"}) {
    SCOPED_TRACE(cat);
    const int64_t i = find_episode(env, Split::kTrain, "object", cat);
    const Variation v = env.task().sample_variation(Split::kTrain, 0, i);
    ObjectStateCase c;
    c.index = i;
    c.object_body = c.yaw_body = std::string("object_") + cat;
    c.target_body = "container_" + v.object("container").category;
    c.object_symmetry_rad = find_category(pick_place_train_objects(), cat).grasp_symmetry_rad;
    c.min_motion_m = 0.10;  // lifted and carried to the container
    check_object_state(env, c);
  }
}
}  // namespace
}  // namespace wambench
