// The force-limited gripper holds a grasped cube and lets it go.
#include <algorithm>
#include <cmath>

#include <Eigen/Dense>
#include <gtest/gtest.h>

#include "sim/env.h"
#include "tests/sim/test_scenes.h"

namespace wambench {
namespace {

constexpr char kCube[] = R"(
  <body name="cube" pos="0.5 0.0 0.02">
    <freejoint name="cube_free"/>
    <geom name="cube_geom" type="box" size="0.02 0.02 0.02" mass="0.1" rgba="0.85 0.2 0.2 1"
          contype="1" conaffinity="3" condim="4" friction="1 0.005 0.0001"/>
  </body>)";

class GripperTest : public ::testing::Test {
 protected:
  GripperTest() : env_(testing::scene_with(kCube), testing::physics_only_config()) {
    cube_ = mj_name2id(env_.model(), mjOBJ_BODY, "cube");
    cube_qpos_ = env_.model()->jnt_qposadr[mj_name2id(env_.model(), mjOBJ_JOINT, "cube_free")];
  }

  Eigen::Vector3d cube_pos() const {
    return Eigen::Vector3d(env_.data()->xpos + 3 * cube_);
  }
  Eigen::Vector3d ee_pos() {
    const auto p = env_.observe().ee_pos_m;
    return Eigen::Vector3d(p[0], p[1], p[2]);
  }

  // Drives the EE to `target` (position only; orientation held) over up to `steps` actions.
  void move_to(const Eigen::Vector3d& target, double gripper, int steps) {
    const double max_t = env_.config().controller.max_translation_per_step_m;
    for (int i = 0; i < steps; ++i) {
      const Eigen::Vector3d e = target - ee_pos();
      Action a{};
      for (int k = 0; k < 3; ++k) a[k] = std::clamp(e[k] / max_t, -1.0, 1.0);
      a[6] = gripper;
      env_.step(a);
    }
  }

  void hold(double gripper, int steps) {
    for (int i = 0; i < steps; ++i) env_.step(Action{0, 0, 0, 0, 0, 0, gripper});
  }

