// End-effector delta control of the 7-DoF arm: damped-least-squares IK with joint limits and a
// null-space pull to the ready posture, joint position actuators with gravity compensation, and a
// force-limited parallel gripper.
#pragma once

#include <array>
#include <vector>

#include <Eigen/Dense>
#include <mujoco/mujoco.h>

#include "sim/model.h"

namespace wambench {

/// Number of arm joints.
inline constexpr int kArmDof = 7;

/// The "ready" joint configuration (rad), Franka's default: [0, -pi/4, 0, -3pi/4, 0, pi/2, pi/4].
inline constexpr std::array<double, kArmDof> kReadyJointPosRad = {
    0.0, -0.78539816339744831, 0.0, -2.3561944901923448, 0.0, 1.5707963267948966, 0.78539816339744831};

/// Gripper stroke: fully open distance between the finger pads (m). Franka Hand: 0.08 m.
inline constexpr double kGripperMaxOpeningM = 0.08;

/// Tuning and scaling of the controller. Units in the names.
struct ArmControllerConfig {
  /// EE translation commanded by an action component of magnitude 1, per control step (m).
  /// At the default 10 Hz control rate, 0.05 m/step = 0.5 m/s (Franka's limit is 1.7 m/s).
  double max_translation_per_step_m = 0.05;
  /// EE rotation commanded by an action component of magnitude 1, per control step (rad).
  /// 0.25 rad/step = 2.5 rad/s at 10 Hz (Franka's limit is 2.5 rad/s).
  double max_rotation_per_step_rad = 0.25;
  /// Damping lambda of the damped least-squares solve dq = J^T (J J^T + lambda^2 I)^-1 e
  /// (Wampler 1986; Buss, "Introduction to Inverse Kinematics...", 2004). Units: m (mixed).
  double ik_damping = 0.02;
  /// Gauss-Newton iterations of the IK per control step.
  int ik_iterations = 10;
  /// Gain of the null-space pull towards kReadyJointPosRad, per iteration (dimensionless).
  double null_space_gain = 0.1;
  /// IK joint targets stay this far inside the joint limits (rad).
  double joint_limit_margin_rad = 0.05;
  /// Joint targets move at most this fast (rad/s); Franka's documented maximum joint velocities.
  std::array<double, 7> max_joint_velocity_rad_s = {2.175, 2.175, 2.175, 2.175, 2.61, 2.61, 2.61};
  /// The commanded EE target never leads the measured EE by more than this (m / rad), so a
  /// blocked arm (contact) does not wind up a target far away.
  double max_target_lead_m = 0.12;
  double max_target_lead_rad = 0.6;
  /// Box (world frame, m) that commanded EE positions are clipped to: keeps targets above the
  /// table and in front of the robot.
  std::array<double, 3> workspace_min_m = {-0.10, -0.85, 0.005};
  std::array<double, 3> workspace_max_m = {1.00, 0.85, 1.00};
  /// Hysteresis dead band of the binary gripper command (action units, in [0, 1)): a[6] above
  /// +gripper_deadband latches "closed", below -gripper_deadband latches "open", and
  /// |a[6]| <= gripper_deadband keeps the latched state (robosuite / LIBERO convention: a policy's
  /// near-zero mean prediction neither opens nor closes the hand).
  double gripper_deadband = 0.1;
  /// Speed at which the finger target (the commanded opening, distance between the pads) moves
  /// towards fully open / fully closed (m/s of opening; each finger moves at half of it). 0.1 m/s
  /// is the Franka Hand's maximum, the limit of libfranka's franka::Gripper::move(width, speed)
  /// speed argument (m/s), as exposed by frankx (pantor/frankx gripper.hpp: max_speed = 0.1 m/s).
  /// The full 0.08 m stroke takes 0.8 s (8 control steps at 10 Hz). Must be > 0.
  double gripper_speed_m_s = 0.1;
};

/// Converts actions into actuator commands. Holds the commanded EE pose between control steps.
/// One instance per Env; not thread-safe.
///
/// Action semantics (DESIGN.md "Actions"): a = [dx, dy, dz, droll, dpitch, dyaw, gripper] in
/// [-1, 1] (the caller clips). The EE target moves by a[0:3] * max_translation_per_step_m in the
/// world frame and rotates by the rotation vector a[3:6] * max_rotation_per_step_rad about world
/// x, y, z (applied on the left: R_target <- exp([r]x) R_target).
///
/// Gripper (binary, as in robosuite / LIBERO datasets): a[6] is a latch command, not a width.
/// a[6] > +gripper_deadband closes, a[6] < -gripper_deadband opens, and |a[6]| <= gripper_deadband
/// keeps the current state (hysteresis). The finger position target then moves towards fully open
/// (0.08 m between the pads, 0.04 m per finger) or fully closed (0 m) at gripper_speed_m_s,
/// advanced once per physics substep in write_controls(); when the latch switches, the ramp
/// starts from the measured opening (as a real gripper starts moving from where it is), so the
/// fingers respond at once. The grasp force is limited by the actuator (70 N): a closed latch on
/// an object keeps squeezing it with the position actuator's force.
class ArmController {
 public:
  /// Resolves the robot's joints, actuators and the "ee" site by name. `control_period_s` is the
  /// time one action is applied for (s), used for the joint velocity limits.
  /// @throws ModelLoadError naming any missing element; std::invalid_argument if the period <= 0,
  /// gripper_speed_m_s <= 0 or gripper_deadband outside [0, 1).
  ArmController(const mjModel* model, const ArmControllerConfig& config, double control_period_s);

