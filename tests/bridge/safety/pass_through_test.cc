// The safety filter's critical invariant: with default limits, the scripted experts' actions on all
// six tasks and every split pass bit for bit unchanged, with no intervention, and the run through
// the filter reproduces the direct run's joint state exactly. Also measures the largest tool tilt
// the experts reach (the basis of SafetyLimits::tool_cone_deg's default) and checks that the
// filter's EE target integrates exactly as the simulator's controller does.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include <gtest/gtest.h>

#include "bridge/safety.h"
#include "tasks/registry.h"
#include "tasks/split.h"
#include "tasks/task_env.h"

namespace wambench {
namespace {

constexpr uint64_t kBaseSeed = 20260;

// Episodes per (task, split); WAMBENCH_SAFETY_EPISODES overrides (the tool-cone measurement used 3).
int episodes_per_split() {
  const char* env = std::getenv("WAMBENCH_SAFETY_EPISODES");
  return env != nullptr ? std::max(1, std::atoi(env)) : 1;
}

TimedObservation timed(const Observation& o, uint64_t sequence, double now_s) {
  TimedObservation t;
  t.observation = o;
  t.state_stamp_s = now_s;
  t.sequence = sequence;
  return t;
}

std::vector<double> arm_qpos(const TaskEnv& env) {
  const mjData* d = env.env().data();
  return std::vector<double>(d->qpos, d->qpos + env.env().model()->nq);
}

struct Tilt {
  double target_deg = 0;
  double measured_deg = 0;
};

TEST(SafetyPassThrough, ExpertActionsPassUnchangedOnEveryTaskAndSplit) {
  EnvConfig cfg;
  cfg.render = false;
  const int n = episodes_per_split();
  Tilt overall;
  for (const std::string& task : task_names()) {
    TaskEnv direct(task, cfg);
    TaskEnv filtered(task, cfg);
    SafetyFilter filter(SafetyLimits{}, cfg.controller, cfg.control_frequency_hz);
    Tilt tilt;
    double min_margin = 1e9, min_meas_margin = 1e9;
    int64_t steps = 0;
    int successes = 0;
    for (Split split : all_splits()) {
      for (int64_t index = 0; index < n; ++index) {
        SCOPED_TRACE(task + " " + to_string(split) + " episode " + std::to_string(index));
        const Variation& v = direct.reset(split, index, kBaseSeed);
        auto direct_expert = direct.task().make_expert(v, 0.0, v.seed ^ 0x5EEDE4CE57ULL);
        filtered.reset(split, index, kBaseSeed);
        auto expert = filtered.task().make_expert(filtered.variation(), 0.0, v.seed ^ 0x5EEDE4CE57ULL);
        double now_s = 1000.0;
        filter.reset(timed(filtered.observe(), 0, now_s));
        while (!filtered.done()) {
          PhaseLabel phase;
          const Action a = expert->act(filtered.env(), &phase);
          const Observation o = filtered.observe();
          const SafetyDecision dec = filter.filter(a, timed(o, filtered.steps(), now_s), now_s);
          // Bit-identical to what Env::step executes (its std::clamp to [-1, 1]); no intervention
          // other than that identical clipping (action_range).
          Action clipped = a;
          for (double& x : clipped) x = std::clamp(x, -1.0, 1.0);
          ASSERT_EQ(std::memcmp(dec.command.action.data(), clipped.data(), sizeof(Action)), 0)
              << "step " << filtered.steps() << ": the filter changed the expert's action "
              << nlohmann::json(a).dump() << " to " << nlohmann::json(dec.command.action).dump() << " ("
              << (dec.interventions.empty() ? std::string("no intervention")
                                            : dec.interventions.back().reason + ": " + dec.interventions.back().message)
              << ")";
          for (const Intervention& i : dec.interventions) {
            ASSERT_EQ(i.reason, "action_range") << "step " << filtered.steps() << ": " << i.message;
          }
          ASSERT_FALSE(dec.command.hold);
          for (int j = 0; j < kArmDof; ++j) {
            min_margin = std::min(min_margin, std::min(dec.predicted_joint_pos_rad[j] - filter.joint_min_rad()[j],
                                                       filter.joint_max_rad()[j] - dec.predicted_joint_pos_rad[j]));
            min_meas_margin = std::min(min_meas_margin, std::min(o.joint_pos_rad[j] - filter.joint_min_rad()[j],
                                                       filter.joint_max_rad()[j] - o.joint_pos_rad[j]));
          }
          filtered.step(dec.command.action);
          const Action b = direct_expert->act(direct.env(), &phase);
          direct.step(b);
          now_s += 0.1;
          ++steps;
          // The filter's target follows the controller's: the same position (same operations on the
          // same numbers) and the same orientation up to the quaternion round trip (observed
          // residual ~1e-15; tolerance 1e-9).
          const ArmController& ctrl = filtered.env().controller();
          for (int i = 0; i < 3; ++i) ASSERT_NEAR(filter.target_pos_m()[i], ctrl.target_pos_m()[i], 1e-9);
          const auto q = filter.target_quat_wxyz();
          const Eigen::Matrix3d fr = Eigen::Quaterniond(q[0], q[1], q[2], q[3]).toRotationMatrix();
          ASSERT_LT((fr - ctrl.target_rot()).cwiseAbs().maxCoeff(), 1e-9);
          ASSERT_EQ(filter.gripper_closed(), ctrl.gripper_closed());
          tilt.target_deg = std::max(tilt.target_deg, SafetyFilter::tool_angle_deg(ctrl.target_rot()));
          const auto& mq = o.ee_quat_wxyz;
          tilt.measured_deg = std::max(
              tilt.measured_deg,
              SafetyFilter::tool_angle_deg(Eigen::Quaterniond(mq[0], mq[1], mq[2], mq[3]).toRotationMatrix()));
        }
        // The run through the filter is the direct run, bit for bit.
        ASSERT_EQ(direct.steps(), filtered.steps());
        ASSERT_EQ(arm_qpos(direct), arm_qpos(filtered));
        ASSERT_EQ(direct.status().success, filtered.status().success);
        successes += filtered.status().success ? 1 : 0;
      }
    }
    const nlohmann::json counts = filter.counts();
    for (const std::string& reason : intervention_reasons()) {
      if (reason != "action_range") {
        EXPECT_EQ(counts[reason], 0) << reason;
      }
    }
    std::printf("[ tilt     ] %-14s %3d episodes, %5lld steps, %2d successes, %5d clipped components: "
                "max tool tilt target %.2f deg, measured %.2f deg\n",
                task.c_str(), n * static_cast<int>(all_splits().size()), static_cast<long long>(steps), successes,
                counts["action_range"].get<int>(), tilt.target_deg, tilt.measured_deg);
    std::printf("[ joints   ] %-14s closest approach to a joint limit (rad): measured %.4f, first-order "
                "prediction of the commanded motion %.4f\n",
                task.c_str(), min_meas_margin, min_margin);
    overall.target_deg = std::max(overall.target_deg, tilt.target_deg);
    overall.measured_deg = std::max(overall.measured_deg, tilt.measured_deg);
  }
  std::printf("[ tilt     ] all tasks: max target %.2f deg, measured %.2f deg; tool_cone_deg default %.1f\n",
              overall.target_deg, overall.measured_deg, SafetyLimits{}.tool_cone_deg);
  EXPECT_LT(overall.target_deg, SafetyLimits{}.tool_cone_deg);
  EXPECT_LT(overall.measured_deg, SafetyLimits{}.tool_cone_deg);
}

}  // namespace
}  // namespace wambench
