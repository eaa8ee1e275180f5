// The robot config file of `wambench real` (ROBOT.json): which driver, its connection, the control
// rate, the observation's cameras and image size, the camera calibration and the safety limits.
//
//   {"driver": "sim" | "twin" | "ros",
//    "control_hz": 10,                 // control rate (Hz), as the simulator's
//    "image_size": 128,                // observation images (pixels, square), the policy's input size
//    "cameras": ["front", "wrist"],    // camera names, as in the simulator
//    "calibration": "calibration.json",  // optional; relative paths are relative to this file
//    "safety": {...},                  // bridge/safety.h SafetyLimits (defaults = the simulator's limits)
//    "twin": {...},                    // driver "twin": bridge/twin_robot.h
//    "ros": {...}}                     // driver "ros": bridge/ros_robot.h
// examples/real/ holds one file per driver.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bridge/robot.h"
#include "bridge/safety.h"

namespace wambench {

/// A parsed robot config.
struct RobotConfig {
  std::string driver = "sim";  ///< "sim", "twin" or "ros" (robot_drivers())
  double control_hz = 10.0;    ///< (0, 1000]
  int image_size = 128;        ///< 16..1024
  std::vector<std::string> cameras = {"front", "wrist"};
  std::string calibration;     ///< calibration file (absolute, or "" for none)
  SafetyLimits safety;
  nlohmann::json driver_config = nlohmann::json::object();  ///< the driver's own section ("twin" / "ros")
  std::string source;          ///< the file it was read from (for messages)
  /// The config as JSON (written into the run's manifest).
  nlohmann::json to_json() const;
};

/// The drivers this build has: "sim", "twin", and "ros" when built with ROS 1.
std::vector<std::string> robot_drivers();

/// Parses a robot config. Relative paths resolve against `base_dir`.
/// @throws std::invalid_argument naming `source` and the key: unknown keys, an unknown driver
/// (listing the drivers of this build), out-of-range numbers, a driver section that its driver rejects.
RobotConfig robot_config_from_json(const nlohmann::json& j, const std::string& source, const std::string& base_dir);
/// Reads and parses a robot config file. @throws std::invalid_argument (missing file, malformed JSON,
/// or as robot_config_from_json).
RobotConfig read_robot_config(const std::string& path);

/// Creates the configured robot. `render` false skips camera rendering on simulated robots (for
/// policies that read no images). The calibration, if any, moves the simulated cameras (SimRobot;
/// the twin applies its own).
/// @throws RobotFault (kConfig, kDisconnected) if the robot cannot be created or reached.
std::unique_ptr<Robot> make_robot(const RobotConfig& config, bool render);

}  // namespace wambench
