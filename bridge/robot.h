// The robot interface of the sim-to-real bridge (DESIGN.md "bridge/"): what `wambench real` drives.
// A simulated arm (SimRobot), the networked twin (TwinRobot, bridge/twin_robot.h) and a real arm
// over ROS 1 (RosRobot, bridge/ros_robot.h) implement it, so the runtime (bridge/runtime.h) is the
// same code for all of them. No ROS, ZeroMQ or other transport types appear here.
//
// Units and frames are the simulator's (DESIGN.md): SI units, the world frame of the MuJoCo scene
// (x forward from the robot base, z up, origin on the table under the base). Time stamps are
// seconds on the runtime's monotonic clock, bridge_clock_s().
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "sim/env.h"

namespace wambench {

class TaskEnv;

/// Seconds on the runtime's monotonic clock (std::chrono::steady_clock). Every time stamp of the
/// bridge is on this clock; drivers convert their transport's stamps (the twin's clock, ROS time)
/// to it.
double bridge_clock_s();

/// An observation with the times its parts were captured.
struct TimedObservation {
  /// Camera images and proprioception, exactly as the simulator's Env::observe() gives them (same
  /// cameras, image size, colour order RGB, row 0 = top; same units and frames). On a real robot the
  /// camera pipeline (bridge/camera_pipeline.h) has already cropped and resized the images.
  Observation observation;
  /// Camera name -> capture time of its image (bridge_clock_s()). Same keys as observation.images.
  std::map<std::string, double> image_stamp_s;
  /// Capture time of the proprioception (EE pose, gripper, joints) (bridge_clock_s()).
  double state_stamp_s = 0;
  /// Increases by one with every new observation the robot produced since the episode started
  /// (0 = the first). A driver that returns the same observation again returns the same sequence.
  uint64_t sequence = 0;
  /// Age of the oldest part at `now_s`: now_s minus the smallest of state_stamp_s and the image
  /// stamps (s, >= 0 for stamps in the past).
  double age_s(double now_s) const;
};

/// One command to the robot, after the safety filter (bridge/safety.h).
struct RobotCommand {
  /// The normalized 7-D action (DESIGN.md "Actions": [dx, dy, dz, droll, dpitch, dyaw, gripper],
  /// each in [-1, 1]) that Env::step would execute. Simulated robots execute exactly this, so a run
  /// on SimRobot reproduces `wambench eval` bit for bit.
  Action action{};
  /// The absolute end-effector target the action leads to (world frame, m): the previous target
  /// moved by action[0:3] * ArmControllerConfig::max_translation_per_step_m. What a real arm's
  /// Cartesian controller is sent (franka_ros' equilibrium pose).
  std::array<double, 3> ee_target_pos_m{};
  /// Its orientation, unit quaternion (w, x, y, z), w >= 0: the previous target rotated by the
  /// rotation vector action[3:6] * max_rotation_per_step_rad about world x, y, z (applied on the left).
  std::array<double, 4> ee_target_quat_wxyz{1, 0, 0, 0};
  /// Gripper latch command: true = close, false = open (action[6] > +0.1 closes, < -0.1 opens,
  /// in between keeps the last latch, ArmControllerConfig::gripper_deadband).
  bool gripper_close = false;
  /// True for a hold: keep the current end-effector target and gripper latch (action = 0 except the
  /// gripper component, which repeats the latch). Every exit path of the runtime ends with one.
  bool hold = false;
  /// TimedObservation::sequence of the observation the command was computed from.
  uint64_t answers_sequence = 0;
  /// Time the command was issued (bridge_clock_s()).
  double issued_s = 0;
};

/// A command that keeps the robot where it is: `hold` set, action zero but for the gripper
/// component (+1 if `gripper_close`, else -1), the target given.
RobotCommand make_hold_command(const std::array<double, 3>& target_pos_m, const std::array<double, 4>& target_quat_wxyz,
                               bool gripper_close);

/// A typed failure of the robot or of its connection.
class RobotFault : public std::runtime_error {
 public:
  enum class Kind {
    kDisconnected,      ///< the connection to the robot (twin, ROS master, driver) was lost
    kTimeout,           ///< the robot did not answer within its time limit
    kStaleObservation,  ///< observations stopped arriving or are older than the limit
    kProtocol,          ///< a malformed or unexpected message
    kHardware,          ///< the robot reported an error (reflex, controller fault, joint limit)
    kEmergencyStop,     ///< an operator stop (SIGINT, the stop key)
    kConfig,            ///< a bad robot configuration
  };
  RobotFault(Kind kind, const std::string& message);
  Kind kind() const { return kind_; }

