// The safety filter of the sim-to-real bridge (issue 15, "Safety filter"): always on between the
// policy and the robot. It turns the policy's proposed action into the RobotCommand a robot is sent
// (bridge/robot.h), enforcing a workspace box, end-effector speed and per-step change limits, a
// tool-orientation cone and joint-limit margins, and replacing NaN / Inf output and stale
// observations by a hold. Every change it makes is reported as an Intervention with its reason.
//
// Units and frames are the simulator's (DESIGN.md): SI units, world frame (z up), quaternions
// (w, x, y, z). Motions are per control step: an action component of magnitude 1 moves the EE
// target by ArmControllerConfig::max_translation_per_step_m (m) or rotates it by
// max_rotation_per_step_rad (rad), exactly as ArmController::set_action integrates it.
#pragma once

#include <array>
#include <map>
#include <string>
#include <vector>

#include <Eigen/Dense>
#include <nlohmann/json.hpp>

#include "bridge/robot.h"
#include "sim/arm_controller.h"
#include "sim/env.h"
#include "sim/model.h"

namespace wambench {

/// Limits of the safety filter: the robot config's "safety" object (safety_limits_from_json).
///
/// The defaults are the simulator controller's own envelope (ArmControllerConfig at 10 Hz), so that
/// a run on the simulator through the filter with default limits is unchanged (bit for bit) by it;
/// a real robot's config sets them tighter. Speeds and step changes are Euclidean norms of the
/// per-step EE target motion (translation vector, m; rotation vector, rad).
struct SafetyLimits {
  /// Box (world frame, m) the EE *target* must stay in: min and max corner. Default: the
  /// controller's box, ArmControllerConfig::workspace_min_m / workspace_max_m
  /// ({-0.10, -0.85, 0.005} .. {1.00, 0.85, 1.00}). Each min < max.
  std::array<double, 3> workspace_min_m = ArmControllerConfig{}.workspace_min_m;
  std::array<double, 3> workspace_max_m = ArmControllerConfig{}.workspace_max_m;
  /// Maximum EE linear speed (m/s, > 0): the per-step target translation is at most
  /// max_linear_speed_m_s / control_hz (Euclidean norm). Default sqrt(3) x 0.5 = 0.8660 m/s: the
  /// controller's 0.05 m per step and axis at 10 Hz is 0.5 m/s along one axis and sqrt(3) x 0.5 m/s
  /// along a diagonal (all three components at 1), so the default never binds for actions in
  /// [-1, 1]. A real arm's config sets e.g. 0.25 (Franka's Cartesian limit is 1.7 m/s).
  double max_linear_speed_m_s = 0.86602540378443871;
  /// Maximum EE angular speed (rad/s, > 0): the per-step rotation vector's norm is at most
  /// max_angular_speed_rad_s / control_hz. Default sqrt(3) x 2.5 = 4.330 rad/s (the controller's
  /// 0.25 rad per step and axis at 10 Hz, all three components at 1; Franka's limit is 2.5 rad/s).
  double max_angular_speed_rad_s = 4.3301270189221932;
  /// Bound on the change of the per-step translation between consecutive commands (m, > 0):
  /// |d_t - d_(t-1)| <= this, an acceleration bound that stops oscillation. Default 0.1732 m = 2 x
  /// the largest per-step translation of actions in [-1, 1] (sqrt(3) x 0.05 m), so it never binds
  /// for them.
  double max_linear_step_change_m = 0.17320508075688773;
  /// The same for the per-step rotation vector (rad, > 0). Default 0.8660 rad = 2 x sqrt(3) x 0.25.
  double max_angular_step_change_rad = 0.8660254037844386;
  /// Maximum angle (deg, in (0, 180]) between the tool's approach axis (the "ee" site's local +z,
  /// which points straight down, world -z, in the ready pose) and world -z. Default 135 deg: the
  /// scripted experts reach at most 120.35 deg over all six tasks (pour tips the cup past
  /// horizontal; the other five stay under 6 deg), measured with
  /// `WAMBENCH_SAFETY_EPISODES=3 bridge_safety_tests --gtest_filter='*PassThrough*'` (3 episodes
  /// per task and split, 72 episodes). A real robot config that does not pour sets e.g. 30.
  double tool_cone_deg = 135.0;
  /// Whether the filter scales motion for joint-limit margins (below). Default false: the
  /// simulator's controller keeps its IK joint targets joint_limit_margin_rad inside the limits
  /// itself (ArmController), and the scripted experts do drive joint 7 into that margin (pick_place
  /// yaws while aligning to the object: a first-order prediction of 3.0 rad against the 2.8973 rad
  /// limit), so a check on by default would change actions the simulator executes safely and break
  /// the sim run's bit-for-bit parity with `wambench eval`. A real arm whose Cartesian controller
  /// does not clamp joints (franka_ros' impedance controller) must set it true in its config.
  bool check_joint_margins = false;
  /// Joints stay this far inside their limits (rad, in [0, 0.5)) when check_joint_margins is set:
  /// a command whose predicted joint motion (Jacobian of the "ee" site at the observed joints,
  /// damped least squares) would bring a joint closer than this to its limit while moving towards
  /// it is scaled down, translation and rotation together, to zero if needed. Default 0.05, the
  /// controller's ArmControllerConfig::joint_limit_margin_rad.
  double joint_limit_margin_rad = 0.05;
  /// Observations older than this (TimedObservation::age_s at the time of filtering, s, > 0) are
  /// stale: the command is a hold. Default 0.25 s (2.5 periods at 10 Hz).
  double stale_observation_s = 0.25;
  /// The watchdog (bridge/watchdog.h) holds the arm when no command was sent for this many control
  /// periods (> 0). Default 2.
  double command_timeout_periods = 2.0;
};

/// Reads the robot config's "safety" object. Missing keys keep their defaults.
/// Keys: workspace_min_m, workspace_max_m (arrays of 3 numbers), max_linear_speed_m_s,
/// max_angular_speed_rad_s, max_linear_step_change_m, max_angular_step_change_rad, tool_cone_deg,
/// joint_limit_margin_rad, stale_observation_s, command_timeout_periods (numbers), check_joint_margins
/// (boolean).
/// @throws std::invalid_argument if `j` is not an object, for an unknown key (listing the valid
/// ones), and for a bad value (wrong type, not finite, out of range, min >= max corner), naming
/// the key, the value and what is valid.
SafetyLimits safety_limits_from_json(const nlohmann::json& j);
/// All fields, keys as above; safety_limits_from_json(to_json(l)) == l.
nlohmann::json to_json(const SafetyLimits& limits);
/// Checks the ranges documented on SafetyLimits. @throws std::invalid_argument naming the field.
void validate(const SafetyLimits& limits);

/// One change the filter made to a proposed action (or a hold it issued instead).
struct Intervention {
  /// Stable snake_case reason: "non_finite", "action_range", "workspace", "linear_speed",
  /// "angular_speed", "linear_step_change", "angular_step_change", "tool_cone", "joint_margin",
  /// "stale_observation".
  std::string reason;
  /// Human-readable detail with the offending value and the limit, e.g.
  /// "per-step translation 0.0866 m > 0.05 m (max_linear_speed_m_s 0.5 at 10 Hz)".
  std::string message;
};

/// {"reason": ..., "message": ...}, for the episode's record.
nlohmann::json to_json(const Intervention& intervention);

/// The reasons, in the order the filter applies them.
const std::vector<std::string>& intervention_reasons();

/// The filter's answer for one proposed action.
struct SafetyDecision {
  /// What to send to the robot (a hold when `command.hold`).
  RobotCommand command;
  /// What the filter changed, in the order it applied the limits; empty when the action passed
  /// unchanged.
  std::vector<Intervention> interventions;
  /// Joint positions (rad) the command's per-step motion is predicted to lead to, from the observed
  /// joints (first-order, the Jacobian's damped least-squares solve); equals the observed joints
  /// for a hold.
  std::array<double, kArmDof> predicted_joint_pos_rad{};
};

/// The safety filter. One per robot; not thread-safe (the control loop's thread calls it).
///
/// It keeps its own EE target, integrated from the actions it passes exactly as
/// ArmController::set_action integrates its target (translation a[0:3] * max_translation_per_step_m;
/// rotation vector a[3:6] * max_rotation_per_step_rad applied on the left; then, as the controller
/// does, the target is pulled to within max_target_lead_m / _rad of the *measured* EE pose, so a
/// blocked arm does not wind up a far target, and clamped to the workspace box). That retraction
/// towards the measured pose mirrors the controller and changes the target only, not the action, so
/// it is not an intervention.
///
/// Order of the limits on a proposed action a:
///  1. NaN / Inf in a (non_finite) or in the observation's EE pose / joints -> hold;
///     an observation older than stale_observation_s (stale_observation) -> hold.
///  2. Components outside [-1, 1] are clipped (action_range), as Env::step does (std::clamp).
///  3. Per-step translation d = a[0:3] * s_t and rotation vector r = a[3:6] * s_r: their norms are
///     scaled to the speed limits (linear_speed, angular_speed), then moved to within the step
///     change bounds of the previous command's d and r (linear_step_change, angular_step_change).
///  4. The target translation is clipped per axis to the workspace box (workspace); if the target
///     is already outside (a reset outside the box), only motion towards the box passes. Where the
///     binding bound is no tighter than the controller's own box (`scales` workspace_min_m /
///     _max_m), only the target is limited and the action passes unchanged: a simulated
///     controller clips its own target there identically (so SimRobot runs stay bit-identical to
///     `wambench eval`), and a real arm is sent the limited target.
///  5. A rotation that takes the approach axis outside the tool cone, or further out when the
///     target is already outside, is dropped (tool_cone).
///  6. If check_joint_margins is set and the joint motion predicted for (d, r) brings a joint
///     within joint_limit_margin_rad of its limit while moving towards it, d and r are scaled
///     down together, to zero if needed (joint_margin): translation stops too, even when only the
///     rotation drives the joint.
/// When a limit binds, the action is recomputed from the limited motion (a = d / s_t, r / s_r) so
/// action and target stay consistent; the gripper component is never changed (beyond clipping).
/// When none binds, the action passes bit for bit unchanged. The hard limits (workspace, tool cone,
/// joint margin, hold) take precedence over the step-change bounds: with a step-change bound
/// tighter than one step's motion, stopping at a box face can exceed it (the workspace
/// intervention is logged).
class SafetyFilter {
 public:
  /// `scales`: the controller's scaling (max_translation_per_step_m, max_rotation_per_step_rad,
  /// max_target_lead_m / _rad, gripper_deadband, ik_damping) — the robot's ArmControllerConfig.
  /// `control_hz`: the control rate (Hz, > 0). `scene_path`: MJCF scene whose arm ("ee" site,
  /// joint1..joint7) gives the Jacobian; empty = the bundled default scene asset_path("scene.xml").
  /// @throws std::invalid_argument for invalid limits (validate), control_hz <= 0 or non-positive
  /// scales; ModelLoadError if the scene does not load or lacks the arm's joints / "ee" site.
  SafetyFilter(const SafetyLimits& limits, const ArmControllerConfig& scales, double control_hz,
               const std::string& scene_path = "");
  ~SafetyFilter();
  SafetyFilter(const SafetyFilter&) = delete;
  SafetyFilter& operator=(const SafetyFilter&) = delete;

