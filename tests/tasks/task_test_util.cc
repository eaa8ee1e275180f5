#include "task_test_util.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>

namespace wambench {

EnvConfig no_render() {
  EnvConfig c;
  c.render = false;
  return c;
}

void check_expert_on_every_split(TaskEnv& env, const std::vector<ExpectedLabel>& labels, int episodes,
                                 const std::function<void(const ExpertEpisode&, TaskEnv&)>& after_episode) {
  const auto& subgoals = env.task().subgoals();
  for (Split split : all_splits()) {
    for (int64_t i = 0; i < episodes; ++i) {
      const ExpertEpisode r = run_expert_episode(env, split, i, 0);
      const std::string where = std::string(to_string(split)) + " episode " + std::to_string(i) + " (\"" +
                                r.variation.instruction + "\")";
      EXPECT_TRUE(r.success) << where << ": progress " << r.progress_name << ", error '" << r.error << "'";
      EXPECT_EQ(r.progress, static_cast<int>(subgoals.size())) << where;
      EXPECT_EQ(r.progress_name, subgoals.back()) << where;
      EXPECT_LE(r.success_step, static_cast<int>(0.7 * env.task().horizon_steps())) << where;
      ASSERT_EQ(r.phases.size(), static_cast<size_t>(r.steps)) << where;
      std::set<CoarsePhase> coarse;
      std::set<ExpectedLabel> seen;
      for (const PhaseLabel& p : r.phases) {
        coarse.insert(p.coarse);
        seen.insert({p.fine, p.coarse});
      }
      EXPECT_EQ(coarse.size(), 2u) << where << ": both transit and interaction steps";
      for (const ExpectedLabel& l : labels)
        EXPECT_EQ(seen.count(l), 1u) << where << ": no '" << l.first << "' step labelled " << to_string(l.second);
      if (after_episode) after_episode(r, env);
    }
  }
}

namespace {

int body_id(const mjModel* m, const std::string& name) {
  const int id = mj_name2id(m, mjOBJ_BODY, name.c_str());
  EXPECT_GE(id, 0) << "no body '" << name << "'";
  return id;
}

Eigen::Vector3d xpos(const mjData* d, int body) { return Eigen::Vector3d(d->xpos + 3 * body); }

// Turns `body` about world z by `dyaw` (rad): its free joint's quaternion, or its model body_quat.
void turn_body(mjModel* m, mjData* d, int body, double dyaw) {
  const mjtNum qz[4] = {std::cos(dyaw / 2), 0, 0, std::sin(dyaw / 2)};
  mjtNum* q = nullptr;
  if (m->body_jntnum[body] > 0 && m->jnt_type[m->body_jntadr[body]] == mjJNT_FREE) {
    q = d->qpos + m->jnt_qposadr[m->body_jntadr[body]] + 3;
  } else {
    q = m->body_quat + 4 * body;
  }
  mjtNum out[4];
  mju_mulQuat(out, qz, q);
  mju_copy4(q, out);
  mj_forward(m, d);
}

}  // namespace

int64_t find_episode(const TaskEnv& env, Split split, const std::string& role, const std::string& category) {
  for (int64_t i = 0; i < 200; ++i)
    if (env.task().sample_variation(split, 0, i).object(role).category == category) return i;
  ADD_FAILURE() << "no " << category << " " << role << " in the first 200 episodes";
  return 0;
}

void check_object_state(TaskEnv& env, const ObjectStateCase& c) {
  const std::string where = std::string(to_string(c.split)) + " episode " + std::to_string(c.index);
  env.reset(c.split, c.index, 0);
  mjModel* m = env.env().mutable_model();
  mjData* d = env.env().mutable_data();
  const int object = body_id(m, c.object_body), target = body_id(m, c.target_body), yaw_body = body_id(m, c.yaw_body);
  const auto s0 = env.object_state();
  for (int k = 0; k < 3; ++k) {
    EXPECT_NEAR(s0[k], d->xpos[3 * object + k], 1e-9) << where << ": object position " << k;
    EXPECT_NEAR(s0[5 + k], d->xpos[3 * target + k], 1e-9) << where << ": target position " << k;
  }
  for (int k : {3, 4, 8, 9}) EXPECT_LE(std::abs(s0[k]), 1.0 + 1e-12) << where;
  EXPECT_NEAR(s0[3] * s0[3] + s0[4] * s0[4], 1.0, 1e-9) << where;
  EXPECT_NEAR(s0[8] * s0[8] + s0[9] * s0[9], 1.0, 1e-9) << where;

  // Yaw encoding: invariant under the symmetry, not under half of it.
  if (c.object_symmetry_rad > 0) {
    turn_body(m, d, yaw_body, c.object_symmetry_rad);
    const auto s1 = env.object_state();
    EXPECT_NEAR(s1[3], s0[3], 1e-6) << where << ": turned by the symmetry angle";
    EXPECT_NEAR(s1[4], s0[4], 1e-6) << where << ": turned by the symmetry angle";
    turn_body(m, d, yaw_body, c.object_symmetry_rad / 2);
    const auto s2 = env.object_state();
    EXPECT_GT(std::hypot(s2[3] - s0[3], s2[4] - s0[4]), 1.0) << where << ": turned by half the symmetry angle";
  } else {
    EXPECT_EQ(s0[3], 0.0) << where;
    EXPECT_EQ(s0[4], 1.0) << where;
    turn_body(m, d, yaw_body, 0.7);
    const auto s1 = env.object_state();
    EXPECT_EQ(s1[3], 0.0) << where;
    EXPECT_EQ(s1[4], 1.0) << where;
  }

  // The expert moves the object; object_state follows it.
  const Variation& v = env.reset(c.split, c.index, 0);
  const Eigen::Vector3d start(s0[0], s0[1], s0[2]);
  auto expert = env.task().make_expert(v, 0, 1);
  double max_motion = 0;
  while (!env.done()) {
    PhaseLabel phase;
    env.step(expert->act(env.env(), &phase));
    const auto s = env.object_state();
    const Eigen::Vector3d p(s[0], s[1], s[2]);
    EXPECT_LT((p - xpos(d, object)).norm(), 1e-9) << where << " step " << env.steps();
    max_motion = std::max(max_motion, (p - start).norm());
  }
  EXPECT_TRUE(env.status().success) << where;
  EXPECT_GE(max_motion, c.min_motion_m) << where;
}

}  // namespace wambench
