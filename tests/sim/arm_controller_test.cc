// The EE-delta controller: IK accuracy, joint limits, gravity compensation.
#include <algorithm>
#include <cmath>

#include <Eigen/Dense>
#include <gtest/gtest.h>

#include "sim/env.h"
#include "sim/random.h"
#include "tests/sim/test_scenes.h"

namespace wambench {
namespace {

Eigen::Matrix3d quat_to_rot(const std::array<double, 4>& q) {
  return Eigen::Quaterniond(q[0], q[1], q[2], q[3]).toRotationMatrix();
}

Eigen::Vector3d rotation_error(const Eigen::Matrix3d& target, const Eigen::Matrix3d& current) {
  Eigen::AngleAxisd aa(target * current.transpose());
  return aa.axis() * aa.angle();
}

// Proportional EE servo through the public action interface: each action asks for the remaining
// error, saturated at the per-step maxima.
Action servo_action(const Env& env, const Eigen::Vector3d& target_pos, const Eigen::Matrix3d& target_rot,
                    double gripper) {
  const Observation obs = const_cast<Env&>(env).observe();
  const ArmControllerConfig& c = env.config().controller;
  const Eigen::Vector3d dp = target_pos - Eigen::Vector3d(obs.ee_pos_m[0], obs.ee_pos_m[1], obs.ee_pos_m[2]);
  const Eigen::Vector3d dr = rotation_error(target_rot, quat_to_rot(obs.ee_quat_wxyz));
  Action a{};
  for (int i = 0; i < 3; ++i) {
    a[i] = std::clamp(dp[i] / c.max_translation_per_step_m, -1.0, 1.0);
    a[i + 3] = std::clamp(dr[i] / c.max_rotation_per_step_rad, -1.0, 1.0);
  }
  a[6] = gripper;
  return a;
}

// `tolerance_rad` > 0 only where contacts may press a joint into its limit: MuJoCo's limits are
// (stiff) soft constraints, so an external push penetrates them by a fraction of a milliradian.
void expect_within_joint_limits(const Env& env, const std::string& where, double tolerance_rad = 0.0) {
  const ArmController& ctl = env.controller();
  const auto q = ctl.joint_pos_rad(env.data());
  for (int i = 0; i < kArmDof; ++i) {
    ASSERT_GE(q[i], ctl.joint_min_rad()[i] - tolerance_rad) << "joint" << i + 1 << " " << where;
    ASSERT_LE(q[i], ctl.joint_max_rad()[i] + tolerance_rad) << "joint" << i + 1 << " " << where;
  }
}

// A reachable target: the EE pose of a random joint configuration near the ready posture, kept if
// it lies over the table in the workspace and points within 0.6 rad of straight down.
struct Target {
  Eigen::Vector3d pos;
  Eigen::Matrix3d rot;
};

Target sample_reachable_target(const Env& env, Rng& rng) {
  DataPtr scratch(mj_makeData(env.model()));
  const ArmController& ctl = env.controller();
  const int ee = mj_name2id(env.model(), mjOBJ_SITE, "ee");
  for (;;) {
    for (int i = 0; i < kArmDof; ++i) {
      const double q = kReadyJointPosRad[i] + rng.uniform(-0.9, 0.9);
      scratch->qpos[ctl.arm_qpos_adr()[i]] =
          std::clamp(q, ctl.joint_min_rad()[i] + 0.05, ctl.joint_max_rad()[i] - 0.05);
    }
    mj_kinematics(env.model(), scratch.get());
    Target t;
    t.pos = Eigen::Vector3d(scratch->site_xpos + 3 * ee);
    for (int r = 0; r < 3; ++r)
      for (int c = 0; c < 3; ++c) t.rot(r, c) = scratch->site_xmat[9 * ee + 3 * r + c];
    const double tilt = std::acos(std::clamp(-t.rot(2, 2), -1.0, 1.0));
    if (t.pos.x() > 0.3 && t.pos.x() < 0.7 && std::abs(t.pos.y()) < 0.3 && t.pos.z() > 0.05 &&
        t.pos.z() < 0.5 && tilt < 0.6) {
      return t;
    }
  }
}

TEST(ArmController, ReachesFiftyRandomTargetsWithinFiveMillimetresAndFiftyMilliradians) {
  Env env(testing::physics_only_config());
  Rng rng(2024);
  int reached = 0;
  double worst_pos = 0, worst_rot = 0;
  for (int trial = 0; trial < 50; ++trial) {
    env.reset();
    const Target target = sample_reachable_target(env, rng);
    for (int step = 0; step < 60; ++step) {
      env.step(servo_action(env, target.pos, target.rot, -1.0));
      expect_within_joint_limits(env, "trial " + std::to_string(trial) + " step " + std::to_string(step));
    }
    const Observation end = env.observe();
    const double pos_err =
        (target.pos - Eigen::Vector3d(end.ee_pos_m[0], end.ee_pos_m[1], end.ee_pos_m[2])).norm();
    const double rot_err = rotation_error(target.rot, quat_to_rot(end.ee_quat_wxyz)).norm();
    worst_pos = std::max(worst_pos, pos_err);
    worst_rot = std::max(worst_rot, rot_err);
    EXPECT_LT(pos_err, 0.005) << "trial " << trial << " target " << target.pos.transpose();
    EXPECT_LT(rot_err, 0.05) << "trial " << trial;
    reached += pos_err < 0.005 && rot_err < 0.05;
  }
  EXPECT_EQ(reached, 50);
  RecordProperty("worst_position_error_m", std::to_string(worst_pos));
  RecordProperty("worst_rotation_error_rad", std::to_string(worst_rot));
}

TEST(ArmController, ExtremeActionsNeverExceedJointLimits) {
  Env env(testing::physics_only_config());
  env.reset();
  // Saturated actions pushing into every corner of the action space drive joints to their limits,
  // and some corners press arm links onto the table (contact forces push on the limits).
  for (int corner = 0; corner < 8; ++corner) {
    for (int step = 0; step < 25; ++step) {
      Action a{};
      for (int i = 0; i < 6; ++i) a[i] = ((corner >> (i % 3)) & 1) ? 1.0 : -1.0;
      a[6] = step % 2 ? 1.0 : -1.0;
      env.step(a);
      expect_within_joint_limits(env, "corner " + std::to_string(corner), 0.005);
    }
  }
}

TEST(ArmController, HoldsReadyPoseForTenSecondsWithZeroActions) {
  Env env(testing::physics_only_config());
  env.reset();
  const Observation start = env.observe();
  const int steps = static_cast<int>(std::lround(10.0 * env.config().control_frequency_hz));
  double max_drift = 0;
  for (int i = 0; i < steps; ++i) {
    env.step(Action{0, 0, 0, 0, 0, 0, -1});
    const Observation obs = env.observe();
    double d2 = 0;
    for (int k = 0; k < 3; ++k) d2 += std::pow(obs.ee_pos_m[k] - start.ee_pos_m[k], 2);
    max_drift = std::max(max_drift, std::sqrt(d2));
  }
  EXPECT_NEAR(env.data()->time, 10.0, 1e-9);
  EXPECT_LT(max_drift, 0.002) << "gravity compensation should hold the ready pose";
  RecordProperty("max_drift_m", std::to_string(max_drift));
}

TEST(ArmController, WithoutGravityCompensationTheArmWouldSag) {
  // Guards the previous test: the same hold with the compensation removed drifts measurably,
  // so a passing hold is due to the compensation, not to stiff gains alone.
  Env env(testing::physics_only_config());
  env.reset();
  const Observation start = env.observe();
  mjModel* m = env.mutable_model();
  mjData* d = env.mutable_data();
  for (int i = 0; i < 10 * env.physics_steps_per_control(); ++i) {
    env.controller().write_controls(m, d, 0, 0);
    mj_step(m, d);  // no qfrc_applied
  }
  const Observation end = env.observe();
  const double drop = start.ee_pos_m[2] - end.ee_pos_m[2];
  EXPECT_GT(drop, 0.002);
}

}  // namespace
}  // namespace wambench