 private:
  Kind kind_;
};

/// Name of a fault kind, e.g. "disconnected", "stale_observation".
const char* to_string(RobotFault::Kind kind);

/// What the runtime tells a robot at the start of an episode: the same episode identity as the
/// simulation sweep, so simulated robots (and the twin) set up exactly the sweep's initial scene
/// and a real setup is placed by the operator from the same seed's setup card.
struct EpisodeSetup {
  std::string task;         ///< task name, e.g. "pick_place"
  std::string split;        ///< split name, e.g. "train"
  int64_t index = 0;        ///< episode index within (task, split)
  uint64_t base_seed = 0;   ///< the sweep's base seed
  std::string instruction;  ///< the episode's instruction (the Variation's)
  int horizon_steps = 0;    ///< control steps before the episode ends without success
};

/// The robot, as the runtime drives it. Not thread-safe except hold() (called by the runtime's
/// watchdog thread while the control loop may be inside act()).
class Robot {
 public:
  virtual ~Robot() = default;
  /// Short driver name: "sim", "twin", "ros".
  virtual std::string name() const = 0;

  /// Prepares an episode: simulated robots reset their scene to episode (task, split, index) under
  /// base_seed, exactly as `wambench eval` does; a real robot moves the arm to its start pose (the
  /// ready posture, gripper open) once the operator has placed the objects.
  /// @throws RobotFault if the robot cannot (e.g. disconnected) or the task is unknown (kConfig).
  virtual void start_episode(const EpisodeSetup& setup) = 0;

  /// The newest observation. Robots on their own clock block until an observation newer than the
  /// last one returned (a greater sequence) is available, or their time limit passes, so the
  /// runtime's loop follows the robot's observation stream; a synchronous() robot returns its
  /// current state at once. @throws RobotFault (kDisconnected, kTimeout, kStaleObservation, kProtocol).
  virtual TimedObservation observe() = 0;

  /// Sends one command. Simulated robots that are synchronous() execute it for one control period
  /// before returning; others queue it and return at once.
  /// @throws RobotFault (kDisconnected, kHardware); std::invalid_argument for a command with NaN / Inf.
  virtual void command(const RobotCommand& command) = 0;

  /// Holds the arm where it is (the last target, gripper latch unchanged). Safe to call from
  /// another thread and at any time; never throws (a driver that cannot reach its robot logs it).
  virtual void hold() noexcept = 0;

  /// Ends the episode on the robot's side (hold; simulated robots stop stepping). Never throws.
  virtual void end_episode() noexcept {}

  /// The simulator's success predicate for simulated robots (SimRobot, the twin): true once the
  /// task succeeded. std::nullopt for a real robot, where the operator decides.
  virtual std::optional<bool> success() const { return std::nullopt; }
  /// The furthest sub-goal (progress) where the robot knows it (simulated robots), else nullopt.
  virtual std::optional<int> progress() const { return std::nullopt; }

  /// True if command() executes the control period itself (SimRobot): the runtime then does not
  /// sleep between steps. False for robots that run on their own clock (twin, real arm).
  virtual bool synchronous() const { return false; }

  /// True for robots with a simulator behind them (SimRobot, the twin): they have a success
  /// predicate and privileged access once an episode started. False for a real arm.
  virtual bool simulated() const { return false; }

  /// Privileged simulator access for privileged policies (`scripted`, `bc_state`): SimRobot's own
  /// TaskEnv; the twin's mirror (a local TaskEnv that executes the actions the twin reports it
  /// applied). nullptr for a real robot: the runtime then refuses privileged policies.
  virtual const TaskEnv* privileged() const { return nullptr; }

  /// Driver statistics of the episode for its record (e.g. the twin's injected faults, dropped
  /// frames, round-trip times): a JSON object.
  virtual nlohmann::json episode_stats() const { return nlohmann::json::object(); }
};

}  // namespace wambench
