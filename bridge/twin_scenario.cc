#include "bridge/twin_scenario.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>

namespace wambench {
namespace {

[[noreturn]] void bad(const std::string& path, const std::string& what) {
  throw std::invalid_argument("twin scenario: '" + path + "' " + what);
}

void check_keys(const nlohmann::json& j, const std::string& path, const std::set<std::string>& valid) {
  if (!j.is_object()) bad(path.empty() ? "(top level)" : path, "must be a JSON object");
  for (const auto& [key, value] : j.items()) {
    if (valid.count(key)) continue;
    std::string list;
    for (const auto& v : valid) list += (list.empty() ? "" : ", ") + v;
    bad(path.empty() ? key : path + "." + key, "is not a valid key (valid: " + list + ")");
  }
}

std::string join(const std::string& path, const std::string& key) { return path.empty() ? key : path + "." + key; }

double number(const nlohmann::json& j, const std::string& path) {
  if (!j.is_number()) bad(path, "must be a number, got " + j.dump());
  const double d = j.get<double>();
  if (!std::isfinite(d)) bad(path, "must be finite");
  return d;
}

double non_negative(const nlohmann::json& j, const std::string& path) {
  const double d = number(j, path);
  if (d < 0) bad(path, "must be >= 0, got " + j.dump());
  return d;
}

int integer(const nlohmann::json& j, const std::string& path, int min) {
  if (!j.is_number_integer()) bad(path, "must be an integer, got " + j.dump());
  const int64_t v = j.get<int64_t>();
  if (v < min || v > 1000000) bad(path, "must be an integer in [" + std::to_string(min) + ", 1000000], got " + j.dump());
  return static_cast<int>(v);
}

std::array<double, 3> vec3(const nlohmann::json& j, const std::string& path) {
  if (!j.is_array() || j.size() != 3) bad(path, "must be an array of 3 numbers, got " + j.dump());
  return {number(j[0], path + "[0]"), number(j[1], path + "[1]"), number(j[2], path + "[2]")};
}

LatencySpec latency(const nlohmann::json& j, const std::string& path) {
  check_keys(j, path, {"mean_ms", "jitter_ms"});
  LatencySpec s;
  if (j.contains("mean_ms")) s.mean_ms = non_negative(j["mean_ms"], path + ".mean_ms");
  if (j.contains("jitter_ms")) s.jitter_ms = non_negative(j["jitter_ms"], path + ".jitter_ms");
  if (s.mean_ms > 60000 || s.jitter_ms > 60000) bad(path, "latencies must be <= 60000 ms");
  return s;
}

}  // namespace

bool DisconnectSpec::applies_to(int episode_ordinal) const {
  if (!active()) return false;
  return episodes.empty() || std::find(episodes.begin(), episodes.end(), episode_ordinal) != episodes.end();
}

std::vector<std::string> TwinScenario::active_faults() const {
  std::vector<std::string> out;
  if (command_latency.active()) out.push_back("command_latency");
  if (observation_latency.active()) out.push_back("observation_latency");
  if (frame_drop_probability > 0) out.push_back("frame_drops");
  if (sensor_noise.active()) out.push_back("sensor_noise");
  if (!camera_miscalibration.empty()) out.push_back("camera_miscalibration");
  if (tracking_lag_periods > 0) out.push_back("tracking_lag");
  if (disconnect.active()) out.push_back("disconnect");
  return out;
}

nlohmann::json TwinScenario::to_json() const {
  nlohmann::json cams = nlohmann::json::object();
  for (const auto& [name, c] : camera_miscalibration)
    cams[name] = {{"translation_m", c.translation_m}, {"rotation_deg", c.rotation_deg},
                  {"fovy_error_deg", c.fovy_error_deg}};
  return {{"control_hz", control_hz},
          {"time_scale", time_scale},
          {"seed", seed},
          {"start_grace_s", start_grace_s},
          {"lockstep", lockstep},
          {"lockstep_timeout_s", lockstep_timeout_s},
          {"watchdog_periods", watchdog_periods},
          {"command_latency", {{"mean_ms", command_latency.mean_ms}, {"jitter_ms", command_latency.jitter_ms}}},
          {"observation_latency",
           {{"mean_ms", observation_latency.mean_ms}, {"jitter_ms", observation_latency.jitter_ms}}},
          {"frame_drop_probability", frame_drop_probability},
          {"sensor_noise",
           {{"ee_pos_std_m", sensor_noise.ee_pos_std_m},
            {"joint_pos_std_rad", sensor_noise.joint_pos_std_rad},
            {"gripper_std_m", sensor_noise.gripper_std_m}}},
          {"camera_miscalibration", cams},
          {"tracking_lag_periods", tracking_lag_periods},
          {"disconnect",
           {{"at_s", disconnect.at_s}, {"duration_s", disconnect.duration_s}, {"episodes", disconnect.episodes}}}};
}

TwinScenario twin_scenario_from_json(const nlohmann::json& j) {
  check_keys(j, "",
             {"control_hz", "time_scale", "seed", "start_grace_s", "lockstep", "lockstep_timeout_s", "watchdog_periods", "command_latency", "observation_latency",
              "frame_drop_probability", "sensor_noise", "camera_miscalibration", "tracking_lag_periods",
              "disconnect"});
  TwinScenario s;
  if (j.contains("control_hz")) {
    s.control_hz = number(j["control_hz"], "control_hz");
    if (s.control_hz <= 0 || s.control_hz > 1000) bad("control_hz", "must be in (0, 1000] Hz, got " + j["control_hz"].dump());
  }
  if (j.contains("time_scale")) {
    s.time_scale = number(j["time_scale"], "time_scale");
    if (s.time_scale <= 0 || s.time_scale > 1000)
      bad("time_scale", "must be in (0, 1000] (1 = real time, > 1 faster), got " + j["time_scale"].dump());
  }
  if (j.contains("seed")) {
    if (!j["seed"].is_number_unsigned() && !(j["seed"].is_number_integer() && j["seed"].get<int64_t>() >= 0))
      bad("seed", "must be a non-negative integer, got " + j["seed"].dump());
    s.seed = j["seed"].get<uint64_t>();
  }
  if (j.contains("start_grace_s")) {
    s.start_grace_s = non_negative(j["start_grace_s"], "start_grace_s");
    if (s.start_grace_s > 3600) bad("start_grace_s", "must be <= 3600 s");
  }
  if (j.contains("lockstep")) {
    if (!j["lockstep"].is_boolean()) bad("lockstep", "must be true or false, got " + j["lockstep"].dump());
    s.lockstep = j["lockstep"].get<bool>();
  }
  if (j.contains("lockstep_timeout_s")) {
    s.lockstep_timeout_s = number(j["lockstep_timeout_s"], "lockstep_timeout_s");
    if (s.lockstep_timeout_s <= 0 || s.lockstep_timeout_s > 3600)
      bad("lockstep_timeout_s", "must be in (0, 3600] s, got " + j["lockstep_timeout_s"].dump());
  }
  if (j.contains("watchdog_periods")) s.watchdog_periods = integer(j["watchdog_periods"], "watchdog_periods", 1);
  if (j.contains("command_latency")) s.command_latency = latency(j["command_latency"], "command_latency");
  if (j.contains("observation_latency")) s.observation_latency = latency(j["observation_latency"], "observation_latency");
  if (j.contains("frame_drop_probability")) {
    s.frame_drop_probability = number(j["frame_drop_probability"], "frame_drop_probability");
    if (s.frame_drop_probability < 0 || s.frame_drop_probability >= 1)
      bad("frame_drop_probability", "must be in [0, 1), got " + j["frame_drop_probability"].dump());
  }
  if (j.contains("sensor_noise")) {
    const auto& n = j["sensor_noise"];
    check_keys(n, "sensor_noise", {"ee_pos_std_m", "joint_pos_std_rad", "gripper_std_m"});
    if (n.contains("ee_pos_std_m")) s.sensor_noise.ee_pos_std_m = non_negative(n["ee_pos_std_m"], "sensor_noise.ee_pos_std_m");
    if (n.contains("joint_pos_std_rad"))
      s.sensor_noise.joint_pos_std_rad = non_negative(n["joint_pos_std_rad"], "sensor_noise.joint_pos_std_rad");
    if (n.contains("gripper_std_m")) s.sensor_noise.gripper_std_m = non_negative(n["gripper_std_m"], "sensor_noise.gripper_std_m");
  }
  if (j.contains("camera_miscalibration")) {
    const auto& cams = j["camera_miscalibration"];
    if (!cams.is_object()) bad("camera_miscalibration", "must be an object: camera name -> {translation_m, rotation_deg, fovy_error_deg}");
    for (const auto& [name, c] : cams.items()) {
      const std::string path = join("camera_miscalibration", name);
      check_keys(c, path, {"translation_m", "rotation_deg", "fovy_error_deg"});
      CameraMiscalibration m;
      if (c.contains("translation_m")) {
        m.translation_m = vec3(c["translation_m"], path + ".translation_m");
        for (double v : m.translation_m)
          if (std::abs(v) > 1.0) bad(path + ".translation_m", "components must be within +-1 m");
      }
      if (c.contains("rotation_deg")) {
        m.rotation_deg = vec3(c["rotation_deg"], path + ".rotation_deg");
        for (double v : m.rotation_deg)
          if (std::abs(v) > 180.0) bad(path + ".rotation_deg", "components must be within +-180 deg");
      }
      if (c.contains("fovy_error_deg")) {
        m.fovy_error_deg = number(c["fovy_error_deg"], path + ".fovy_error_deg");
        if (std::abs(m.fovy_error_deg) >= 90) bad(path + ".fovy_error_deg", "must be within +-90 deg");
      }
      s.camera_miscalibration[name] = m;
    }
  }
  if (j.contains("tracking_lag_periods")) s.tracking_lag_periods = integer(j["tracking_lag_periods"], "tracking_lag_periods", 0);
  if (j.contains("disconnect")) {
    const auto& d = j["disconnect"];
    check_keys(d, "disconnect", {"at_s", "duration_s", "episodes"});
    if (!d.contains("duration_s")) bad("disconnect.duration_s", "is required (seconds of the outage, > 0)");
    s.disconnect.duration_s = number(d["duration_s"], "disconnect.duration_s");
    if (s.disconnect.duration_s <= 0 || s.disconnect.duration_s > 3600)
      bad("disconnect.duration_s", "must be in (0, 3600] s, got " + d["duration_s"].dump());
    if (d.contains("at_s")) s.disconnect.at_s = non_negative(d["at_s"], "disconnect.at_s");
    if (d.contains("episodes")) {
      if (!d["episodes"].is_array()) bad("disconnect.episodes", "must be an array of episode ordinals (0 = the first)");
      for (size_t i = 0; i < d["episodes"].size(); ++i)
        s.disconnect.episodes.push_back(integer(d["episodes"][i], "disconnect.episodes[" + std::to_string(i) + "]", 0));
    }
  }
  return s;
}

TwinScenario load_twin_scenario(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::invalid_argument("twin scenario: cannot read '" + path + "'");
  nlohmann::json j;
  try {
    in >> j;
  } catch (const nlohmann::json::exception& e) {
    throw std::invalid_argument("twin scenario: '" + path + "' is not valid JSON: " + e.what());
  }
  try {
    return twin_scenario_from_json(j);
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(std::string(e.what()) + " (in " + path + ")");
  }
}

}  // namespace wambench
