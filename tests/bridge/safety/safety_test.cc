// Unit tests of the safety filter (bridge/safety.h): the "safety" config object and each limit on
// hand-built situations from the arm's ready pose.
#include <cmath>
#include <cstring>
#include <limits>
#include <string>

#include <gtest/gtest.h>

#include "bridge/safety.h"
#include "sim/env.h"

namespace wambench {
namespace {

// Asserts that `text` contains `part`, printing both when not.
#define EXPECT_CONTAINS(text, part)                                       \
  do {                                                                    \
    const std::string t_ = (text);                                        \
    EXPECT_NE(t_.find(part), std::string::npos) << t_ << "\n  lacks: " << (part); \
  } while (0)

std::string error_of(const nlohmann::json& j) {
  try {
    safety_limits_from_json(j);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(SafetyLimitsJson, DefaultsRoundTripAndMissingKeysKeepDefaults) {
  const SafetyLimits d;
  const SafetyLimits back = safety_limits_from_json(to_json(d));
  EXPECT_EQ(to_json(back), to_json(d));
  EXPECT_EQ(to_json(safety_limits_from_json(nlohmann::json::object())), to_json(d));
  // Defaults: the controller's box and envelope.
  EXPECT_EQ(d.workspace_min_m, ArmControllerConfig{}.workspace_min_m);
  EXPECT_EQ(d.workspace_max_m, ArmControllerConfig{}.workspace_max_m);
  EXPECT_DOUBLE_EQ(d.max_linear_speed_m_s, std::sqrt(3.0) * 0.05 * 10);
  EXPECT_DOUBLE_EQ(d.max_linear_step_change_m, 2 * std::sqrt(3.0) * 0.05);
  EXPECT_DOUBLE_EQ(d.joint_limit_margin_rad, ArmControllerConfig{}.joint_limit_margin_rad);
}

TEST(SafetyLimitsJson, ReadsEveryKey) {
  const nlohmann::json j = {{"workspace_min_m", {0.2, -0.3, 0.02}},
                            {"workspace_max_m", {0.7, 0.3, 0.6}},
                            {"max_linear_speed_m_s", 0.25},
                            {"max_angular_speed_rad_s", 1.0},
                            {"max_linear_step_change_m", 0.01},
                            {"max_angular_step_change_rad", 0.05},
                            {"tool_cone_deg", 30},
                            {"check_joint_margins", true},
                            {"joint_limit_margin_rad", 0.1},
                            {"stale_observation_s", 0.2},
                            {"command_timeout_periods", 3}};
  const SafetyLimits l = safety_limits_from_json(j);
  EXPECT_EQ(l.workspace_min_m, (std::array<double, 3>{0.2, -0.3, 0.02}));
  EXPECT_EQ(l.workspace_max_m, (std::array<double, 3>{0.7, 0.3, 0.6}));
  EXPECT_EQ(l.max_linear_speed_m_s, 0.25);
  EXPECT_EQ(l.max_angular_speed_rad_s, 1.0);
  EXPECT_EQ(l.max_linear_step_change_m, 0.01);
  EXPECT_EQ(l.max_angular_step_change_rad, 0.05);
  EXPECT_EQ(l.tool_cone_deg, 30);
  EXPECT_TRUE(l.check_joint_margins);
  EXPECT_EQ(l.joint_limit_margin_rad, 0.1);
  EXPECT_EQ(l.stale_observation_s, 0.2);
  EXPECT_EQ(l.command_timeout_periods, 3);
  EXPECT_EQ(to_json(l), j);
}

TEST(SafetyLimitsJson, BadInputNamesKeyValueAndWhatIsValid) {
  EXPECT_CONTAINS(error_of({{"max_speed", 1.0}}), "unknown key \"max_speed\"; valid keys: workspace_min_m");
  EXPECT_CONTAINS(error_of({{"max_linear_speed_m_s", -0.5}}), "\"max_linear_speed_m_s\" is -0.5; valid: a number > 0 (m/s)");
  EXPECT_CONTAINS(error_of({{"max_linear_speed_m_s", "fast"}}), "\"max_linear_speed_m_s\" is \"fast\"; valid: a number > 0");
  EXPECT_CONTAINS(error_of({{"tool_cone_deg", 200}}), "\"tool_cone_deg\" is 200; valid: a number in (0, 180]");
  EXPECT_CONTAINS(error_of({{"workspace_min_m", {0.1, 0.2}}}), "\"workspace_min_m\" is [0.1,0.2]; valid: an array of 3 finite numbers");
  EXPECT_CONTAINS(error_of({{"workspace_min_m", {0.5, 0, 0}}, {"workspace_max_m", {0.4, 1, 1}}}), "axis 0 is [0.5, 0.4]; valid: finite numbers with min < max");
  EXPECT_CONTAINS(error_of({{"check_joint_margins", 1}}), "\"check_joint_margins\" is 1; valid: true or false");
  EXPECT_CONTAINS(error_of({{"stale_observation_s", 0}}), "\"stale_observation_s\" is 0; valid: a number > 0 (s)");
  EXPECT_CONTAINS(error_of({{"command_timeout_periods", nullptr}}), "\"command_timeout_periods\" is null");
  EXPECT_CONTAINS(error_of({{"joint_limit_margin_rad", 0.7}}), "\"joint_limit_margin_rad\" is 0.7; valid: a number in [0, 0.5)");
  EXPECT_CONTAINS(error_of(nlohmann::json::array()), "expected a JSON object");
}

// The arm at its ready pose, observed now.
class SafetyFilterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    EnvConfig cfg;
    cfg.render = false;
    env_ = std::make_unique<Env>(cfg);
    env_->reset();
    obs_.observation = env_->observe();
    obs_.state_stamp_s = kNow - 0.02;
    obs_.image_stamp_s["front"] = kNow - 0.03;
    obs_.sequence = 7;
  }
  Eigen::Vector3d ee() const {
    return {obs_.observation.ee_pos_m[0], obs_.observation.ee_pos_m[1], obs_.observation.ee_pos_m[2]};
  }
  static constexpr double kNow = 50.0;
  ArmControllerConfig scales_;
  std::unique_ptr<Env> env_;
  TimedObservation obs_;
};

TEST_F(SafetyFilterTest, InRangeActionPassesBitForBitAndMovesTheTargetLikeTheController) {
  SafetyFilter f(SafetyLimits{}, scales_, 10.0);
  f.reset(obs_);
  const Action a = {0.3, -0.7, 0.1 / 3, 0.2, -0.4, 0.9, 1.0};
  const SafetyDecision d = f.filter(a, obs_, kNow);
  EXPECT_TRUE(d.interventions.empty());
  EXPECT_EQ(std::memcmp(d.command.action.data(), a.data(), sizeof(Action)), 0);
  EXPECT_FALSE(d.command.hold);
  EXPECT_TRUE(d.command.gripper_close);
  EXPECT_EQ(d.command.answers_sequence, 7u);
  EXPECT_EQ(d.command.issued_s, kNow);
  // The controller's own integration of the same action from the same state.
  env_->controller().set_action(env_->model(), env_->data(), a);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(d.command.ee_target_pos_m[i], env_->controller().target_pos_m()[i]);
  const auto& q = d.command.ee_target_quat_wxyz;
  const Eigen::Matrix3d r = Eigen::Quaterniond(q[0], q[1], q[2], q[3]).toRotationMatrix();
  EXPECT_LT((r - env_->controller().target_rot()).cwiseAbs().maxCoeff(), 1e-12);  // observed ~1e-16
  EXPECT_GE(q[0], 0.0);
  EXPECT_EQ(f.counts()["commands"], 1);
}

TEST_F(SafetyFilterTest, NonFiniteActionHoldsAtTheCurrentTarget) {
  SafetyFilter f(SafetyLimits{}, scales_, 10.0);
  f.reset(obs_);
  f.filter({1, 0, 0, 0, 0, 0, 1}, obs_, kNow);  // closes the latch, moves 5 cm
  const Eigen::Vector3d before = f.target_pos_m();
  for (double bad : {std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity(),
                     -std::numeric_limits<double>::infinity()}) {
    const SafetyDecision d = f.filter({0.5, 0, 0, 0, bad, 0, -1}, obs_, kNow);
    EXPECT_TRUE(d.command.hold);
    ASSERT_EQ(d.interventions.size(), 1u);
    EXPECT_EQ(d.interventions[0].reason, "non_finite");
    EXPECT_CONTAINS(d.interventions[0].message, "action[4] is");
    EXPECT_EQ(d.command.action, (Action{0, 0, 0, 0, 0, 0, 1}));  // latch kept: closed
    EXPECT_TRUE(d.command.gripper_close);
    for (int i = 0; i < 3; ++i) EXPECT_EQ(d.command.ee_target_pos_m[i], before[i]);
    EXPECT_EQ(d.command.answers_sequence, 7u);
  }
  TimedObservation broken = obs_;
  broken.observation.joint_pos_rad[3] = std::numeric_limits<double>::quiet_NaN();
  const SafetyDecision d = f.filter({0, 0, 0, 0, 0, 0, 0}, broken, kNow);
  EXPECT_TRUE(d.command.hold);
  EXPECT_EQ(d.interventions[0].reason, "non_finite");
  EXPECT_EQ(f.counts()["non_finite"], 4);
  EXPECT_EQ(f.counts()["holds"], 4);
}

TEST_F(SafetyFilterTest, StaleObservationHolds) {
  SafetyLimits l;
  l.stale_observation_s = 0.25;
  SafetyFilter f(l, scales_, 10.0);
  f.reset(obs_);
  TimedObservation old = obs_;
  old.image_stamp_s["wrist"] = kNow - 0.26;  // one stale camera is enough
  const SafetyDecision d = f.filter({1, 0, 0, 0, 0, 0, 0}, old, kNow);
  EXPECT_TRUE(d.command.hold);
  ASSERT_EQ(d.interventions.size(), 1u);
  EXPECT_EQ(d.interventions[0].reason, "stale_observation");
  EXPECT_CONTAINS(d.interventions[0].message, "0.26 s old > stale_observation_s 0.25 s");
  // Just under the limit passes.
  old.image_stamp_s["wrist"] = kNow - 0.24;
  EXPECT_FALSE(f.filter({1, 0, 0, 0, 0, 0, 0}, old, kNow).command.hold);
}

TEST_F(SafetyFilterTest, OutOfRangeIsClippedExactlyAsEnvStep) {
  SafetyFilter f(SafetyLimits{}, scales_, 10.0);
  f.reset(obs_);
  const SafetyDecision d = f.filter({3.0, -1e6, 0.5, 0, 0, 1.5, 2}, obs_, kNow);
  EXPECT_EQ(d.command.action, (Action{1.0, -1.0, 0.5, 0, 0, 1.0, 1.0}));
  ASSERT_EQ(d.interventions.size(), 4u);
  EXPECT_EQ(to_json(d.interventions[1]),
            (nlohmann::json{{"reason", "action_range"}, {"message", "action[1] = -1e+06 clipped to [-1, 1]"}}));
  for (const auto& i : d.interventions) EXPECT_EQ(i.reason, "action_range");
  EXPECT_CONTAINS(d.interventions[0].message, "action[0] = 3 clipped to [-1, 1]");
}

TEST_F(SafetyFilterTest, SpeedLimitsScaleTheMotionAndTheActionFollows) {
  SafetyLimits l;
  l.max_linear_speed_m_s = 0.2;     // 0.02 m per step at 10 Hz
  l.max_angular_speed_rad_s = 1.0;  // 0.1 rad per step
  SafetyFilter f(l, scales_, 10.0);
  f.reset(obs_);
  const SafetyDecision d = f.filter({1, 0, 0, 0, 0, -1, -1}, obs_, kNow);
  ASSERT_EQ(d.interventions.size(), 2u);
  EXPECT_EQ(d.interventions[0].reason, "linear_speed");
  EXPECT_EQ(d.interventions[1].reason, "angular_speed");
  EXPECT_CONTAINS(d.interventions[0].message, "per-step translation 0.05 m > 0.02 m");
  EXPECT_NEAR(d.command.action[0], 0.4, 1e-15);
  EXPECT_NEAR(d.command.action[5], -0.4, 1e-15);
  EXPECT_EQ(d.command.action[6], -1.0);
  EXPECT_NEAR(d.command.ee_target_pos_m[0] - ee()[0], 0.02, 1e-15);
}

TEST_F(SafetyFilterTest, StepChangeBoundStopsOscillation) {
  SafetyLimits l;
  l.max_linear_step_change_m = 0.01;
  SafetyFilter f(l, scales_, 10.0);
  f.reset(obs_);
  // From rest, +1 then -1 on x: the per-step motion ramps by at most 1 cm per step.
  double prev = 0;
  for (int k = 0; k < 12; ++k) {
    const double proposed = k % 2 == 0 ? 1.0 : -1.0;
    const SafetyDecision d = f.filter({proposed, 0, 0, 0, 0, 0, 0}, obs_, kNow);
    const double motion = d.command.action[0] * scales_.max_translation_per_step_m;
    EXPECT_LE(std::abs(motion - prev), 0.01 + 1e-12);
    ASSERT_EQ(d.interventions.size(), 1u);
    EXPECT_EQ(d.interventions[0].reason, "linear_step_change");
    prev = motion;
  }
  EXPECT_LT(std::abs(prev), 0.011);  // the oscillation never grows past one bound
}

TEST_F(SafetyFilterTest, WorkspaceStopsTheTargetAtTheFace) {
  SafetyLimits l;
  l.workspace_max_m[2] = ee()[2] + 0.01;
  SafetyFilter f(l, scales_, 10.0);
  f.reset(obs_);
  const SafetyDecision d = f.filter({0.2, 0, 1, 0, 0, 0, 0}, obs_, kNow);
  ASSERT_EQ(d.interventions.size(), 1u);
  EXPECT_EQ(d.interventions[0].reason, "workspace");
  EXPECT_CONTAINS(d.interventions[0].message, "target z");
  EXPECT_NEAR(d.command.action[2], 0.2, 1e-12);  // 0.01 m of 0.05
  EXPECT_EQ(d.command.action[0], 0.2);           // the other axes untouched
  EXPECT_LE(d.command.ee_target_pos_m[2], l.workspace_max_m[2] + 1e-15);
  // Pushing further up moves nothing.
  const SafetyDecision again = f.filter({0, 0, 1, 0, 0, 0, 0}, obs_, kNow);
  EXPECT_EQ(again.command.action[2], 0.0);
  EXPECT_LE(again.command.ee_target_pos_m[2], l.workspace_max_m[2] + 1e-15);
}

TEST_F(SafetyFilterTest, ToolConeDropsRotationThatTiltsTooFar) {
  SafetyLimits l;
  l.tool_cone_deg = 20;
  SafetyFilter f(l, scales_, 10.0);
  f.reset(obs_);
  // The approach axis points straight down in the ready pose.
  EXPECT_LT(SafetyFilter::tool_angle_deg(Eigen::Quaterniond(obs_.observation.ee_quat_wxyz[0],
                                                            obs_.observation.ee_quat_wxyz[1],
                                                            obs_.observation.ee_quat_wxyz[2],
                                                            obs_.observation.ee_quat_wxyz[3])
                                             .toRotationMatrix()),
            1e-6);
  // Roll about world x: 0.25 rad = 14.3 deg per step; the second step would reach 28.6 deg.
  const SafetyDecision first = f.filter({0, 0, 0, 1, 0, 0, 0}, obs_, kNow);
  EXPECT_TRUE(first.interventions.empty());
  const SafetyDecision second = f.filter({0.5, 0, 0, 1, 0, 0, 0}, obs_, kNow);
  ASSERT_EQ(second.interventions.size(), 1u);
  EXPECT_EQ(second.interventions[0].reason, "tool_cone");
  EXPECT_EQ(second.command.action[3], 0.0);
  EXPECT_EQ(second.command.action[0], 0.5);  // translation passes
  // Yaw about world z keeps the tilt: passes.
  EXPECT_TRUE(f.filter({0, 0, 0, 0, 0, 1, 0}, obs_, kNow).interventions.empty());
  // Rolling back reduces the tilt: passes.
  EXPECT_TRUE(f.filter({0, 0, 0, -1, 0, 0, 0}, obs_, kNow).interventions.empty());
}

TEST_F(SafetyFilterTest, JointMarginScalesMotionTowardsALimit) {
  SafetyLimits l;
  l.check_joint_margins = true;
  l.joint_limit_margin_rad = 0.05;
  SafetyFilter f(l, scales_, 10.0);
  // Joint 7 (the flange's yaw) 0.08 rad below its upper limit.
  std::array<double, kArmDof> q;
  for (int i = 0; i < kArmDof; ++i) q[i] = kReadyJointPosRad[i];
  q[6] = f.joint_max_rad()[6] - 0.08;
  env_->controller().set_joint_state(env_->model(), env_->mutable_data(), q, 0.08);
  obs_.observation = env_->observe();
  f.reset(obs_);
  // Yaw in both directions: one moves joint 7 towards its limit by ~0.25 rad.
  const auto up = f.predict_joint_motion(q, Eigen::Vector3d::Zero(), Eigen::Vector3d(0, 0, 0.25));
  const double towards = up[6] > 0 ? 1.0 : -1.0;
  const SafetyDecision d = f.filter({0.4, 0, 0, 0, 0, towards, 0}, obs_, kNow);
  ASSERT_EQ(d.interventions.size(), 1u);
  EXPECT_EQ(d.interventions[0].reason, "joint_margin");
  EXPECT_CONTAINS(d.interventions[0].message, "joint7");
  EXPECT_NEAR(d.predicted_joint_pos_rad[6], f.joint_max_rad()[6] - 0.05, 1e-9);
  EXPECT_LT(std::abs(d.command.action[5]), 1.0);
  EXPECT_NEAR(d.command.action[0] / d.command.action[5], 0.4 / towards, 1e-9);  // scaled together
  // Away from the limit passes.
  EXPECT_TRUE(f.filter({0, 0, 0, 0, 0, -towards, 0}, obs_, kNow).interventions.empty());
  // Off (the default): the same command passes.
  SafetyFilter off(SafetyLimits{}, scales_, 10.0);
  off.reset(obs_);
  EXPECT_TRUE(off.filter({0.4, 0, 0, 0, 0, towards, 0}, obs_, kNow).interventions.empty());
}

TEST_F(SafetyFilterTest, TargetStaysWithinTheLeadOfTheMeasuredPose) {
  SafetyFilter f(SafetyLimits{}, scales_, 10.0);
  f.reset(obs_);
  // The arm does not move (blocked): after 10 steps of +x the target leads by the controller's
  // 0.12 m, not 0.5 m, and no action was changed.
  for (int k = 0; k < 10; ++k) EXPECT_TRUE(f.filter({1, 0, 0, 0, 0, 0, 0}, obs_, kNow).interventions.empty());
  EXPECT_NEAR((f.target_pos_m() - ee()).norm(), scales_.max_target_lead_m, 1e-12);
}

TEST_F(SafetyFilterTest, GripperLatchUsesTheDeadBand) {
  SafetyFilter f(SafetyLimits{}, scales_, 10.0);
  f.reset(obs_);  // open (0.08 m)
  EXPECT_FALSE(f.filter({0, 0, 0, 0, 0, 0, 0.05}, obs_, kNow).command.gripper_close);
  EXPECT_TRUE(f.filter({0, 0, 0, 0, 0, 0, 0.5}, obs_, kNow).command.gripper_close);
  EXPECT_TRUE(f.filter({0, 0, 0, 0, 0, 0, -0.1}, obs_, kNow).command.gripper_close);
  EXPECT_FALSE(f.filter({0, 0, 0, 0, 0, 0, -0.11}, obs_, kNow).command.gripper_close);
  const RobotCommand h = f.hold_command();
  EXPECT_TRUE(h.hold);
  EXPECT_FALSE(h.gripper_close);
  EXPECT_EQ(h.action[6], -1.0);
}

TEST_F(SafetyFilterTest, PreconditionsThrow) {
  EXPECT_THROW(SafetyFilter(SafetyLimits{}, scales_, 0.0), std::invalid_argument);
  SafetyLimits bad;
  bad.tool_cone_deg = 0;
  EXPECT_THROW(SafetyFilter(bad, scales_, 10.0), std::invalid_argument);
  SafetyFilter f(SafetyLimits{}, scales_, 10.0);
  EXPECT_THROW(f.filter({0, 0, 0, 0, 0, 0, 0}, obs_, kNow), std::logic_error);
  EXPECT_THROW(f.hold_command(), std::logic_error);
  TimedObservation broken = obs_;
  broken.observation.ee_pos_m[0] = std::numeric_limits<double>::infinity();
  EXPECT_THROW(f.reset(broken), std::invalid_argument);
  const nlohmann::json c = f.counts();
  for (const auto& r : intervention_reasons()) EXPECT_TRUE(c.contains(r)) << r;
}

}  // namespace
}  // namespace wambench
