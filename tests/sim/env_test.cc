// Env: action validation, clipping, control rate, determinism.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <limits>
#include <vector>

#include <gtest/gtest.h>

#include "sim/env.h"
#include "tests/sim/test_scenes.h"

namespace wambench {
namespace {

std::vector<double> qpos_of(const Env& env) {
  return std::vector<double>(env.data()->qpos, env.data()->qpos + env.model()->nq);
}

TEST(Env, StepAdvancesOneControlPeriod) {
  Env env(testing::physics_only_config());
  env.reset();
  EXPECT_EQ(env.physics_steps_per_control(), 50);
  env.step(Action{});
  EXPECT_NEAR(env.data()->time, 0.1, 1e-12);
}

TEST(Env, ControlRateIsConfigurable) {
  EnvConfig c = testing::physics_only_config();
  c.control_frequency_hz = 20;
  Env env(c);
  EXPECT_EQ(env.physics_steps_per_control(), 25);
  c.control_frequency_hz = 7;  // 1/7 s is not a whole number of 2 ms steps
  EXPECT_THROW({ Env bad(c); }, std::invalid_argument);
}

TEST(Env, RejectsNanAndInfWithoutChangingState) {
  Env env(testing::physics_only_config());
  env.reset();
  env.step(Action{0.3, 0, 0, 0, 0, 0, -1});
  const std::vector<double> before = qpos_of(env);
  const double t = env.data()->time;
  for (double bad : {std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity(),
                     -std::numeric_limits<double>::infinity()}) {
    Action a{0.1, 0.1, 0.1, 0, 0, 0, 0};
    a[3] = bad;
    try {
      env.step(a);
      FAIL() << "expected InvalidActionError for " << bad;
    } catch (const InvalidActionError& e) {
      EXPECT_NE(std::string(e.what()).find("action[3]"), std::string::npos) << e.what();
    }
  }
  EXPECT_EQ(qpos_of(env), before);
  EXPECT_EQ(env.data()->time, t);
}

TEST(Env, RejectsWrongLengthWithoutChangingState) {
  Env env(testing::physics_only_config());
  env.reset();
  const std::vector<double> before = qpos_of(env);
  for (size_t n : {0u, 6u, 8u, 14u}) {
    try {
      env.step(std::vector<double>(n, 0.0));
      FAIL() << "expected InvalidActionError for length " << n;
    } catch (const InvalidActionError& e) {
      EXPECT_NE(std::string(e.what()).find("expected 7"), std::string::npos) << e.what();
    }
  }
  EXPECT_EQ(qpos_of(env), before);
  EXPECT_EQ(env.data()->time, 0.0);
}

TEST(Env, OutOfRangeActionsAreClippedToUnitBox) {
  Env clipped(testing::physics_only_config()), unit(testing::physics_only_config());
  clipped.reset();
  unit.reset();
  for (int i = 0; i < 5; ++i) {
    clipped.step(std::vector<double>{5.0, -3.0, 2.0, 0.0, 1.5, -7.0, 9.0});
    unit.step(std::vector<double>{1.0, -1.0, 1.0, 0.0, 1.0, -1.0, 1.0});
  }
  EXPECT_EQ(qpos_of(clipped), qpos_of(unit));
}

TEST(Env, SameActionsGiveBitIdenticalQposTwiceInOneProcess) {
  const std::vector<double> a = testing::run_determinism_rollout();
  const std::vector<double> b = testing::run_determinism_rollout();
  ASSERT_EQ(a.size(), b.size());
  EXPECT_EQ(testing::to_hex_lines(a), testing::to_hex_lines(b));
  // The rollout really moved the arm (a trivial rollout would make the test vacuous).
  Env env(testing::physics_only_config());
  env.reset();
  const std::vector<double> start = qpos_of(env);
  double moved = 0;
  for (size_t i = 0; i < 7; ++i) moved += std::abs(a[i] - start[i]);
  EXPECT_GT(moved, 0.5);
}

std::string run_probe() {
  FILE* pipe = popen(WAMBENCH_SIM_PROBE, "r");
  if (pipe == nullptr) return "";
  std::string out;
  char buf[256];
  while (std::fgets(buf, sizeof(buf), pipe) != nullptr) out += buf;
  EXPECT_EQ(pclose(pipe), 0);
  return out;
}

TEST(Env, SameActionsGiveBitIdenticalQposAcrossProcesses) {
  const std::string first = run_probe();
  const std::string second = run_probe();
  ASSERT_FALSE(first.empty());
  EXPECT_EQ(first, second);
  EXPECT_EQ(first, testing::to_hex_lines(testing::run_determinism_rollout()));
}

TEST(Env, UnstableSimulationRaisesSimulationError) {
  Env env(testing::physics_only_config());
  env.reset();
  env.mutable_data()->qvel[0] = std::numeric_limits<double>::quiet_NaN();
  try {
    env.step(Action{});
    FAIL() << "expected SimulationError";
  } catch (const SimulationError& e) {
    EXPECT_NE(std::string(e.what()).find("unstable"), std::string::npos) << e.what();
  }
  env.reset();  // a reset recovers
  EXPECT_NO_THROW(env.step(Action{}));
}

TEST(Env, ObservationReportsProprioceptionInSiUnits) {
  Env env(testing::physics_only_config());
  env.reset();
  const Observation obs = env.observe();
  EXPECT_TRUE(obs.images.empty()) << "rendering disabled";
  EXPECT_NEAR(obs.gripper_opening_m, 0.08, 1e-9);
  for (int i = 0; i < kArmDof; ++i) EXPECT_NEAR(obs.joint_pos_rad[i], kReadyJointPosRad[i], 1e-9);
  double n = 0;
  for (double v : obs.ee_quat_wxyz) n += v * v;
  EXPECT_NEAR(n, 1.0, 1e-9);
  // Ready pose: the tool centre point is in front of the robot, above the table, pointing down.
  EXPECT_GT(obs.ee_pos_m[0], 0.2);
  EXPECT_NEAR(obs.ee_pos_m[1], 0.0, 1e-6);
  EXPECT_GT(obs.ee_pos_m[2], 0.2);
  const int ee = mj_name2id(env.model(), mjOBJ_SITE, "ee");
  EXPECT_LT(env.data()->site_xmat[9 * ee + 8], -0.999) << "EE z axis points down";
}

// Observation::ee_rot6d: the hand pointing straight down (the ready pose, R = diag(1, -1, -1), a
// half turn about world x) is exactly where the w >= 0 quaternion jumps: a tilt of +-5 mrad about
// world x moves w through 0, so the canonical quaternion flips from ~(0, 1, 0, 0) to
// ~(0, -1, 0, 0). The 6-D representation (first two rotation-matrix columns) is continuous there,
// which is why learned models read it (DESIGN.md "Frames").
TEST(Env, Rot6dIsContinuousWhereTheQuaternionFlips) {
  Env env(testing::physics_only_config());
  const double max_rot = env.config().controller.max_rotation_per_step_rad;
  auto pose_after_roll = [&](double roll_rad) {
    env.reset();
    env.step(Action{0, 0, 0, roll_rad / max_rot, 0, 0, -1});
    for (int i = 0; i < 10; ++i) env.step(Action{0, 0, 0, 0, 0, 0, -1});  // settle
    return env.observe();
  };
  const Observation a = pose_after_roll(+0.005);
  const Observation b = pose_after_roll(-0.005);

  // The two measured poses differ by a tiny rotation (about 0.01 rad).
  double qa[4], qb[4], dq[4];
  for (int k = 0; k < 4; ++k) qa[k] = a.ee_quat_wxyz[k], qb[k] = b.ee_quat_wxyz[k];
  mjtNum qa_inv[4];
  mju_negQuat(qa_inv, qa);
  mju_mulQuat(dq, qa_inv, qb);
  const double angle = 2 * std::acos(std::min(1.0, std::abs(dq[0])));
  EXPECT_GT(angle, 0.005);
  EXPECT_LT(angle, 0.02);

  // ... yet the canonical quaternions are far apart (x component ~+1 vs ~-1) ...
  ASSERT_GT(std::abs(a.ee_quat_wxyz[1]), 0.99);
  ASSERT_LT(a.ee_quat_wxyz[1] * b.ee_quat_wxyz[1], 0) << "the quaternion sign flips across w = 0";
  double quat_jump = 0;
  for (int k = 0; k < 4; ++k) quat_jump = std::max(quat_jump, std::abs(a.ee_quat_wxyz[k] - b.ee_quat_wxyz[k]));
  EXPECT_GT(quat_jump, 1.9);

  // ... while the 6-D rotations differ by about the tilt.
  double rot6d_jump = 0;
  for (int k = 0; k < 6; ++k) rot6d_jump = std::max(rot6d_jump, std::abs(a.ee_rot6d[k] - b.ee_rot6d[k]));
  EXPECT_LT(rot6d_jump, 0.05);
  EXPECT_GT(rot6d_jump, 0.001) << "but the poses are not identical";

  // rot6d = the first two columns of the rotation matrix of ee_quat_wxyz, and of the ee site.
  const int ee = mj_name2id(env.model(), mjOBJ_SITE, "ee");
  for (const Observation* o : {&a, &b}) {
    mjtNum q[4], r[9];
    for (int k = 0; k < 4; ++k) q[k] = o->ee_quat_wxyz[k];
    mju_quat2Mat(r, q);  // row-major
    for (int col = 0; col < 2; ++col)
      for (int row = 0; row < 3; ++row) EXPECT_NEAR(o->ee_rot6d[3 * col + row], r[3 * row + col], 1e-9);
  }
  for (int col = 0; col < 2; ++col)
    for (int row = 0; row < 3; ++row)
      EXPECT_DOUBLE_EQ(b.ee_rot6d[3 * col + row], env.data()->site_xmat[9 * ee + 3 * row + col]);
}

}  // namespace
}  // namespace wambench
