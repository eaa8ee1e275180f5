// The scenario file of `wambench twin`: the faults the twin injects so it behaves like real
// hardware behind a network. A JSON object; every key is optional (an empty object, or no file at
// all, is the fault-free twin). Example, with every key:
//
//   {
//     "control_hz": 10, "time_scale": 1, "seed": 7, "watchdog_periods": 2,
//     "command_latency":     {"mean_ms": 100, "jitter_ms": 50},
//     "observation_latency": {"mean_ms": 100, "jitter_ms": 50},
//     "frame_drop_probability": 0.1,
//     "sensor_noise": {"ee_pos_std_m": 0.001, "joint_pos_std_rad": 0.002, "gripper_std_m": 0.0005},
//     "camera_miscalibration": {"front": {"translation_m": [0.02, 0, 0], "rotation_deg": [0, 3, 0],
//                                         "fovy_error_deg": 1}},
//     "tracking_lag_periods": 2,
//     "disconnect": {"at_s": 3, "duration_s": 2, "episodes": [0]}
//   }
#pragma once

#include <array>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace wambench {

/// A one-way delay of a link (wall-clock ms). Each message's delay is drawn uniformly from
/// [mean_ms - jitter_ms, mean_ms + jitter_ms] (clamped at 0) with the scenario's seeded RNG; the
/// link is FIFO like a TCP stream, so a message never overtakes an earlier one (its delivery time is
/// at least the previous message's).
struct LatencySpec {
  double mean_ms = 0;    ///< >= 0
  double jitter_ms = 0;  ///< >= 0
  bool active() const { return mean_ms > 0 || jitter_ms > 0; }
};

/// Gaussian noise (standard deviations) added to the proprioception the twin reports. The true
/// simulator state (and its hash) is unaffected.
struct SensorNoiseSpec {
  double ee_pos_std_m = 0;       ///< on each EE position component (m), >= 0
  double joint_pos_std_rad = 0;  ///< on each arm joint position (rad), >= 0
  double gripper_std_m = 0;      ///< on the gripper opening (m), >= 0; the result is clamped at >= 0
  bool active() const { return ee_pos_std_m > 0 || joint_pos_std_rad > 0 || gripper_std_m > 0; }
};

/// Error of one camera's pose and field of view: the twin moves its own MuJoCo camera, so images come
/// from a camera that differs from the nominal one while everything else (physics, proprioception)
/// is unchanged.
struct CameraMiscalibration {
  /// Translation of the camera (m), in the frame of the camera's parent body (the world for `front`,
  /// the hand for `wrist`).
  std::array<double, 3> translation_m{};
  /// Rotation of the camera about its own x, y, z axes (deg), applied in that order (intrinsic
  /// x-y-z Euler angles), on top of its nominal orientation.
  std::array<double, 3> rotation_deg{};
  /// Added to the camera's vertical field of view (deg); the result must stay in (0, 180).
  double fovy_error_deg = 0;
};

/// A lost connection: from `at_s` wall-clock seconds after an episode started, for `duration_s`
/// seconds, the twin neither sends nor receives (messages arriving are discarded, observations due
/// are dropped) and holds the arm (every tick applies a hold, any command still in flight or in the
/// tracking lag is discarded), like a real arm's communication reflex. Ticking goes on.
struct DisconnectSpec {
  double at_s = 0;        ///< >= 0
  double duration_s = 0;  ///< > 0 when the fault is present
  /// Ordinals of the episodes (0 = the first episode this twin process starts) that disconnect;
  /// empty = every episode.
  std::vector<int> episodes;
  bool active() const { return duration_s > 0; }
  /// True if the episode with this ordinal disconnects.
  bool applies_to(int episode_ordinal) const;
};

/// A parsed and validated scenario.
struct TwinScenario {
  /// Control rate of the twin's arm (Hz), > 0: one tick = one control period of the simulator
  /// (EnvConfig::control_frequency_hz). Default 10.
  double control_hz = 10.0;
  /// Wall-clock speed-up, > 0: ticks come every 1 / (control_hz * time_scale) s of wall time (the
  /// simulator still advances 1 / control_hz per tick). > 1 runs faster than real time (tests).
  /// Latencies and the disconnect stay in wall-clock time.
  double time_scale = 1.0;
  /// Seed of every random draw (latencies, frame drops, noise); each episode's stream is derived
  /// from it and the episode's ordinal, so a scenario replays identically.
  uint64_t seed = 0;
  /// An episode's ticks start when its first command arrives (tick 1 applies it), so the time a
  /// runtime needs between start_episode and its first command (policy reset, warm-up) does not turn
  /// into holds; if no command comes, they start this many wall-clock seconds (>= 0) after the reset.
  /// Default 1.
  double start_grace_s = 1.0;
  /// Lockstep (parity runs, not a hardware behaviour): at each tick the twin waits, up to
  /// lockstep_timeout_s of wall time, for the command answering its newest observation to arrive,
  /// so a loaded host that delays the client cannot make a command miss its tick. Without it, only a
  /// client that answers within the period gets SimRobot's exact simulation. Default false.
  bool lockstep = false;
  double lockstep_timeout_s = 1.0;  ///< > 0
  /// The watchdog counts a hold at a tick when this many consecutive ticks (periods, >= 1) had no new
  /// command. Default 2.
  int watchdog_periods = 2;
  LatencySpec command_latency;      ///< client -> twin, per command
  LatencySpec observation_latency;  ///< twin -> client, per observation (capture stamps unchanged)
  /// Probability in [0, 1) that a camera's frame is dropped at a tick (independently per camera): the
  /// observation then carries that camera's previous image with its old capture stamp (a stale
  /// frame). Never at sequence 0.
  double frame_drop_probability = 0;
  SensorNoiseSpec sensor_noise;
  /// Camera name -> its error. The names must be cameras of the twin (checked when it starts).
  std::map<std::string, CameraMiscalibration> camera_miscalibration;
  /// The arm's controller tracks commands late: the command selected at tick k is applied at tick
  /// k + tracking_lag_periods (>= 0); the first ticks of an episode hold.
  int tracking_lag_periods = 0;
  DisconnectSpec disconnect;

  /// Wall-clock seconds between ticks: 1 / (control_hz * time_scale).
  double period_s() const { return 1.0 / (control_hz * time_scale); }
  /// Names of the faults this scenario injects, e.g. ["command_latency", "frame_drops"].
  std::vector<std::string> active_faults() const;
  /// The scenario as JSON (the file's layout, every key).
  nlohmann::json to_json() const;
};

/// Parses a scenario object. @throws std::invalid_argument naming the key (as a path, e.g.
/// "command_latency.mean_ms") and what is valid, for an unknown key, a wrong type or a value out of
/// range.
TwinScenario twin_scenario_from_json(const nlohmann::json& json);

/// Reads and parses a scenario file. @throws std::invalid_argument for a file that cannot be read or
/// is not JSON (naming the file), or as twin_scenario_from_json.
TwinScenario load_twin_scenario(const std::string& path);

}  // namespace wambench
