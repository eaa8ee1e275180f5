// RosRobot: the robot interface (bridge/robot.h) for a real arm driven through ROS 1 (Debian's
// roscpp, the Noetic line). No ROS type appears in this header (the driver's ROS state is behind a
// pointer to an implementation), so a ROS 2 driver can sit beside it with the same config.
//
// Topics (names in RosRobotConfig, the robot config file's "ros" object):
//   subscribed  sensor_msgs/Image           one per camera (rgb8 / bgr8 / rgba8 / bgra8 / mono8),
//                                           through the camera pipeline (bridge/camera_pipeline.h)
//               sensor_msgs/JointState      the 7 arm joints and the finger joint(s), by name
//               geometry_msgs/PoseStamped   the measured end-effector (tool centre point) pose in
//                                           the robot's base frame
//   published   geometry_msgs/PoseStamped   the end-effector target in the base frame: the
//                                           convention of franka_ros' Cartesian impedance controller
//                                           (cartesian_impedance_example_controller/equilibrium_pose)
//               std_msgs/Float64            the gripper target width (m): 0 = closed, 0.08 = open
//                                           (Debian has no franka_gripper action messages)
//               std_msgs/String             (optional) the episode as JSON at start_episode()
//
// The library wambench_bridge_ros (RosRobot) is built only where CMake finds roscpp and the message
// packages; it then defines WAMBENCH_HAVE_ROS for its users. The config part (RosRobotConfig, its
// JSON reader and the frame conversions) is in wambench_bridge_robot and always available.
#pragma once

#include <array>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bridge/camera_pipeline.h"
#include "bridge/robot.h"

namespace wambench {

/// One camera of a ROS robot.
struct RosCameraConfig {
  /// The observation's camera name, as in the simulator (EnvConfig::cameras), e.g. "front".
  std::string name;
  /// sensor_msgs/Image topic, e.g. "/camera/front/image_raw".
  std::string topic;
  /// Crop / flip / resize of its frames to the policy's image.
  CameraPipelineConfig pipeline;
};

/// A rigid transform: position (m) and orientation (unit quaternion w, x, y, z).
struct RigidPose {
  std::array<double, 3> pos_m{0, 0, 0};
  std::array<double, 4> quat_wxyz{1, 0, 0, 0};
};

/// Everything RosRobot needs to know about the arm's ROS interface. Defaults: a Franka Panda under
/// franka_ros names, the simulator's cameras "front" and "wrist" at 128 x 128.
struct RosRobotConfig {
  /// ROS master URI, e.g. "http://127.0.0.1:11311". Empty = the ROS_MASTER_URI environment variable.
  std::string master_uri;
  /// Name of the driver's ROS node (anonymized with a suffix, so two drivers can run at once).
  std::string node_name = "wambench_real";
  /// Cameras, in the observation's order. At least one.
  std::vector<RosCameraConfig> cameras = {
      {"front", "/camera/front/image_raw", {}},
      {"wrist", "/camera/wrist/image_raw", {}},
  };
  /// sensor_msgs/JointState topic.
  std::string joint_states_topic = "/joint_states";
  /// Names of the 7 arm joints in JointState, in the simulator's order (joint1 .. joint7).
  std::array<std::string, 7> arm_joint_names = {"panda_joint1", "panda_joint2", "panda_joint3", "panda_joint4",
                                                "panda_joint5", "panda_joint6", "panda_joint7"};
  /// Finger joint names (1 or 2, positions in m). Gripper opening = the sum of the two finger
  /// positions, or twice the one finger's position.
  std::vector<std::string> finger_joint_names = {"panda_finger_joint1", "panda_finger_joint2"};
  /// geometry_msgs/PoseStamped topic of the measured EE pose (in base_frame_id).
  std::string ee_pose_topic = "/ee_pose";
  /// geometry_msgs/PoseStamped topic of the EE target (franka_ros' Cartesian impedance controller).
  std::string target_topic = "/cartesian_impedance_example_controller/equilibrium_pose";
  /// std_msgs/Float64 topic of the gripper target width (m).
  std::string gripper_topic = "/gripper/target_width";
  /// std_msgs/String topic of the episode JSON; empty = not published.
  std::string episode_topic = "/wambench/episode";
  /// frame_id of the robot's base frame: stamped on published targets; a measured EE pose in another
  /// (non-empty) frame is a protocol fault.
  std::string base_frame_id = "panda_link0";
  /// Pose of the robot's base frame in the simulator's world frame (X_WB). The simulated Panda's
  /// base (link0 in assets/robot/panda.xml) is the world origin, unrotated: the identity.
  RigidPose base_in_world;
  /// The start pose of every episode, world frame: the simulator's EE pose at the ready joints
  /// kReadyJointPosRad (measured with `wambench` on pick_place: (0.30689, 0, 0.48688) m, pointing
  /// straight down, quaternion (0, 1, 0, 0)).
  RigidPose start_pose_world{{0.3068905665929411, 0.0, 0.4868820523028394}, {0.0, 1.0, 0.0, 0.0}};
  /// Speed (m/s) and angular speed (rad/s) of the straight-line move to the start pose.
  double start_speed_m_s = 0.1;
  double start_angular_speed_rad_s = 0.5;
  /// Rate (Hz) at which that move's targets are published.
  double start_rate_hz = 20.0;
  /// The move ends once the measured EE is within these of the start pose (m, rad) ...
  double start_tolerance_m = 0.01;
  double start_tolerance_rad = 0.05;
  /// ... and fails with RobotFault kTimeout if that takes longer than this after the line's end (s).
  double start_settle_timeout_s = 10.0;
  /// observe() waits at most this long for a new complete observation (s).
  double observe_timeout_s = 1.0;
  /// Connecting waits at most this long for the master (s).
  double master_timeout_s = 5.0;
};

/// Reads the robot config file's "ros" object. Keys (all optional, defaults of RosRobotConfig):
/// "master_uri", "node_name", "joint_states_topic", "ee_pose_topic", "target_topic",
/// "gripper_topic", "episode_topic", "base_frame_id" (strings); "arm_joint_names" (7 strings);
/// "finger_joint_names" (1 or 2 strings); "cameras": [{"name", "topic", "pipeline": {...}
/// (camera_pipeline_config_from_json)}, ...] (at least one, names unique); "base_in_world",
/// "start_pose_world": {"pos_m": [x, y, z], "quat_wxyz": [w, x, y, z]} (the quaternion is
/// normalized; it must not be zero); "start_speed_m_s", "start_angular_speed_rad_s",
/// "start_rate_hz", "start_tolerance_m", "start_tolerance_rad", "start_settle_timeout_s",
/// "observe_timeout_s", "master_timeout_s" (numbers > 0).
/// @throws std::invalid_argument naming the key for an unknown key (listing the valid ones), a
/// wrong type, a wrong count, an empty topic or name, a zero quaternion or a number <= 0.
RosRobotConfig ros_robot_config_from_json(const nlohmann::json& json);

/// The RosRobotConfig of a robot config file (bridge/robot_config.h): its "ros" object read by
/// ros_robot_config_from_json, made to agree with the file's top-level observation:
///  - without "cameras" in the "ros" object: one camera per name in `cameras`, on topic
///    "/camera/<name>/image_raw";
///  - with it: the same set of names as `cameras` (put in that order);
///  - every pipeline's output is image_size x image_size; a pipeline that names another output size
///    is an error.
/// @throws std::invalid_argument as ros_robot_config_from_json, or naming the camera names of both
/// lists when they differ, or the pipeline whose output size disagrees with image_size.
RosRobotConfig ros_robot_config_for(const nlohmann::json& ros_json, const std::vector<std::string>& cameras,
                                    int image_size);

/// pose in the base frame -> world frame: X_WE = X_WB * X_BE (quaternion w >= 0).
RigidPose base_to_world(const RigidPose& base_in_world, const RigidPose& pose_in_base);
/// pose in the world frame -> base frame: X_BE = X_WB^-1 * X_WE (quaternion w >= 0).
RigidPose world_to_base(const RigidPose& base_in_world, const RigidPose& pose_in_world);

/// The Robot over ROS 1. Connects in the constructor; one instance per process at a time (roscpp
/// keeps one node per process), and every instance of a process talks to the same master (roscpp
/// initializes once: its master URI and node name are those of the first instance). Thread-safety
/// as Robot: hold() may be called from any thread.
///
/// Commands: every command() publishes the target pose and the gripper width (re-sending the width
/// each period costs nothing and survives a lost message or a gripper node that starts late).
class RosRobot final : public Robot {
 public:
  /// Initializes roscpp (no SIGINT handler of its own: the runtime handles SIGINT), waits up to
  /// config.master_timeout_s for the master, then subscribes and advertises.
  /// @throws RobotFault kDisconnected naming the master URI if no master answers in time;
  /// kConfig if another RosRobot exists in the process, if an earlier one in this process used
  /// another master URI, or if no master URI is configured (neither master_uri nor ROS_MASTER_URI).
  explicit RosRobot(const RosRobotConfig& config);
  /// Holds the arm, then shuts roscpp down.
  ~RosRobot() override;
  RosRobot(const RosRobot&) = delete;
  RosRobot& operator=(const RosRobot&) = delete;