  /// Starts an episode from the first observation: target = the measured EE pose, gripper latch =
  /// measured (opening > 0.04 m -> open, as ArmController::reset), previous motion zero.
  /// @throws std::invalid_argument if its EE pose or joints are not finite.
  void reset(const TimedObservation& first);

  /// Filters one proposed action against the latest observation at time `now_s` (bridge_clock_s()).
  /// The command's answers_sequence is latest.sequence and issued_s is now_s.
  /// @throws std::logic_error before reset().
  SafetyDecision filter(const Action& proposed, const TimedObservation& latest, double now_s);

  /// A hold at the current target and gripper latch (make_hold_command); resets the previous
  /// motion to zero, so the next command starts from rest. As with the simulator's controller, the
  /// target may lead the measured pose by up to max_target_lead_m / _rad: the arm settles there. Its answers_sequence is 0 and issued_s
  /// is now (bridge_clock_s()).
  /// @throws std::logic_error before reset() (there is no target yet: use Robot::hold()).
  RobotCommand hold_command();

  /// Number of interventions per reason since construction: a JSON object with every reason of
  /// intervention_reasons() as key (0 where none), plus "commands" (filter() calls) and "holds".
  nlohmann::json counts() const;

  /// Current EE target (world frame, m) and orientation (w, x, y, z), w >= 0.
  const Eigen::Vector3d& target_pos_m() const { return target_pos_; }
  std::array<double, 4> target_quat_wxyz() const;
  /// Current gripper latch (true = closed).
  bool gripper_closed() const { return gripper_closed_; }