  Env env_;
  int cube_ = -1;
  int cube_qpos_ = -1;
};

TEST_F(GripperTest, GraspsLiftsHoldsAndReleasesAFourCentimetreCube) {
  env_.reset([&](const mjModel* m, mjData* d) {
    // Yaw the cube so its faces are square to the finger axis (the hand's y axis).
    const int hand = mj_name2id(m, mjOBJ_BODY, "hand");
    const double yaw = std::atan2(d->xmat[9 * hand + 4], d->xmat[9 * hand + 1]) - M_PI / 2;
    d->qpos[cube_qpos_ + 3] = std::cos(yaw / 2);
    d->qpos[cube_qpos_ + 6] = std::sin(yaw / 2);
  });
  hold(-1, 5);  // let the cube settle on the table
  const Eigen::Vector3d start = cube_pos();
  ASSERT_NEAR(start.z(), 0.02, 0.002);

  move_to(start + Eigen::Vector3d(0, 0, 0.12), -1, 25);
  move_to(start + Eigen::Vector3d(0, 0, 0.0), -1, 25);
  hold(+1, 10);  // close
  const double opening = env_.observe().gripper_opening_m;
  EXPECT_NEAR(opening, 0.04, 0.004) << "fingers stop on the 4 cm cube";

  move_to(start + Eigen::Vector3d(0, 0, 0.20), +1, 30);
  EXPECT_GT(cube_pos().z() - start.z(), 0.19) << "lifted 20 cm";

  // Hold for 2 s; slip = motion of the cube relative to the EE.
  const Eigen::Vector3d offset0 = cube_pos() - ee_pos();
  const int hold_steps = static_cast<int>(std::lround(2.0 * env_.config().control_frequency_hz));
  double max_slip = 0;
  for (int i = 0; i < hold_steps; ++i) {
    hold(+1, 1);
    max_slip = std::max(max_slip, ((cube_pos() - ee_pos()) - offset0).norm());
  }
  EXPECT_LT(max_slip, 0.01);
  EXPECT_GT(cube_pos().z() - start.z(), 0.19) << "still up after 2 s";
  RecordProperty("max_slip_m", std::to_string(max_slip));

  // Open: the cube drops back to the table.
  hold(-1, 15);
  EXPECT_LT(cube_pos().z(), 0.05) << "released cube fell";
  EXPECT_GT(env_.observe().gripper_opening_m, 0.07);
}

TEST_F(GripperTest, GraspForceIsLimited) {
  // Fully closed on nothing, the actuator force stays within its +-70 N limit.
  env_.reset();
  hold(+1, 10);
  const int act = mj_name2id(env_.model(), mjOBJ_ACTUATOR, "gripper");
  EXPECT_LE(std::abs(env_.data()->actuator_force[act]), 70.0 + 1e-9);
  EXPECT_NEAR(env_.observe().gripper_opening_m, 0.0, 0.002);
}

// --- Binary gripper command (robosuite / LIBERO convention) -----------------------------------

TEST_F(GripperTest, DeadBandKeepsAnOpenGripperOpen) {
  // A near-zero command (e.g. a policy's mean prediction) neither opens nor closes: after reset the
  // latch is open (opening 0.08 m > half the stroke), and a[6] = 0.05 keeps it fully open.
  env_.reset();
  hold(0.05, 10);
  EXPECT_GT(env_.observe().gripper_opening_m, 0.079);
  hold(-0.05, 5);
  EXPECT_GT(env_.observe().gripper_opening_m, 0.079);
}

TEST_F(GripperTest, CommandAboveTheBandClosesFullyAndTheBandKeepsItClosed) {
  env_.reset();
  hold(0.3, 12);  // 1.2 s > the 0.8 s full stroke at 0.1 m/s
  EXPECT_LT(env_.observe().gripper_opening_m, 0.002) << "0.3 is a close command, not 35 % open";
  hold(0.0, 5);  // dead band: stays closed
  EXPECT_LT(env_.observe().gripper_opening_m, 0.002);
  hold(-0.08, 5);
  EXPECT_LT(env_.observe().gripper_opening_m, 0.002);
  hold(-0.3, 12);  // below the band: opens fully
  EXPECT_GT(env_.observe().gripper_opening_m, 0.079);
}

TEST_F(GripperTest, FingersMoveNoFasterThanTheConfiguredSpeed) {
  env_.reset();
  const double speed = env_.config().controller.gripper_speed_m_s;
  const double dt = 1.0 / env_.config().control_frequency_hz;
  ASSERT_GT(speed, 0);
  // Close, then open, sampling the opening after every physics substep of each control step.
  for (double command : {1.0, -1.0}) {
    double prev = env_.observe().gripper_opening_m;
    double fastest = 0;
    int steps_to_finish = -1;
    for (int i = 0; i < 15; ++i) {
      env_.step(Action{0, 0, 0, 0, 0, 0, command});
      const double now = env_.observe().gripper_opening_m;
      fastest = std::max(fastest, std::abs(now - prev) / dt);
      const bool done = command > 0 ? now < 0.001 : now > 0.079;
      if (done && steps_to_finish < 0) steps_to_finish = i + 1;
      prev = now;
    }
    EXPECT_LE(fastest, speed * 1.05) << "command " << command;
    EXPECT_GE(fastest, speed * 0.8) << "the fingers do move at about the configured speed";
    // 0.08 m at `speed` takes 0.08 / speed s; allow one control step of lag.
    const int expected = static_cast<int>(std::ceil(kGripperMaxOpeningM / speed / dt));
    EXPECT_GE(steps_to_finish, expected - 1) << "command " << command;
    EXPECT_LE(steps_to_finish, expected + 2) << "command " << command;
  }
}

TEST_F(GripperTest, ResetLatchFollowsTheMeasuredOpening) {
  // Reset with the fingers nearly closed: the latch is "closed", so a dead-band command keeps them
  // closed; with them wide open it is "open".
  env_.reset();
  env_.controller().set_joint_state(env_.model(), env_.mutable_data(), kReadyJointPosRad, 0.01);
  EXPECT_TRUE(env_.controller().gripper_closed());
  hold(0.0, 5);
  EXPECT_LT(env_.observe().gripper_opening_m, 0.012);
  env_.controller().set_joint_state(env_.model(), env_.mutable_data(), kReadyJointPosRad, 0.06);
  EXPECT_FALSE(env_.controller().gripper_closed());
  hold(0.0, 5);
  EXPECT_GT(env_.observe().gripper_opening_m, 0.079);
}

}  // namespace
}  // namespace wambench