  std::string name() const override { return "ros"; }
  /// Publishes the episode JSON (task, split, index, base_seed, instruction, horizon_steps) on the
  /// episode topic (latched), opens the gripper and moves the EE to the start pose along a straight
  /// line at start_speed_m_s / start_angular_speed_rad_s, then waits until the measured EE is within
  /// tolerance. Resets the observation sequence to 0.
  /// @throws RobotFault kTimeout (no EE pose within observe_timeout_s, or not settled within
  /// start_settle_timeout_s, with the remaining distance), kProtocol (only malformed EE poses, e.g.
  /// in another frame), kDisconnected (roscpp shut down).
  void start_episode(const EpisodeSetup& setup) override;
  /// Blocks until every camera sent an image and the joint states topic a message newer than those
  /// of the last observation returned (an EE pose must have arrived too), then returns them: images
  /// through the camera pipelines, EE pose converted to the world frame, stamps converted from ROS
  /// time to bridge_clock_s() (by the offset between ros::Time::now() and bridge_clock_s() at
  /// arrival, so a robot computer's clock must be synchronized with this one, e.g. by chrony, as ROS
  /// itself assumes; an unstamped message counts as captured on arrival); time_s = state stamp
  /// minus the episode start.
  /// @throws RobotFault kDisconnected (master unreachable, or a silent topic has no publisher left)
  /// or kTimeout (a topic has a publisher but sent nothing new) after observe_timeout_s, naming the
  /// silent topics and the wait; kProtocol for a bad message (encoding, missing joint name, frame).
  TimedObservation observe() override;
  /// Publishes command.ee_target_pos_m / quat (world frame, converted to the base frame) and the
  /// gripper width (0 if gripper_close, else 0.08 m). A hold command republishes the last target.
  /// @throws std::invalid_argument for NaN / Inf in the target; RobotFault kDisconnected if roscpp
  /// has shut down.
  void command(const RobotCommand& command) override;
  /// Republishes the last target and gripper width (before any command: the last measured EE pose).
  void hold() noexcept override;
  void end_episode() noexcept override { hold(); }
  nlohmann::json episode_stats() const override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace wambench
