// The simulation environment: one MuJoCo scene with the arm, stepped at the control rate.
#pragma once

#include <array>
#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <mujoco/mujoco.h>

#include "sim/arm_controller.h"
#include "sim/image.h"
#include "sim/model.h"
#include "sim/renderer.h"

namespace wambench {

/// Dimension of an action: [dx, dy, dz, droll, dpitch, dyaw, gripper] (DESIGN.md "Actions").
/// The gripper component is a binary latch command with hysteresis (> +0.1 closes, < -0.1 opens,
/// in between keeps the state; the fingers then move at 0.1 m/s of opening): see ArmController
/// and ArmControllerConfig::gripper_deadband / gripper_speed_m_s.
inline constexpr int kActionDim = 7;
using Action = std::array<double, kActionDim>;

/// Raised by Env::step for a malformed action (wrong length, NaN or Inf). The simulator state is
/// left unchanged.
class InvalidActionError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

/// Raised when the simulation becomes unstable (NaN / Inf in the state, or MuJoCo's
/// bad-acceleration / instability warnings). The message carries MuJoCo's warning and the time.
class SimulationError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Configuration of an Env. All fields have working defaults (the bundled default scene).
struct EnvConfig {
  /// MJCF scene file. Empty = the bundled default scene, asset_path("scene.xml").
  std::string scene_path;
  /// Physics step (s). Overrides the MJCF's <option timestep>. Default 2 ms (500 Hz).
  double physics_timestep_s = 0.002;
  /// Control rate (Hz): one step() = round(1 / (control_frequency_hz * physics_timestep_s))
  /// physics steps. Default 10 Hz (50 physics steps per action).
  double control_frequency_hz = 10.0;
  /// Camera image size (pixels). Default 128 x 128.
  int image_height = 128;
  int image_width = 128;
  /// Cameras rendered by observe(), by MJCF name. Default {"front", "wrist"}.
  std::vector<std::string> cameras = {"front", "wrist"};
  /// If false, observe() renders no images and no OpenGL context is created.
  bool render = true;
  RenderConfig render_config;
  /// Makes the OpenGL context the camera renderer draws in (e.g. a wrapper of the viewer's window,
  /// so its panels show the images exactly as the policy sees them). Empty = a new headless context
  /// (GlContext::create(), EGL or OSMesa).
  std::function<std::unique_ptr<GlContext>()> gl_context_factory;
  ArmControllerConfig controller;
};

/// What the policy sees after each step (DESIGN.md conventions: SI units, world frame).
struct Observation {
  /// Camera name -> H x W x 3 RGB image, row 0 = top. Keys are EnvConfig::cameras.
  std::map<std::string, Image> images;
  std::array<double, 3> ee_pos_m{};          ///< EE (tool centre point) position, world frame (m)
  std::array<double, 4> ee_quat_wxyz{};      ///< EE orientation, world frame, (w, x, y, z), w >= 0
  /// EE orientation as the continuous 6-D rotation representation of Zhou et al., "On the
  /// Continuity of Rotation Representations in Neural Networks" (CVPR 2019): the first two columns
  /// of the world-frame rotation matrix, (r00, r10, r20, r01, r11, r21), each in [-1, 1]. Unlike the
  /// quaternion (whose sign flips near w = 0, e.g. a hand pointing down) it is continuous in the
  /// pose, so learned policies read it; the quaternion stays for people and records.
  std::array<double, 6> ee_rot6d{};
  double gripper_opening_m = 0;              ///< distance between finger pads, 0..0.08 m
  std::array<double, kArmDof> joint_pos_rad{};  ///< arm joint positions (rad)
  double time_s = 0;                         ///< simulation time since reset (s)
};

/// Wall-clock cost of the last step / observe, for the runner's timing breakdown.
struct StepTiming {
  double physics_s = 0;  ///< controller + mj_step calls
  double render_s = 0;   ///< last observe()'s rendering + readback
};

/// One simulated scene with the arm. Not thread-safe; create one per worker.
///
/// Life cycle: construct (compiles the scene, creates a GL context if rendering) -> reset() ->
/// step(action) / observe() ... -> reset() for the next episode.
class Env {
 public:
  /// Loads EnvConfig::scene_path. @throws ModelLoadError (missing/malformed MJCF, naming the file
  /// and MuJoCo's message), GlError (no OpenGL backend), std::invalid_argument (bad config values).
  explicit Env(const EnvConfig& config = {});
  /// Uses an already compiled scene (e.g. one a task generated).
  Env(ModelPtr model, const EnvConfig& config);
  ~Env();
  Env(const Env&) = delete;
  Env& operator=(const Env&) = delete;

  /// Resets to t = 0: model defaults (qpos0) for everything, the arm in kReadyJointPosRad with the
  /// gripper open, zero velocities. `initialize`, if given, then edits the state (e.g. places
  /// objects; it must not step physics); the controller re-targets to the resulting state.
  void reset(const std::function<void(const mjModel*, mjData*)>& initialize = nullptr);

  /// Applies one action for one control period (physics_steps_per_control() physics steps).
  /// Components outside [-1, 1] are clipped to [-1, 1] (documented saturation, not an error).
  /// @throws InvalidActionError if the action has != 7 elements or a NaN / Inf (state unchanged).
  /// @throws SimulationError if the physics became unstable during the step.
  void step(const std::vector<double>& action);
  void step(const Action& action);

  /// Current observation; renders the configured cameras (if rendering is enabled).
  Observation observe();

  /// Physics steps per control step.
  int physics_steps_per_control() const { return substeps_; }
  const EnvConfig& config() const { return config_; }
  const StepTiming& last_timing() const { return timing_; }

  const mjModel* model() const { return model_.get(); }
  mjModel* mutable_model() { return model_.get(); }
  const mjData* data() const { return data_.get(); }
  mjData* mutable_data() { return data_.get(); }
  ArmController& controller() { return *controller_; }
  const ArmController& controller() const { return *controller_; }
  /// The renderer, or nullptr if EnvConfig::render is false.
  Renderer* renderer() { return renderer_.get(); }

 private:
  void step_checked(const double* action, size_t n);
  void check_stability() const;

  EnvConfig config_;
  ModelPtr model_;
  DataPtr data_;
  std::unique_ptr<ArmController> controller_;
  std::unique_ptr<Renderer> renderer_;
  std::vector<int> camera_ids_;
  int substeps_ = 50;
  StepTiming timing_;
};

}  // namespace wambench