  /// Angle (deg) between the approach axis (third column) of `rot` and world -z.
  static double tool_angle_deg(const Eigen::Matrix3d& rot);
  /// Predicted joint motion (rad) for a per-step EE translation `d_m` and rotation vector `r_rad`
  /// (world frame) from joint positions `q`: dq = J^T (J J^T + lambda^2 I)^-1 [d; r], J the 6 x 7
  /// Jacobian of the "ee" site, lambda = ArmControllerConfig::ik_damping (as the controller's IK).
  std::array<double, kArmDof> predict_joint_motion(const std::array<double, kArmDof>& q, const Eigen::Vector3d& d_m,
                                                   const Eigen::Vector3d& r_rad);
  /// Joint limits (rad) of the arm, from the scene.
  const std::array<double, kArmDof>& joint_min_rad() const { return qmin_; }
  const std::array<double, kArmDof>& joint_max_rad() const { return qmax_; }
  const SafetyLimits& limits() const { return limits_; }
  double control_hz() const { return control_hz_; }

 private:
  SafetyDecision make_hold(const TimedObservation& latest, double now_s, Intervention why);
  void count(const std::vector<Intervention>& interventions);
  Eigen::Matrix<double, 6, kArmDof> jacobian(const std::array<double, kArmDof>& q);

  SafetyLimits limits_;
  ArmControllerConfig scales_;
  double control_hz_;
  ModelPtr model_;
  DataPtr data_;
  int ee_site_ = -1;
  std::array<int, kArmDof> qpos_adr_{}, dof_adr_{};
  std::array<double, kArmDof> qmin_{}, qmax_{};
  std::vector<mjtNum> jacp_, jacr_;

  bool started_ = false;
  Eigen::Vector3d target_pos_ = Eigen::Vector3d::Zero();
  Eigen::Matrix3d target_rot_ = Eigen::Matrix3d::Identity();
  Eigen::Vector3d prev_d_ = Eigen::Vector3d::Zero();  // previous per-step translation (m)
  Eigen::Vector3d prev_r_ = Eigen::Vector3d::Zero();  // previous per-step rotation vector (rad)
  bool gripper_closed_ = false;
  std::map<std::string, int64_t> counts_;
  int64_t commands_ = 0;
  int64_t holds_ = 0;
};

}  // namespace wambench