  /// Re-targets to the current measured state: EE target = measured EE pose, joint targets =
  /// measured joints, gripper target = measured opening, and the gripper latch = open if the
  /// measured opening is > half the stroke (0.04 m), else closed. Call after setting a new state.
  void reset(const mjModel* model, const mjData* data);

  /// Applies one (already clipped) action: moves the EE target, solves IK for new joint targets
  /// and updates the gripper latch from a[6] (see the class comment). Does not step physics.
  void set_action(const mjModel* model, const mjData* data, const std::array<double, 7>& action);

  /// Writes actuator controls for physics substep `substep` of `substeps` in this control period:
  /// joint targets move linearly from the previous IK solution to the new one over the period, and
  /// the reference joint velocity of that motion is kept for apply_feedforward(). substeps = 0
  /// jumps to the new targets with zero reference velocity. Each call with substeps > 0 also
  /// advances the gripper target by gripper_speed_m_s * model->opt.timestep (of opening) towards
  /// the latched state; substeps = 0 leaves it where it is.
  void write_controls(const mjModel* model, mjData* data, int substep, int substeps);

  /// Feed-forward joint forces, set as qfrc_applied on the robot's DoFs:
  ///  - gravity and Coriolis compensation, qfrc_bias (as Franka's own controller does), and
  ///  - damping compensation, dof_damping * qdot_ref, so the joints' (implicitly integrated,
  ///    stabilizing) viscous damping does not drag a commanded motion: without it, joints 5-7
  ///    (12 N m, damping 40 N m s/rad) could not exceed 0.3 rad/s.
  /// Together with the position actuators this is a PD law with velocity reference,
  /// tau = kp (q_ref - q) + D (qdot_ref - qdot) + bias, where only the P term is limited to
  /// Franka's torque limits (the damping term is bounded through the joint velocity limits).
  /// Call between mj_step1 and mj_step2 (qfrc_bias is computed by mj_step1).
  void apply_feedforward(const mjModel* model, mjData* data) const;

  /// Sets the arm to joint configuration `q` (rad, clipped to the limits) with zero velocity,
  /// gripper opening `gripper_opening_m` (0..0.08), and re-targets. Runs mj_forward.
  void set_joint_state(const mjModel* model, mjData* data, const std::array<double, kArmDof>& q,
                       double gripper_opening_m);

