#include "sim/arm_controller.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "sim/rotation.h"

namespace wambench {
namespace {

Eigen::Matrix3d site_rotation(const mjData* data, int site) {
  Eigen::Matrix3d r;
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) r(i, j) = data->site_xmat[9 * site + 3 * i + j];
  return r;
}

}  // namespace

ArmController::ArmController(const mjModel* model, const ArmControllerConfig& config,
                             double control_period_s)
    : config_(config), control_period_s_(control_period_s), scratch_(mj_makeData(model)) {
  if (!(control_period_s > 0)) throw std::invalid_argument("ArmController: control period must be > 0 s");
  if (!(config.gripper_speed_m_s > 0)) throw std::invalid_argument("ArmController: gripper_speed_m_s must be > 0");
  if (!(config.gripper_deadband >= 0 && config.gripper_deadband < 1))
    throw std::invalid_argument("ArmController: gripper_deadband must be in [0, 1)");
  for (int i = 0; i < kArmDof; ++i) {
    const std::string idx = std::to_string(i + 1);
    const int j = require_id(model, mjOBJ_JOINT, "joint" + idx);
    arm_qpos_[i] = model->jnt_qposadr[j];
    arm_dof_[i] = model->jnt_dofadr[j];
    arm_act_[i] = require_id(model, mjOBJ_ACTUATOR, "actuator" + idx);
    qmin_[i] = model->jnt_range[2 * j];
    qmax_[i] = model->jnt_range[2 * j + 1];
  }
  for (int i = 0; i < 2; ++i) {
    const int j = require_id(model, mjOBJ_JOINT, "finger_joint" + std::to_string(i + 1));
    finger_qpos_[i] = model->jnt_qposadr[j];
    finger_dof_[i] = model->jnt_dofadr[j];
  }
  gripper_act_ = require_id(model, mjOBJ_ACTUATOR, "gripper");
  ee_site_ = require_id(model, mjOBJ_SITE, "ee");
  jacp_.resize(3 * model->nv);
  jacr_.resize(3 * model->nv);
}

void ArmController::reset(const mjModel* /*model*/, const mjData* data) {
  target_pos_ = Eigen::Map<const Eigen::Vector3d>(data->site_xpos + 3 * ee_site_);
  target_rot_ = site_rotation(data, ee_site_);
  for (int i = 0; i < kArmDof; ++i) q_cmd_[i] = data->qpos[arm_qpos_[i]];
  q_prev_cmd_ = q_cmd_;
  gripper_cmd_ = 0.5 * gripper_opening_m(data);
  gripper_closed_ = gripper_opening_m(data) <= 0.5 * kGripperMaxOpeningM;
}

