// Property test of the safety filter: 100 000 random and adversarial policy outputs (uniform,
// huge, NaN / Inf, oscillating, pushing out of the box, spinning, from joint configurations near
// the limits, with stale observations) through the filter, against a simulated arm whose measured
// state follows the commanded target with lag (joint positions evolved by damped least-squares
// tracking, EE pose from their forward kinematics). Every command that reaches the robot must be
// inside every limit; each intervention reason must fire at least once.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <map>
#include <string>

#include <gtest/gtest.h>

#include "bridge/safety.h"
#include "sim/model.h"
#include "sim/random.h"

namespace wambench {
namespace {

constexpr double kEps = 1e-9;      // tolerance of the metric limits (m, rad): rounding only
constexpr double kAngleEps = 1e-6;  // tolerance of the cone (deg)

// Forward kinematics of the default scene's arm ("ee" site).
class Kinematics {
 public:
  Kinematics() : model_(load_model_from_file(asset_path("scene.xml"))), data_(mj_makeData(model_.get())) {
    site_ = require_id(model_.get(), mjOBJ_SITE, "ee");
    for (int i = 0; i < kArmDof; ++i)
      adr_[i] = model_->jnt_qposadr[require_id(model_.get(), mjOBJ_JOINT, "joint" + std::to_string(i + 1))];
  }
  void fk(const std::array<double, kArmDof>& q, Eigen::Vector3d* pos, Eigen::Matrix3d* rot) {
    for (int i = 0; i < kArmDof; ++i) data_->qpos[adr_[i]] = q[i];
    mj_kinematics(model_.get(), data_.get());
    for (int i = 0; i < 3; ++i) (*pos)[i] = data_->site_xpos[3 * site_ + i];
    for (int i = 0; i < 3; ++i)
      for (int j = 0; j < 3; ++j) (*rot)(i, j) = data_->site_xmat[9 * site_ + 3 * i + j];
  }

