#include "bridge/robot_config.h"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>

#include "bridge/calibration.h"
#include "bridge/sim_robot.h"
#include "bridge/twin_robot.h"
#ifdef WAMBENCH_HAVE_ROS
#include "bridge/ros_robot.h"
#endif

namespace wambench {
namespace {

[[noreturn]] void bad(const std::string& source, const std::string& what) { throw std::invalid_argument(source + ": " + what); }

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
  return s;
}

}  // namespace

std::vector<std::string> robot_drivers() {
  std::vector<std::string> d = {"sim", "twin"};
#ifdef WAMBENCH_HAVE_ROS
  d.push_back("ros");
#endif
  return d;
}

nlohmann::json RobotConfig::to_json() const {
  nlohmann::json j = {{"driver", driver},     {"control_hz", control_hz},
                      {"image_size", image_size}, {"cameras", cameras},
                      {"calibration", calibration}, {"safety", wambench::to_json(safety)}};
  if (driver != "sim") j[driver] = driver_config;
  return j;
}

RobotConfig robot_config_from_json(const nlohmann::json& j, const std::string& source, const std::string& base_dir) {
  if (!j.is_object()) bad(source, "a robot config must be a JSON object");
  static const std::vector<std::string> kKeys = {"driver", "control_hz", "image_size", "cameras",
                                                 "calibration", "safety", "twin", "ros"};
  for (const auto& [k, v] : j.items())
    if (std::find(kKeys.begin(), kKeys.end(), k) == kKeys.end()) bad(source, "unknown key '" + k + "' (valid: " + join(kKeys) + ")");
  RobotConfig c;
  c.source = source;
  const std::vector<std::string> drivers = robot_drivers();
  if (!j.contains("driver") || !j["driver"].is_string())
    bad(source, "'driver' is missing (valid: " + join(drivers) + ")");
  c.driver = j["driver"].get<std::string>();
  if (std::find(drivers.begin(), drivers.end(), c.driver) == drivers.end())
    bad(source, "unknown driver '" + c.driver + "' (this build has: " + join(drivers) +
                    (c.driver == "ros" ? "; the ROS 1 driver is built when Debian's libroscpp-dev is installed" : "") + ")");
  if (j.contains("control_hz")) {
    if (!j["control_hz"].is_number() || !(j["control_hz"].get<double>() > 0) || j["control_hz"].get<double>() > 1000)
      bad(source, "'control_hz' must be a number in (0, 1000]");
    c.control_hz = j["control_hz"].get<double>();
  }
  if (j.contains("image_size")) {
    if (!j["image_size"].is_number_integer() || j["image_size"].get<int>() < 16 || j["image_size"].get<int>() > 1024)
      bad(source, "'image_size' must be an integer in 16..1024 (pixels)");
    c.image_size = j["image_size"].get<int>();
  }
  if (j.contains("cameras")) {
    if (!j["cameras"].is_array() || j["cameras"].empty()) bad(source, "'cameras' must be a non-empty array of camera names");
    c.cameras.clear();
    for (const auto& cam : j["cameras"]) {
      if (!cam.is_string() || (cam != "front" && cam != "wrist"))
        bad(source, "'cameras' entries must be \"front\" or \"wrist\" (the simulator's cameras)");
      c.cameras.push_back(cam.get<std::string>());
    }
  }
  if (j.contains("calibration")) {
    if (!j["calibration"].is_string()) bad(source, "'calibration' must be a file name");
    std::filesystem::path p = j["calibration"].get<std::string>();
    if (p.is_relative()) p = std::filesystem::path(base_dir) / p;
    c.calibration = p.string();
    read_calibration(c.calibration);  // validated now, not at the first episode
  }
  if (j.contains("safety")) {
    try {
      c.safety = safety_limits_from_json(j["safety"]);
    } catch (const std::invalid_argument& e) {
      bad(source, std::string("'safety': ") + e.what());
    }
  }
  if (c.driver != "sim") {
    if (!j.contains(c.driver) || !j[c.driver].is_object())
      bad(source, "driver '" + c.driver + "' needs its section \"" + c.driver + "\": {...}");
    c.driver_config = j[c.driver];
    // The driver's own parser checks its section now, not at the first episode.
    try {
      if (c.driver == "twin") twin_robot_config_from_json(c.driver_config);
#ifdef WAMBENCH_HAVE_ROS
      if (c.driver == "ros") ros_robot_config_for(c.driver_config, c.cameras, c.image_size);
#endif
    } catch (const std::exception& e) {
      bad(source, "'" + c.driver + "': " + e.what());
    }
  }
  return c;
}

RobotConfig read_robot_config(const std::string& path) {
  std::ifstream f(path);
  if (!f) throw std::invalid_argument("cannot read robot config '" + path + "'");
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(f);
  } catch (const nlohmann::json::parse_error& e) {
    throw std::invalid_argument(path + ": malformed JSON: " + e.what());
  }
  return robot_config_from_json(j, path, std::filesystem::path(path).parent_path().string());
}

std::unique_ptr<Robot> make_robot(const RobotConfig& c, bool render) {
  if (c.driver == "sim") {
    EnvConfig env;
    env.image_height = env.image_width = c.image_size;
    env.cameras = c.cameras;
    env.render = render;
    std::function<void(mjModel*)> edit;
    if (!c.calibration.empty()) {
      const Calibration calibration = read_calibration(c.calibration);
      edit = [calibration](mjModel* m) { apply_calibration(m, calibration); };
    }
    return std::make_unique<SimRobot>(env, edit);
  }
  if (c.driver == "twin") {
    if (!c.calibration.empty())
      throw RobotFault(RobotFault::Kind::kConfig, c.source + ": a twin has no calibration of its own; give its "
                                                             "camera errors in the twin's scenario file");
    return std::make_unique<TwinRobot>(twin_robot_config_from_json(c.driver_config));
  }
#ifdef WAMBENCH_HAVE_ROS
  if (c.driver == "ros") {
    try {
      return std::make_unique<RosRobot>(ros_robot_config_for(c.driver_config, c.cameras, c.image_size));
    } catch (const std::invalid_argument& e) {
      throw RobotFault(RobotFault::Kind::kConfig, c.source + ": " + e.what());
    }
  }
#endif
  throw RobotFault(RobotFault::Kind::kConfig, c.source + ": driver '" + c.driver + "' is not available in this build");
}

}  // namespace wambench