ArmController::Vector7d ArmController::solve_ik(const mjModel* model, const Vector7d& seed) {
  mjData* s = scratch_.get();
  Vector7d q = seed;
  Vector7d q_ready;
  for (int i = 0; i < kArmDof; ++i) q_ready[i] = kReadyJointPosRad[i];
  const double lambda2 = config_.ik_damping * config_.ik_damping;
  Eigen::Matrix<double, 6, kArmDof> jac;
  for (int it = 0; it < config_.ik_iterations; ++it) {
    for (int i = 0; i < kArmDof; ++i) s->qpos[arm_qpos_[i]] = q[i];
    mj_kinematics(model, s);
    mj_comPos(model, s);
    const Eigen::Vector3d pos = Eigen::Map<const Eigen::Vector3d>(s->site_xpos + 3 * ee_site_);
    const Eigen::Matrix3d rot = site_rotation(s, ee_site_);
    Eigen::Matrix<double, 6, 1> err;
    err.head<3>() = target_pos_ - pos;
    err.tail<3>() = log_rotation(target_rot_ * rot.transpose());
    mj_jacSite(model, s, jacp_.data(), jacr_.data(), ee_site_);
    for (int i = 0; i < kArmDof; ++i) {
      for (int r = 0; r < 3; ++r) {
        jac(r, i) = jacp_[r * model->nv + arm_dof_[i]];
        jac(r + 3, i) = jacr_[r * model->nv + arm_dof_[i]];
      }
    }
    // Damped least squares, with the null-space projector of the damped pseudo-inverse.
    const Eigen::Matrix<double, 6, 6> jjt =
        jac * jac.transpose() + lambda2 * Eigen::Matrix<double, 6, 6>::Identity();
    const Eigen::LDLT<Eigen::Matrix<double, 6, 6>> ldlt(jjt);
    const Eigen::Matrix<double, kArmDof, 6> pinv = jac.transpose() * ldlt.solve(Eigen::Matrix<double, 6, 6>::Identity());
    const Eigen::Matrix<double, kArmDof, kArmDof> null =
        Eigen::Matrix<double, kArmDof, kArmDof>::Identity() - pinv * jac;
    Vector7d dq = pinv * err + null * (config_.null_space_gain * (q_ready - q));
    // Limit the step so a far target is approached over iterations, not in one jump.
    const double max_step = 0.3;  // rad per iteration
    const double m = dq.cwiseAbs().maxCoeff();
    if (m > max_step) dq *= max_step / m;
    q += dq;
    for (int i = 0; i < kArmDof; ++i) {
      q[i] = std::clamp(q[i], qmin_[i] + config_.joint_limit_margin_rad,
                        qmax_[i] - config_.joint_limit_margin_rad);
    }
    if (err.head<3>().norm() < 1e-5 && err.tail<3>().norm() < 1e-4) break;
  }
  return q;
}

void ArmController::set_action(const mjModel* model, const mjData* data,
                               const std::array<double, 7>& a) {
  const Eigen::Vector3d measured_pos = Eigen::Map<const Eigen::Vector3d>(data->site_xpos + 3 * ee_site_);
  const Eigen::Matrix3d measured_rot = site_rotation(data, ee_site_);

  Eigen::Vector3d pos = target_pos_ + config_.max_translation_per_step_m * Eigen::Vector3d(a[0], a[1], a[2]);
  pos = clamp_to_ball(pos, measured_pos, config_.max_target_lead_m);
  for (int i = 0; i < 3; ++i) pos[i] = std::clamp(pos[i], config_.workspace_min_m[i], config_.workspace_max_m[i]);
  target_pos_ = pos;

  Eigen::Matrix3d rot = exp_rotation(config_.max_rotation_per_step_rad * Eigen::Vector3d(a[3], a[4], a[5])) * target_rot_;
  // Limit how far the orientation target leads the measured orientation.
  const Eigen::Vector3d lead = log_rotation(rot * measured_rot.transpose());
  if (lead.norm() > config_.max_target_lead_rad) {
    rot = exp_rotation(lead * (config_.max_target_lead_rad / lead.norm())) * measured_rot;
  }
  target_rot_ = rot;

  q_prev_cmd_ = q_cmd_;
  q_cmd_ = solve_ik(model, q_cmd_);
  // Joint velocity limits: the new targets are reachable within one control period.
  const double period_s = control_period_s_;
  for (int i = 0; i < kArmDof; ++i) {
    const double max_delta = config_.max_joint_velocity_rad_s[i] * period_s;
    q_cmd_[i] = std::clamp(q_cmd_[i], q_prev_cmd_[i] - max_delta, q_prev_cmd_[i] + max_delta);
  }
  // Binary gripper latch with hysteresis; on a switch the ramp restarts from the measured opening.
  const bool was_closed = gripper_closed_;
  if (a[6] > config_.gripper_deadband) gripper_closed_ = true;
  if (a[6] < -config_.gripper_deadband) gripper_closed_ = false;
  if (gripper_closed_ != was_closed) {
    gripper_cmd_ = std::clamp(0.5 * gripper_opening_m(data), 0.0, 0.5 * kGripperMaxOpeningM);
  }
}