 private:
  ModelPtr model_;
  DataPtr data_;
  int site_ = -1;
  std::array<int, kArmDof> adr_{};
};

Eigen::Vector3d log_rotation(const Eigen::Matrix3d& r) {
  Eigen::AngleAxisd aa(r);
  return aa.axis() * aa.angle();
}

Eigen::Matrix3d quat_rot(const std::array<double, 4>& q) {
  return Eigen::Quaterniond(q[0], q[1], q[2], q[3]).normalized().toRotationMatrix();
}

double uniform(Rng& rng, double lo, double hi) { return rng.uniform(lo, hi); }

enum class Scenario { kUniform, kHuge, kNonFinite, kOscillating, kPushOut, kSpin, kNearLimits, kStale, kCount };

const char* name(Scenario s) {
  static const char* names[] = {"uniform", "huge", "non_finite", "oscillating", "push_out", "spin", "near_limits", "stale"};
  return names[static_cast<int>(s)];
}

struct Arm {
  std::array<double, kArmDof> q{};
  Eigen::Vector3d pos;
  Eigen::Matrix3d rot;
};

class SafetyProperty : public ::testing::Test {
 protected:
  // Runs `episodes` episodes of `steps` commands under `limits`; asserts the invariants on every
  // command; adds the interventions to `fired` and the number of commands to `*commands`.
  void run(const SafetyLimits& limits, int episodes, int steps, uint64_t seed, std::map<std::string, int64_t>* fired,
           int64_t* commands_out) {
    const ArmControllerConfig scales;
    const double hz = 10.0;
    SafetyFilter filter(limits, scales, hz);
    Kinematics kin;
    Rng rng(seed);
    const auto& qmin = filter.joint_min_rad();
    const auto& qmax = filter.joint_max_rad();
    const double s_t = scales.max_translation_per_step_m, s_r = scales.max_rotation_per_step_rad;
    int64_t& commands = *commands_out;

    for (int ep = 0; ep < episodes; ++ep) {
      const Scenario scenario = static_cast<Scenario>(ep % static_cast<int>(Scenario::kCount));
      SCOPED_TRACE(std::string("scenario ") + name(scenario) + ", episode " + std::to_string(ep));
      // Start: the ready posture, or (near_limits) a few joints within 0.15 rad of a limit, whose EE
      // is inside the box (rejection sampling).
      Arm arm;
      for (int attempt = 0;; ++attempt) {
        for (int i = 0; i < kArmDof; ++i) arm.q[i] = kReadyJointPosRad[i];
        if (scenario == Scenario::kNearLimits) {
          for (int k = 0; k < 2; ++k) {
            const int j = static_cast<int>(rng.uniform_index(kArmDof));
            arm.q[j] = rng.uniform() < 0.5 ? qmin[j] + uniform(rng, 0.0, 0.15) : qmax[j] - uniform(rng, 0.0, 0.15);
          }
        }
        kin.fk(arm.q, &arm.pos, &arm.rot);
        bool inside = SafetyFilter::tool_angle_deg(arm.rot) < limits.tool_cone_deg;
        for (int i = 0; i < 3; ++i)
          inside = inside && arm.pos[i] > limits.workspace_min_m[i] && arm.pos[i] < limits.workspace_max_m[i];
        if (inside) break;
        ASSERT_LT(attempt, 1000) << "no start pose inside the box";
      }
      double now_s = 100.0 + ep * 1000.0;
      auto observe = [&](bool stale) {
        TimedObservation t;
        Observation& o = t.observation;
        for (int i = 0; i < 3; ++i) o.ee_pos_m[i] = arm.pos[i];
        Eigen::Quaterniond q(arm.rot);
        if (q.w() < 0) q.coeffs() *= -1;
        o.ee_quat_wxyz = {q.w(), q.x(), q.y(), q.z()};
        o.joint_pos_rad = arm.q;
        o.gripper_opening_m = 0.08;
        t.state_stamp_s = now_s - (stale ? limits.stale_observation_s + uniform(rng, 0.001, 1.0) : uniform(rng, 0.0, 0.05));
        t.image_stamp_s["front"] = t.state_stamp_s + 0.01;
        t.sequence = static_cast<uint64_t>(commands);
        return t;
      };
      filter.reset(observe(false));
      const double gain = uniform(rng, 0.3, 1.0);  // fraction of the target error tracked per step
      Action oscillating{};
      for (double& v : oscillating) v = rng.uniform() < 0.5 ? 1.0 : -1.0;
      oscillating[6] = 1.0;
      Action push{};
      push[rng.uniform_index(3)] = rng.uniform() < 0.5 ? 1.0 : -1.0;
      push[3 + rng.uniform_index(3)] = uniform(rng, -1.0, 1.0);
      Action spin{};
      for (int i = 3; i < 6; ++i) spin[i] = uniform(rng, -1.0, 1.0);
      spin[3 + rng.uniform_index(3)] = rng.uniform() < 0.5 ? 1.0 : -1.0;

      Eigen::Vector3d prev_d = Eigen::Vector3d::Zero(), prev_r = Eigen::Vector3d::Zero();
      for (int step = 0; step < steps; ++step, ++commands) {
        // The proposed action.
        Action a{};
        for (double& v : a) v = uniform(rng, -1.0, 1.0);
        switch (scenario) {
          case Scenario::kHuge:
            for (double& v : a) v = rng.uniform() < 0.5 ? uniform(rng, -1e6, 1e6) : (rng.uniform() < 0.5 ? 1e6 : -1e6);
            break;
          case Scenario::kOscillating:
            for (double& v : oscillating) v = -v;
            a = oscillating;
            break;
          case Scenario::kPushOut:
            a = push;
            break;
          case Scenario::kSpin:
            a = spin;
            break;
          default:
            break;
        }
        bool non_finite = false;
        if (scenario == Scenario::kNonFinite || rng.uniform() < 0.01) {
          for (double& v : a) {
            if (rng.uniform() < 0.15) {
              const double r = rng.uniform();
              v = r < 0.5 ? std::numeric_limits<double>::quiet_NaN()
                           : (r < 0.75 ? std::numeric_limits<double>::infinity() : -std::numeric_limits<double>::infinity());
              non_finite = true;
            }
          }
        }
        const bool stale = (scenario == Scenario::kStale && rng.uniform() < 0.3) || rng.uniform() < 0.01;
        const TimedObservation obs = observe(stale);
        const Eigen::Vector3d t_prev = filter.target_pos_m();
        const Eigen::Matrix3d r_prev = quat_rot(filter.target_quat_wxyz());
        const SafetyDecision dec = filter.filter(a, obs, now_s);
        const RobotCommand& c = dec.command;
        bool hard = false;
        for (const Intervention& i : dec.interventions) {
          ++(*fired)[i.reason];
          hard = hard || i.reason == "workspace" || i.reason == "tool_cone" || i.reason == "joint_margin";
          ASSERT_FALSE(i.message.empty());
        }

        // Finite, in range.
        for (double v : c.action) ASSERT_TRUE(std::isfinite(v) && v >= -1.0 && v <= 1.0) << v;
        for (double v : c.ee_target_pos_m) ASSERT_TRUE(std::isfinite(v));
        for (double v : c.ee_target_quat_wxyz) ASSERT_TRUE(std::isfinite(v));
        ASSERT_EQ(c.answers_sequence, obs.sequence);
        ASSERT_EQ(c.issued_s, now_s);
        const Eigen::Vector3d t(c.ee_target_pos_m[0], c.ee_target_pos_m[1], c.ee_target_pos_m[2]);
        const Eigen::Matrix3d rot = quat_rot(c.ee_target_quat_wxyz);

        // Holds exactly on non-finite output and stale observations; a hold keeps the target.
        ASSERT_EQ(c.hold, non_finite || stale) << "non_finite " << non_finite << " stale " << stale;
        if (c.hold) {
          ASSERT_EQ(dec.interventions.size(), 1u);
          ASSERT_EQ(dec.interventions[0].reason, non_finite ? "non_finite" : "stale_observation");
          ASSERT_LT((t - t_prev).norm(), 1e-12);
          for (int i = 0; i < 6; ++i) ASSERT_EQ(c.action[i], 0.0);
          prev_d.setZero();
          prev_r.setZero();
        } else {
          const Eigen::Vector3d d = s_t * Eigen::Vector3d(c.action[0], c.action[1], c.action[2]);
          const Eigen::Vector3d r = s_r * Eigen::Vector3d(c.action[3], c.action[4], c.action[5]);
          // Target inside the box.
          for (int i = 0; i < 3; ++i) {
            ASSERT_GE(t[i], limits.workspace_min_m[i] - kEps) << "axis " << i;
            ASSERT_LE(t[i], limits.workspace_max_m[i] + kEps) << "axis " << i;
          }
          // Speeds: the commanded motion, and the target's step (unless the target was pulled back
          // to within the lead of the measured pose, as the controller does).
          ASSERT_LE(d.norm(), limits.max_linear_speed_m_s / hz + kEps);
          ASSERT_LE(r.norm(), limits.max_angular_speed_rad_s / hz + kEps);
          if ((t_prev + d - arm.pos).norm() <= scales.max_target_lead_m) {
            ASSERT_LE((t - t_prev).norm(), limits.max_linear_speed_m_s / hz + kEps);
            // Action and target consistent: the target is the previous one moved by the action.
            ASSERT_LE((t - (t_prev + d)).norm(), 1e-12);
          } else {
            // Pulled back towards the measured pose; within the lead of it unless the arm itself is
            // outside the box (the kinematic arm has no table) and the box clamp moved the target.
            bool measured_inside = true;
            for (int i = 0; i < 3; ++i) {
              measured_inside = measured_inside && arm.pos[i] >= limits.workspace_min_m[i] &&
                                arm.pos[i] <= limits.workspace_max_m[i];
            }
            if (measured_inside) {
              ASSERT_LE((t - arm.pos).norm(), scales.max_target_lead_m + kEps);
            }
          }
          ASSERT_LE(log_rotation(rot * arm.rot.transpose()).norm(), scales.max_target_lead_rad + 1e-6);
          const Eigen::Matrix3d integrated = Eigen::AngleAxisd(r.norm(), r.norm() > 0 ? Eigen::Vector3d(r / r.norm())
                                                                                         : Eigen::Vector3d::UnitZ())
                                                 .toRotationMatrix() *
                                             r_prev;
          if (log_rotation(integrated * arm.rot.transpose()).norm() <= scales.max_target_lead_rad) {
            ASSERT_LT((rot - integrated).cwiseAbs().maxCoeff(), 1e-9);  // rotation consistent with the action
          }
          // Step change (the hard limits take precedence).
          if (!hard) {
            ASSERT_LE((d - prev_d).norm(), limits.max_linear_step_change_m + kEps);
            ASSERT_LE((r - prev_r).norm(), limits.max_angular_step_change_rad + kEps);
          }
          // Cone: inside, or no further out than the previous target or the measured pose.
          const double angle = SafetyFilter::tool_angle_deg(rot);
          ASSERT_LE(angle, std::max({limits.tool_cone_deg, SafetyFilter::tool_angle_deg(r_prev),
                                     SafetyFilter::tool_angle_deg(arm.rot)}) +
                               kAngleEps);
          // Joint margins: the motion predicted for the command's action keeps every joint out of
          // the margin, or does not move it towards its limit.
          if (limits.check_joint_margins) {
            const auto dq = filter.predict_joint_motion(arm.q, d, r);
            const double m = limits.joint_limit_margin_rad;
            for (int i = 0; i < kArmDof; ++i) {
              if (dq[i] > 1e-12) {
                ASSERT_LE(arm.q[i] + dq[i], std::max(qmax[i] - m, arm.q[i]) + kEps) << "joint " << i;
              }
              if (dq[i] < -1e-12) {
                ASSERT_GE(arm.q[i] + dq[i], std::min(qmin[i] + m, arm.q[i]) - kEps) << "joint " << i;
              }
            }
          }
          prev_d = d;
          prev_r = r;
        }

        // The arm follows the target with lag (damped least squares on the pose error), within its
        // joint limits.
        Eigen::Vector3d err_p = t - arm.pos;
        Eigen::Vector3d err_r = log_rotation(rot * arm.rot.transpose());
        const auto dq = filter.predict_joint_motion(arm.q, gain * err_p, gain * err_r);
        for (int i = 0; i < kArmDof; ++i) arm.q[i] = std::clamp(arm.q[i] + std::clamp(dq[i], -0.26, 0.26), qmin[i], qmax[i]);
        kin.fk(arm.q, &arm.pos, &arm.rot);
        now_s += 1.0 / hz;
      }
    }
  }
};

TEST_F(SafetyProperty, EveryCommandIsInsideEveryLimit) {
  std::map<std::string, int64_t> fired_default, fired_tight;
  // The default limits (the simulator's envelope) with the joint-margin check on.
  SafetyLimits defaults;
  defaults.check_joint_margins = true;
  int64_t n_default = 0, n_tight = 0;
  run(defaults, 250, 200, 0x5AFE0001ULL, &fired_default, &n_default);
  ASSERT_FALSE(HasFatalFailure());

  // A real arm's tighter limits around the ready pose.
  SafetyLimits tight;
  tight.workspace_min_m = {0.20, -0.35, 0.15};
  tight.workspace_max_m = {0.70, 0.35, 0.70};
  tight.max_linear_speed_m_s = 0.3;
  tight.max_angular_speed_rad_s = 1.2;
  tight.max_linear_step_change_m = 0.015;
  tight.max_angular_step_change_rad = 0.06;
  tight.tool_cone_deg = 40;
  tight.check_joint_margins = true;
  tight.joint_limit_margin_rad = 0.1;
  tight.stale_observation_s = 0.2;
  run(tight, 250, 200, 0x5AFE0002ULL, &fired_tight, &n_tight);
  ASSERT_FALSE(HasFatalFailure());

  EXPECT_GE(n_default + n_tight, 100000);
  std::map<std::string, int64_t> fired = fired_default;
  for (const auto& [reason, n] : fired_tight) fired[reason] += n;
  for (const std::string& reason : intervention_reasons()) {
    std::printf("[ fired    ] %-20s default limits %6lld, tight limits %6lld\n", reason.c_str(),
                static_cast<long long>(fired_default[reason]), static_cast<long long>(fired_tight[reason]));
    EXPECT_GE(fired[reason], 1) << "the test never made \"" << reason << "\" bind";
  }
  // The default limits are the simulator's envelope: speed and step-change limits never bind for
  // clipped actions.
  for (const char* reason : {"linear_speed", "angular_speed", "linear_step_change", "angular_step_change"}) {
    EXPECT_EQ(fired_default[reason], 0) << reason;
  }
}

}  // namespace
}  // namespace wambench
