// pick_place: expert, near misses, disjoint splits, determinism.
#include <set>

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

TEST(PickPlace, HeldOutObjectsAndRegionIsDisjointFromTrain) {
  std::set<std::string> train;
  for (const ObjectCategory& c : pick_place_train_objects()) train.insert(c.name);
  for (const ObjectCategory& c : pick_place_heldout_objects()) EXPECT_EQ(train.count(c.name), 0u) << c.name;
  EXPECT_TRUE(pick_place_train_region().disjoint_from(pick_place_heldout_region()));

  auto task = make_task("pick_place");
  std::set<std::string> ho_names;
  for (const ObjectCategory& c : pick_place_heldout_objects()) ho_names.insert(c.name);
  for (int i = 0; i < 500; ++i) {
    const Variation t = task->sample_variation(Split::kTrain, 0, i);
    const Variation p = task->sample_variation(Split::kUnseenPosition, 0, i);
    const Variation o = task->sample_variation(Split::kUnseenObject, 0, i);
    for (const Placement& pl : t.placements) ASSERT_TRUE(pick_place_train_region().contains(pl.x_m, pl.y_m));
    for (const Placement& pl : p.placements) ASSERT_TRUE(pick_place_heldout_region().contains(pl.x_m, pl.y_m));
    ASSERT_EQ(train.count(t.object("object").category), 1u);
    ASSERT_EQ(train.count(p.object("object").category), 1u) << "unseen_position keeps train objects";
    ASSERT_EQ(ho_names.count(o.object("object").category), 1u);
    ASSERT_NE(t.instruction.find(t.object("object").category), std::string::npos);
  }
}

TEST(PickPlace, SameEpisodeGivesSameVariationAndInitialState) {
  TaskEnv a("pick_place", no_render()), b("pick_place", no_render());
  const nlohmann::json va = to_json(a.reset(Split::kUnseenAll, 7, 3));
  const nlohmann::json vb = to_json(b.reset(Split::kUnseenAll, 7, 3));
  EXPECT_EQ(va, vb);
  const std::vector<double> qa(a.env().data()->qpos, a.env().data()->qpos + a.env().model()->nq);
  const std::vector<double> qb(b.env().data()->qpos, b.env().data()->qpos + b.env().model()->nq);
  EXPECT_EQ(qa, qb);
  b.reset(Split::kUnseenAll, 8, 3);
  const std::vector<double> qc(b.env().data()->qpos, b.env().data()->qpos + b.env().model()->nq);
  EXPECT_NE(qa, qc);
}

}  // namespace
}  // namespace wambench