void ArmController::write_controls(const mjModel* model, mjData* data, int substep, int substeps) {
  const double alpha = substeps <= 0 ? 1.0 : std::min(1.0, static_cast<double>(substep + 1) / substeps);
  qdot_ref_ = substeps <= 0 ? Vector7d::Zero()
                            : Vector7d((q_cmd_ - q_prev_cmd_) / (substeps * model->opt.timestep));
  for (int i = 0; i < kArmDof; ++i) {
    data->ctrl[arm_act_[i]] = q_prev_cmd_[i] + alpha * (q_cmd_[i] - q_prev_cmd_[i]);
  }
  if (substeps > 0) {
    const double goal = gripper_closed_ ? 0.0 : 0.5 * kGripperMaxOpeningM;  // per finger (m)
    const double max_delta = 0.5 * config_.gripper_speed_m_s * model->opt.timestep;
    gripper_cmd_ += std::clamp(goal - gripper_cmd_, -max_delta, max_delta);
  }
  data->ctrl[gripper_act_] = gripper_cmd_;
}

void ArmController::apply_feedforward(const mjModel* model, mjData* data) const {
  for (int i = 0; i < kArmDof; ++i) {
    const int dof = arm_dof_[i];
    data->qfrc_applied[dof] = data->qfrc_bias[dof] + model->dof_damping[dof] * qdot_ref_[i];
  }
  for (int i = 0; i < 2; ++i) data->qfrc_applied[finger_dof_[i]] = data->qfrc_bias[finger_dof_[i]];
}

void ArmController::write_joint_state(mjData* data, const std::array<double, kArmDof>& q,
                                      double gripper_opening_m) const {
  for (int i = 0; i < kArmDof; ++i) {
    data->qpos[arm_qpos_[i]] = std::clamp(q[i], qmin_[i], qmax_[i]);
    data->qvel[arm_dof_[i]] = 0;
  }
  const double finger = 0.5 * std::clamp(gripper_opening_m, 0.0, kGripperMaxOpeningM);
  for (int i = 0; i < 2; ++i) {
    data->qpos[finger_qpos_[i]] = finger;
    data->qvel[finger_dof_[i]] = 0;
  }
}

void ArmController::set_joint_state(const mjModel* model, mjData* data,
                                    const std::array<double, kArmDof>& q, double gripper_opening_m) {
  write_joint_state(data, q, gripper_opening_m);
  mj_forward(model, data);
  reset(model, data);
  write_controls(model, data, 0, 0);
}

std::array<double, 3> ArmController::ee_pos_m(const mjData* data) const {
  return {data->site_xpos[3 * ee_site_], data->site_xpos[3 * ee_site_ + 1], data->site_xpos[3 * ee_site_ + 2]};
}

std::array<double, 4> ArmController::ee_quat_wxyz(const mjData* data) const {
  std::array<double, 4> q{};
  mju_mat2Quat(q.data(), data->site_xmat + 9 * ee_site_);
  if (q[0] < 0) for (double& v : q) v = -v;  // canonical hemisphere: w >= 0
  return q;
}

std::array<double, 6> ArmController::ee_rot6d(const mjData* data) const {
  const mjtNum* r = data->site_xmat + 9 * ee_site_;  // row-major 3x3
  return {r[0], r[3], r[6], r[1], r[4], r[7]};
}

double ArmController::gripper_opening_m(const mjData* data) const {
  return data->qpos[finger_qpos_[0]] + data->qpos[finger_qpos_[1]];
}

std::array<double, kArmDof> ArmController::joint_pos_rad(const mjData* data) const {
  std::array<double, kArmDof> q{};
  for (int i = 0; i < kArmDof; ++i) q[i] = data->qpos[arm_qpos_[i]];
  return q;
}

}  // namespace wambench