  /// Writes the same state into qpos / qvel only (no mj_forward, no re-targeting).
  void write_joint_state(mjData* data, const std::array<double, kArmDof>& q, double gripper_opening_m) const;

  // --- Measurements (world frame, SI) --------------------------------------------------------
  std::array<double, 3> ee_pos_m(const mjData* data) const;
  /// EE orientation as a unit quaternion (w, x, y, z), canonical hemisphere w >= 0 (so the sign
  /// can flip where w crosses 0, e.g. for the hand pointing straight down).
  std::array<double, 4> ee_quat_wxyz(const mjData* data) const;
  /// EE orientation as the continuous 6-D rotation representation (Zhou et al., "On the Continuity
  /// of Rotation Representations in Neural Networks", CVPR 2019): the first two columns of the
  /// "ee" site's world-frame rotation matrix R, (R00, R10, R20, R01, R11, R21), each in [-1, 1].
  std::array<double, 6> ee_rot6d(const mjData* data) const;
  /// Distance between the finger pads (m), 0..0.08.
  double gripper_opening_m(const mjData* data) const;
  std::array<double, kArmDof> joint_pos_rad(const mjData* data) const;

  /// Gripper latch: true after a close command (a[6] > gripper_deadband), false after an open one.
  bool gripper_closed() const { return gripper_closed_; }
  /// Current commanded opening between the pads (m, 0..0.08): the rate-limited target the finger
  /// actuator drives to; it reaches 0 (closed latch) or 0.08 (open latch) at the end of the ramp.
  double gripper_target_opening_m() const { return 2.0 * gripper_cmd_; }

  /// Commanded EE target (world frame).
  const Eigen::Vector3d& target_pos_m() const { return target_pos_; }
  const Eigen::Matrix3d& target_rot() const { return target_rot_; }

  /// Joint targets (rad) from the last IK solve (what the actuators converge to).
  std::array<double, kArmDof> commanded_joint_pos_rad() const {
    std::array<double, kArmDof> q{};
    for (int i = 0; i < kArmDof; ++i) q[i] = q_cmd_[i];
    return q;
  }

  /// Joint limits (rad), from the model.
  const std::array<double, kArmDof>& joint_min_rad() const { return qmin_; }
  const std::array<double, kArmDof>& joint_max_rad() const { return qmax_; }

  /// qpos / dof addresses of the arm joints and the two finger joints.
  const std::array<int, kArmDof>& arm_qpos_adr() const { return arm_qpos_; }
  const std::array<int, 2>& finger_qpos_adr() const { return finger_qpos_; }
  const ArmControllerConfig& config() const { return config_; }

 private:
  using Vector7d = Eigen::Matrix<double, kArmDof, 1>;
  Vector7d solve_ik(const mjModel* model, const Vector7d& seed);

  ArmControllerConfig config_;
  std::array<int, kArmDof> arm_qpos_{}, arm_dof_{}, arm_act_{};
  std::array<int, 2> finger_qpos_{}, finger_dof_{};
  int gripper_act_ = -1;
  int ee_site_ = -1;
  std::array<double, kArmDof> qmin_{}, qmax_{};

  Eigen::Vector3d target_pos_ = Eigen::Vector3d::Zero();
  Eigen::Matrix3d target_rot_ = Eigen::Matrix3d::Identity();
  Vector7d q_prev_cmd_ = Vector7d::Zero();
  Vector7d q_cmd_ = Vector7d::Zero();
  Vector7d qdot_ref_ = Vector7d::Zero();  // reference joint velocity of the interpolation (rad/s)
  double control_period_s_;               // time one action is applied for (s)
  double gripper_cmd_ = 0.04;  // per-finger opening target (m), 0..0.04, rate-limited
  bool gripper_closed_ = false;  // latched gripper state

  DataPtr scratch_;              // kinematics-only copy for the IK iterations
  std::vector<mjtNum> jacp_, jacr_;  // 3 x nv each
};

}  // namespace wambench
