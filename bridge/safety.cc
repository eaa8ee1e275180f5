#include "bridge/safety.h"

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <limits>
#include <sstream>
#include <stdexcept>

#include "sim/rotation.h"

namespace wambench {
namespace {

constexpr double kPi = 3.14159265358979323846;
// Norm limits bind only beyond this relative slack, so an action at a corner of [-1, 1]^3 whose
// norm equals a default limit up to rounding (sqrt(3) x 0.05 vs 0.866.../10) passes unchanged.
constexpr double kSlack = 1.0 + 1e-12;

Eigen::Matrix3d rotation_from_quat(const std::array<double, 4>& q_wxyz) {
  return Eigen::Quaterniond(q_wxyz[0], q_wxyz[1], q_wxyz[2], q_wxyz[3]).normalized().toRotationMatrix();
}

std::string fmt(double v) {
  std::ostringstream s;
  s << std::setprecision(5) << v;
  return s.str();
}

bool all_finite(const Observation& o) {
  for (double v : o.ee_pos_m)
    if (!std::isfinite(v)) return false;
  for (double v : o.ee_quat_wxyz)
    if (!std::isfinite(v)) return false;
  for (double v : o.joint_pos_rad)
    if (!std::isfinite(v)) return false;
  double n2 = 0;
  for (double v : o.ee_quat_wxyz) n2 += v * v;
  return n2 > 0.5;  // a unit quaternion; zero means "no pose"
}

// --- JSON ---------------------------------------------------------------------------------------

const std::vector<std::string>& limit_keys() {
  static const std::vector<std::string> keys = {
      "workspace_min_m",          "workspace_max_m",          "max_linear_speed_m_s",
      "max_angular_speed_rad_s",  "max_linear_step_change_m", "max_angular_step_change_rad",
      "tool_cone_deg",            "check_joint_margins",      "joint_limit_margin_rad",
      "stale_observation_s",      "command_timeout_periods"};
  return keys;
}

std::string valid_keys() {
  std::string s;
  for (const auto& k : limit_keys()) s += (s.empty() ? "" : ", ") + k;
  return s;
}

[[noreturn]] void bad_value(const std::string& key, const std::string& value, const std::string& valid) {
  throw std::invalid_argument("safety limits: \"" + key + "\" is " + value + "; valid: " + valid);
}

double read_number(const nlohmann::json& j, const std::string& key, const std::string& valid) {
  if (!j.is_number()) bad_value(key, j.dump(), valid);
  const double v = j.get<double>();
  if (!std::isfinite(v)) bad_value(key, j.dump(), valid);
  return v;
}

std::array<double, 3> read_point(const nlohmann::json& j, const std::string& key) {
  const std::string valid = "an array of 3 finite numbers (world frame, m), e.g. [0.2, -0.4, 0.01]";
  if (!j.is_array() || j.size() != 3) bad_value(key, j.dump(), valid);
  std::array<double, 3> p{};
  for (int i = 0; i < 3; ++i) {
    if (!j[i].is_number() || !std::isfinite(j[i].get<double>())) bad_value(key, j.dump(), valid);
    p[i] = j[i].get<double>();
  }
  return p;
}

void require(bool ok, const std::string& key, double value, const std::string& valid) {
  if (!ok) bad_value(key, fmt(value), valid);
}

}  // namespace

void validate(const SafetyLimits& l) {
  for (int i = 0; i < 3; ++i) {
    if (!(std::isfinite(l.workspace_min_m[i]) && std::isfinite(l.workspace_max_m[i]) &&
          l.workspace_min_m[i] < l.workspace_max_m[i])) {
      throw std::invalid_argument("safety limits: \"workspace_min_m\" / \"workspace_max_m\" axis " + std::to_string(i) +
                                  " is [" + fmt(l.workspace_min_m[i]) + ", " + fmt(l.workspace_max_m[i]) +
                                  "]; valid: finite numbers with min < max on every axis");
    }
  }
  const auto positive = [](double v) { return std::isfinite(v) && v > 0; };
  require(positive(l.max_linear_speed_m_s), "max_linear_speed_m_s", l.max_linear_speed_m_s, "a number > 0 (m/s)");
  require(positive(l.max_angular_speed_rad_s), "max_angular_speed_rad_s", l.max_angular_speed_rad_s,
          "a number > 0 (rad/s)");
  require(positive(l.max_linear_step_change_m), "max_linear_step_change_m", l.max_linear_step_change_m,
          "a number > 0 (m per step)");
  require(positive(l.max_angular_step_change_rad), "max_angular_step_change_rad", l.max_angular_step_change_rad,
          "a number > 0 (rad per step)");
  require(std::isfinite(l.tool_cone_deg) && l.tool_cone_deg > 0 && l.tool_cone_deg <= 180, "tool_cone_deg",
          l.tool_cone_deg, "a number in (0, 180] (deg)");
  require(std::isfinite(l.joint_limit_margin_rad) && l.joint_limit_margin_rad >= 0 && l.joint_limit_margin_rad < 0.5,
          "joint_limit_margin_rad", l.joint_limit_margin_rad, "a number in [0, 0.5) (rad)");
  require(positive(l.stale_observation_s), "stale_observation_s", l.stale_observation_s, "a number > 0 (s)");
  require(positive(l.command_timeout_periods), "command_timeout_periods", l.command_timeout_periods,
          "a number > 0 (control periods)");
}

SafetyLimits safety_limits_from_json(const nlohmann::json& j) {
  if (!j.is_object()) {
    throw std::invalid_argument("safety limits: expected a JSON object with keys " + valid_keys() + ", got " +
                                j.dump());
  }
  SafetyLimits l;
  for (const auto& [key, value] : j.items()) {
    if (key == "workspace_min_m") {
      l.workspace_min_m = read_point(value, key);
    } else if (key == "workspace_max_m") {
      l.workspace_max_m = read_point(value, key);
    } else if (key == "max_linear_speed_m_s") {
      l.max_linear_speed_m_s = read_number(value, key, "a number > 0 (m/s)");
    } else if (key == "max_angular_speed_rad_s") {
      l.max_angular_speed_rad_s = read_number(value, key, "a number > 0 (rad/s)");
    } else if (key == "max_linear_step_change_m") {
      l.max_linear_step_change_m = read_number(value, key, "a number > 0 (m per step)");
    } else if (key == "max_angular_step_change_rad") {
      l.max_angular_step_change_rad = read_number(value, key, "a number > 0 (rad per step)");
    } else if (key == "tool_cone_deg") {
      l.tool_cone_deg = read_number(value, key, "a number in (0, 180] (deg)");
    } else if (key == "check_joint_margins") {
      if (!value.is_boolean()) bad_value(key, value.dump(), "true or false");
      l.check_joint_margins = value.get<bool>();
    } else if (key == "joint_limit_margin_rad") {
      l.joint_limit_margin_rad = read_number(value, key, "a number in [0, 0.5) (rad)");
    } else if (key == "stale_observation_s") {
      l.stale_observation_s = read_number(value, key, "a number > 0 (s)");
    } else if (key == "command_timeout_periods") {
      l.command_timeout_periods = read_number(value, key, "a number > 0 (control periods)");
    } else {
      throw std::invalid_argument("safety limits: unknown key \"" + key + "\"; valid keys: " + valid_keys());
    }
  }
  validate(l);
  return l;
}

nlohmann::json to_json(const SafetyLimits& l) {
  return {{"workspace_min_m", l.workspace_min_m},
          {"workspace_max_m", l.workspace_max_m},
          {"max_linear_speed_m_s", l.max_linear_speed_m_s},
          {"max_angular_speed_rad_s", l.max_angular_speed_rad_s},
          {"max_linear_step_change_m", l.max_linear_step_change_m},
          {"max_angular_step_change_rad", l.max_angular_step_change_rad},
          {"tool_cone_deg", l.tool_cone_deg},
          {"check_joint_margins", l.check_joint_margins},
          {"joint_limit_margin_rad", l.joint_limit_margin_rad},
          {"stale_observation_s", l.stale_observation_s},
          {"command_timeout_periods", l.command_timeout_periods}};
}

nlohmann::json to_json(const Intervention& intervention) {
  return {{"reason", intervention.reason}, {"message", intervention.message}};
}

const std::vector<std::string>& intervention_reasons() {
  static const std::vector<std::string> reasons = {
      "non_finite",         "stale_observation",   "action_range", "linear_speed", "angular_speed",
      "linear_step_change", "angular_step_change", "workspace",    "tool_cone",    "joint_margin"};
  return reasons;
}

// --- SafetyFilter ---------------------------------------------------------------------------------

SafetyFilter::SafetyFilter(const SafetyLimits& limits, const ArmControllerConfig& scales, double control_hz,
                           const std::string& scene_path)
    : limits_(limits), scales_(scales), control_hz_(control_hz) {
  validate(limits_);
  if (!(std::isfinite(control_hz) && control_hz > 0)) {
    throw std::invalid_argument("safety filter: control_hz is " + fmt(control_hz) + "; valid: a number > 0 (Hz)");
  }
  if (!(scales.max_translation_per_step_m > 0) || !(scales.max_rotation_per_step_rad > 0) ||
      !(scales.max_target_lead_m > 0) || !(scales.max_target_lead_rad > 0) || !(scales.ik_damping >= 0)) {
    throw std::invalid_argument(
        "safety filter: the controller scales max_translation_per_step_m, max_rotation_per_step_rad, "
        "max_target_lead_m and max_target_lead_rad must be > 0 and ik_damping >= 0");
  }
  model_ = load_model_from_file(scene_path.empty() ? asset_path("scene.xml") : scene_path);
  data_.reset(mj_makeData(model_.get()));
  ee_site_ = require_id(model_.get(), mjOBJ_SITE, "ee");
  for (int i = 0; i < kArmDof; ++i) {
    const int j = require_id(model_.get(), mjOBJ_JOINT, "joint" + std::to_string(i + 1));
    qpos_adr_[i] = model_->jnt_qposadr[j];
    dof_adr_[i] = model_->jnt_dofadr[j];
    qmin_[i] = model_->jnt_range[2 * j];
    qmax_[i] = model_->jnt_range[2 * j + 1];
  }
  jacp_.resize(3 * model_->nv);
  jacr_.resize(3 * model_->nv);
  for (const auto& r : intervention_reasons()) counts_[r] = 0;
}

SafetyFilter::~SafetyFilter() = default;

void SafetyFilter::reset(const TimedObservation& first) {
  if (!all_finite(first.observation)) {
    throw std::invalid_argument(
        "safety filter: reset() with a non-finite or zero EE pose / joint position in the first observation");
  }
  const Observation& o = first.observation;
  target_pos_ = Eigen::Vector3d(o.ee_pos_m[0], o.ee_pos_m[1], o.ee_pos_m[2]);
  target_rot_ = rotation_from_quat(o.ee_quat_wxyz);
  gripper_closed_ = o.gripper_opening_m <= 0.5 * kGripperMaxOpeningM;
  prev_d_.setZero();
  prev_r_.setZero();
  started_ = true;
}

std::array<double, 4> SafetyFilter::target_quat_wxyz() const {
  Eigen::Quaterniond q(target_rot_);
  q.normalize();
  if (q.w() < 0) q.coeffs() *= -1;
  return {q.w(), q.x(), q.y(), q.z()};
}

double SafetyFilter::tool_angle_deg(const Eigen::Matrix3d& rot) {
  // Approach axis: the "ee" site's local +z, third column of R_WE; angle to world -z.
  const double c = std::clamp(-rot(2, 2), -1.0, 1.0);
  return std::acos(c) * 180.0 / kPi;
}

Eigen::Matrix<double, 6, kArmDof> SafetyFilter::jacobian(const std::array<double, kArmDof>& q) {
  mjData* d = data_.get();
  for (int i = 0; i < kArmDof; ++i) d->qpos[qpos_adr_[i]] = q[i];
  mj_kinematics(model_.get(), d);
  mj_comPos(model_.get(), d);
  mj_jacSite(model_.get(), d, jacp_.data(), jacr_.data(), ee_site_);
  Eigen::Matrix<double, 6, kArmDof> jac;
  for (int i = 0; i < kArmDof; ++i) {
    for (int r = 0; r < 3; ++r) {
      jac(r, i) = jacp_[r * model_->nv + dof_adr_[i]];
      jac(r + 3, i) = jacr_[r * model_->nv + dof_adr_[i]];
    }
  }
  return jac;
}

std::array<double, kArmDof> SafetyFilter::predict_joint_motion(const std::array<double, kArmDof>& q,
                                                               const Eigen::Vector3d& d_m,
                                                               const Eigen::Vector3d& r_rad) {
  const Eigen::Matrix<double, 6, kArmDof> jac = jacobian(q);
  Eigen::Matrix<double, 6, 1> e;
  e.head<3>() = d_m;
  e.tail<3>() = r_rad;
  const double lambda2 = scales_.ik_damping * scales_.ik_damping;
  const Eigen::Matrix<double, 6, 6> jjt = jac * jac.transpose() + lambda2 * Eigen::Matrix<double, 6, 6>::Identity();
  const Eigen::Matrix<double, kArmDof, 1> dq = jac.transpose() * jjt.ldlt().solve(e);
  std::array<double, kArmDof> out{};
  for (int i = 0; i < kArmDof; ++i) out[i] = dq[i];
  return out;
}

void SafetyFilter::count(const std::vector<Intervention>& interventions) {
  for (const auto& i : interventions) ++counts_[i.reason];
}

SafetyDecision SafetyFilter::make_hold(const TimedObservation& latest, double now_s, Intervention why) {
  SafetyDecision out;
  out.command = hold_command();
  out.command.answers_sequence = latest.sequence;
  out.command.issued_s = now_s;
  out.interventions.push_back(std::move(why));
  out.predicted_joint_pos_rad = latest.observation.joint_pos_rad;
  count(out.interventions);
  return out;
}

RobotCommand SafetyFilter::hold_command() {
  if (!started_) throw std::logic_error("safety filter: hold_command() before reset() has no target; use Robot::hold()");
  ++holds_;
  prev_d_.setZero();
  prev_r_.setZero();
  return make_hold_command({target_pos_[0], target_pos_[1], target_pos_[2]}, target_quat_wxyz(), gripper_closed_);
}

SafetyDecision SafetyFilter::filter(const Action& proposed, const TimedObservation& latest, double now_s) {
  if (!started_) throw std::logic_error("safety filter: filter() before reset()");
  ++commands_;
  const Observation& obs = latest.observation;

  // 1. Holds: non-finite action or observation, stale observation.
  for (int i = 0; i < kActionDim; ++i) {
    if (!std::isfinite(proposed[i])) {
      return make_hold(latest, now_s,
                       {"non_finite", "action[" + std::to_string(i) + "] is " + fmt(proposed[i]) +
                                          "; every component must be a finite number: holding"});
    }
  }
  if (!all_finite(obs)) {
    return make_hold(latest, now_s,
                     {"non_finite", "the observation's EE pose or joint positions are not finite: holding"});
  }
  const double age_s = latest.age_s(now_s);
  if (!(age_s <= limits_.stale_observation_s)) {
    return make_hold(latest, now_s,
                     {"stale_observation", "observation " + std::to_string(latest.sequence) + " is " + fmt(age_s) +
                                               " s old > stale_observation_s " + fmt(limits_.stale_observation_s) +
                                               " s: holding"});
  }

  SafetyDecision out;
  auto& iv = out.interventions;

  // 2. Range, exactly as Env::step clips.
  Action a = proposed;
  for (int i = 0; i < kActionDim; ++i) a[i] = std::clamp(proposed[i], -1.0, 1.0);
  for (int i = 0; i < kActionDim; ++i) {
    if (a[i] != proposed[i]) {
      iv.push_back({"action_range", "action[" + std::to_string(i) + "] = " + fmt(proposed[i]) +
                                        " clipped to [-1, 1]"});
    }
  }

  const double s_t = scales_.max_translation_per_step_m;
  const double s_r = scales_.max_rotation_per_step_rad;
  Eigen::Vector3d d = s_t * Eigen::Vector3d(a[0], a[1], a[2]);
  Eigen::Vector3d r = s_r * Eigen::Vector3d(a[3], a[4], a[5]);
  bool motion_changed = false;

  // 3. Speeds, then step changes (both keep d, r inside the action cube: scaling towards 0, and
  //    moving towards the previous motion, which is inside it).
  const double max_d = limits_.max_linear_speed_m_s / control_hz_;
  if (d.norm() > max_d * kSlack) {
    iv.push_back({"linear_speed", "per-step translation " + fmt(d.norm()) + " m > " + fmt(max_d) +
                                      " m (max_linear_speed_m_s " + fmt(limits_.max_linear_speed_m_s) + " at " +
                                      fmt(control_hz_) + " Hz)"});
    d *= max_d / d.norm();
    motion_changed = true;
  }
  const double max_r = limits_.max_angular_speed_rad_s / control_hz_;
  if (r.norm() > max_r * kSlack) {
    iv.push_back({"angular_speed", "per-step rotation " + fmt(r.norm()) + " rad > " + fmt(max_r) +
                                       " rad (max_angular_speed_rad_s " + fmt(limits_.max_angular_speed_rad_s) +
                                       " at " + fmt(control_hz_) + " Hz)"});
    r *= max_r / r.norm();
    motion_changed = true;
  }
  const double dd = (d - prev_d_).norm();
  if (dd > limits_.max_linear_step_change_m * kSlack) {
    iv.push_back({"linear_step_change", "change of the per-step translation " + fmt(dd) + " m > " +
                                            fmt(limits_.max_linear_step_change_m) + " m (max_linear_step_change_m)"});
    d = prev_d_ + (d - prev_d_) * (limits_.max_linear_step_change_m / dd);
    motion_changed = true;
  }
  const double dr = (r - prev_r_).norm();
  if (dr > limits_.max_angular_step_change_rad * kSlack) {
    iv.push_back({"angular_step_change", "change of the per-step rotation " + fmt(dr) + " rad > " +
                                             fmt(limits_.max_angular_step_change_rad) +
                                             " rad (max_angular_step_change_rad)"});
    r = prev_r_ + (r - prev_r_) * (limits_.max_angular_step_change_rad / dr);
    motion_changed = true;
  }

  // 4. Workspace box, per axis (only motion towards the box if the target is outside it).
  for (int i = 0; i < 3; ++i) {
    const double lo = std::min(limits_.workspace_min_m[i] - target_pos_[i], 0.0);
    const double hi = std::max(limits_.workspace_max_m[i] - target_pos_[i], 0.0);
    if (d[i] < lo || d[i] > hi) {
      const double clipped = std::clamp(d[i], lo, hi);
      static const char* kAxis[3] = {"x", "y", "z"};
      iv.push_back({"workspace", std::string("target ") + kAxis[i] + " " + fmt(target_pos_[i] + d[i]) +
                                     " m outside the workspace [" + fmt(limits_.workspace_min_m[i]) + ", " +
                                     fmt(limits_.workspace_max_m[i]) + "] m: stopped at " +
                                     fmt(target_pos_[i] + clipped) + " m"});
      // A bound no tighter than the executing controller's own box (ArmControllerConfig
      // workspace_min_m / _max_m) limits the target only: a simulated controller clips its target
      // to that box itself, so the action passes unchanged (runs on SimRobot stay identical to
      // `wambench eval`), and a real arm is sent the limited target (RobotCommand::ee_target_pos_m).
      const bool tighter = d[i] < lo ? limits_.workspace_min_m[i] > scales_.workspace_min_m[i]
                                     : limits_.workspace_max_m[i] < scales_.workspace_max_m[i];
      if (tighter) {
        d[i] = clipped;
        motion_changed = true;
      }
    }
  }

  // 5. Tool cone.
  if (r.squaredNorm() > 0) {
    const double before = tool_angle_deg(target_rot_);
    const double after = tool_angle_deg(exp_rotation(r) * target_rot_);
    if (after > limits_.tool_cone_deg && after > before) {
      iv.push_back({"tool_cone", "rotation would tilt the tool " + fmt(after) + " deg from straight down > tool_cone_deg " +
                                     fmt(limits_.tool_cone_deg) + " (now " + fmt(before) + " deg): rotation dropped"});
      r.setZero();
      motion_changed = true;
    }
  }

  // 6. Joint-limit margins: scale (d, r) so no joint is predicted to come closer than the margin to
  //    a limit it moves towards.
  const std::array<double, kArmDof>& q = obs.joint_pos_rad;
  std::array<double, kArmDof> dq = predict_joint_motion(q, d, r);
  double scale = 1.0;
  int worst = -1;
  const double m = limits_.joint_limit_margin_rad;
  for (int i = 0; i < kArmDof && limits_.check_joint_margins; ++i) {
    double s = 1.0;
    if (dq[i] > 0 && q[i] + dq[i] > qmax_[i] - m) s = std::max(0.0, (qmax_[i] - m - q[i]) / dq[i]);
    if (dq[i] < 0 && q[i] + dq[i] < qmin_[i] + m) s = std::max(0.0, (q[i] - (qmin_[i] + m)) / -dq[i]);
    if (s < scale) {
      scale = s;
      worst = i;
    }
  }
  if (worst >= 0) {
    iv.push_back({"joint_margin", "joint" + std::to_string(worst + 1) + " at " + fmt(q[worst]) + " rad would move by " +
                                      fmt(dq[worst]) + " rad to within " + fmt(m) + " rad of its limits [" +
                                      fmt(qmin_[worst]) + ", " + fmt(qmax_[worst]) + "]: motion scaled by " +
                                      fmt(scale)});
    d *= scale;
    r *= scale;
    for (double& v : dq) v *= scale;
    motion_changed = true;
  }

  // The action: unchanged unless the motion was limited; then recomputed from the limited motion.
  if (motion_changed) {
    // Components whose motion was not limited keep their exact value.
    for (int i = 0; i < 3; ++i) {
      if (d[i] != s_t * a[i]) a[i] = std::clamp(d[i] / s_t, -1.0, 1.0);
      if (r[i] != s_r * a[3 + i]) a[3 + i] = std::clamp(r[i] / s_r, -1.0, 1.0);
    }
  }

  // Integrate the target as ArmController::set_action does (action scaled, lead clamp to the
  // measured pose), and keep it in the box.
  const Eigen::Vector3d measured_pos(obs.ee_pos_m[0], obs.ee_pos_m[1], obs.ee_pos_m[2]);
  const Eigen::Matrix3d measured_rot = rotation_from_quat(obs.ee_quat_wxyz);
  const Eigen::Vector3d step = s_t * Eigen::Vector3d(a[0], a[1], a[2]);
  Eigen::Vector3d pos = clamp_to_ball(target_pos_ + step, measured_pos, scales_.max_target_lead_m);
  for (int i = 0; i < 3; ++i) {
    pos[i] = std::clamp(pos[i], std::min(limits_.workspace_min_m[i], target_pos_[i]),
                        std::max(limits_.workspace_max_m[i], target_pos_[i]));
  }
  const Eigen::Vector3d rot_step = s_r * Eigen::Vector3d(a[3], a[4], a[5]);
  Eigen::Matrix3d rot = exp_rotation(rot_step) * target_rot_;
  const Eigen::Vector3d lead = log_rotation(rot * measured_rot.transpose());
  if (lead.norm() > scales_.max_target_lead_rad) {
    rot = exp_rotation(lead * (scales_.max_target_lead_rad / lead.norm())) * measured_rot;
  }
  target_pos_ = pos;
  target_rot_ = Eigen::Quaterniond(rot).normalized().toRotationMatrix();
  prev_d_ = step;
  prev_r_ = rot_step;

  // Gripper latch with the controller's dead band.
  if (a[6] > scales_.gripper_deadband) gripper_closed_ = true;
  if (a[6] < -scales_.gripper_deadband) gripper_closed_ = false;

  RobotCommand& c = out.command;
  c.action = a;
  c.ee_target_pos_m = {target_pos_[0], target_pos_[1], target_pos_[2]};
  c.ee_target_quat_wxyz = target_quat_wxyz();
  c.gripper_close = gripper_closed_;
  c.hold = false;
  c.answers_sequence = latest.sequence;
  c.issued_s = now_s;
  for (int i = 0; i < kArmDof; ++i) out.predicted_joint_pos_rad[i] = q[i] + dq[i];
  count(iv);
  return out;
}

nlohmann::json SafetyFilter::counts() const {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [reason, n] : counts_) j[reason] = n;
  j["commands"] = commands_;
  j["holds"] = holds_;
  return j;
}

}  // namespace wambench
