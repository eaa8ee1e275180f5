// RosRobotConfig's JSON reader and the base <-> world frame conversions (bridge/ros_robot.h): no ROS
// needed, so robot config files are checked on every build.
#include <algorithm>
#include <cmath>
#include <set>
#include <stdexcept>

#include <Eigen/Geometry>

#include "bridge/ros_robot.h"

namespace wambench {
namespace {

constexpr const char* kContext = "robot config \"ros\"";

// Throws std::invalid_argument with the message prefixed by the config's name.
[[noreturn]] void fail(const std::string& message) { throw std::invalid_argument(std::string(kContext) + ": " + message); }

std::string get_string(const nlohmann::json& value, const std::string& key) {
  if (!value.is_string() || value.get<std::string>().empty())
    fail("\"" + key + "\" must be a non-empty string, got " + value.dump());
  return value.get<std::string>();
}

double get_positive(const nlohmann::json& value, const std::string& key) {
  if (!value.is_number() || !std::isfinite(value.get<double>()) || value.get<double>() <= 0)
    fail("\"" + key + "\" must be a number > 0, got " + value.dump());
  return value.get<double>();
}

template <size_t N>
std::array<double, N> get_numbers(const nlohmann::json& value, const std::string& key) {
  if (!value.is_array() || value.size() != N)
    fail("\"" + key + "\" must be " + std::to_string(N) +
                                " numbers, got " + value.dump());
  std::array<double, N> out{};
  for (size_t i = 0; i < N; ++i) {
    if (!value[i].is_number() || !std::isfinite(value[i].get<double>()))
      fail("\"" + key + "\" must be " + std::to_string(N) +
                                  " finite numbers, got " + value.dump());
    out[i] = value[i].get<double>();
  }
  return out;
}

RigidPose get_pose(const nlohmann::json& value, const std::string& key) {
  if (!value.is_object())
    fail("\"" + key +
                                "\" must be {\"pos_m\": [x, y, z], \"quat_wxyz\": [w, x, y, z]}, got " + value.dump());
  RigidPose pose;
  for (const auto& [k, v] : value.items()) {
    if (k == "pos_m") {
      pose.pos_m = get_numbers<3>(v, key + ".pos_m");
    } else if (k == "quat_wxyz") {
      auto q = get_numbers<4>(v, key + ".quat_wxyz");
      const double n = std::sqrt(q[0] * q[0] + q[1] * q[1] + q[2] * q[2] + q[3] * q[3]);
      if (n < 1e-9)
        fail("\"" + key + ".quat_wxyz\" is zero; give a unit quaternion (w, x, y, z)");
      for (double& c : q) c /= n;
      pose.quat_wxyz = q;
    } else {
      fail("unknown key \"" + key + "." + k + "\"; valid keys: pos_m, quat_wxyz");
    }
  }
  return pose;
}

Eigen::Quaterniond to_eigen(const std::array<double, 4>& q) { return Eigen::Quaterniond(q[0], q[1], q[2], q[3]); }

RigidPose from_eigen(const Eigen::Vector3d& p, Eigen::Quaterniond q) {
  q.normalize();
  if (q.w() < 0) q.coeffs() *= -1;
  return RigidPose{{p.x(), p.y(), p.z()}, {q.w(), q.x(), q.y(), q.z()}};
}

}  // namespace

RosRobotConfig ros_robot_config_from_json(const nlohmann::json& json) {
  if (!json.is_object()) fail("must be a JSON object, got " + json.dump());
  RosRobotConfig config;
  for (const auto& [key, value] : json.items()) {
    if (key == "master_uri") config.master_uri = get_string(value, key);
    else if (key == "node_name") config.node_name = get_string(value, key);
    else if (key == "joint_states_topic") config.joint_states_topic = get_string(value, key);
    else if (key == "ee_pose_topic") config.ee_pose_topic = get_string(value, key);
    else if (key == "target_topic") config.target_topic = get_string(value, key);
    else if (key == "gripper_topic") config.gripper_topic = get_string(value, key);
    else if (key == "episode_topic") {
      // An empty string turns the episode topic off.
      if (!value.is_string()) fail("\"episode_topic\" must be a string (\"\" = off), got " + value.dump());
      config.episode_topic = value.get<std::string>();
    } else if (key == "base_frame_id") config.base_frame_id = get_string(value, key);
    else if (key == "arm_joint_names") {
      if (!value.is_array() || value.size() != 7)
        fail("\"arm_joint_names\" must be 7 strings (joint1 .. joint7), got " + value.dump());
      for (size_t i = 0; i < 7; ++i) config.arm_joint_names[i] = get_string(value[i], "arm_joint_names[" + std::to_string(i) + "]");
    } else if (key == "finger_joint_names") {
      if (!value.is_array() || value.empty() || value.size() > 2)
        fail("\"finger_joint_names\" must be 1 or 2 strings, got " + value.dump());
      config.finger_joint_names.clear();
      for (size_t i = 0; i < value.size(); ++i)
        config.finger_joint_names.push_back(get_string(value[i], "finger_joint_names[" + std::to_string(i) + "]"));
    } else if (key == "cameras") {
      if (!value.is_array() || value.empty())
        fail("\"cameras\" must be a non-empty array of {\"name\", \"topic\", \"pipeline\"}, got " + value.dump());
      config.cameras.clear();
      std::set<std::string> names;
      for (size_t i = 0; i < value.size(); ++i) {
        const std::string where = "cameras[" + std::to_string(i) + "]";
        const auto& c = value[i];
        if (!c.is_object()) fail("\"" + where + "\" must be an object, got " + c.dump());
        RosCameraConfig camera;
        for (const auto& [k, v] : c.items()) {
          if (k == "name") camera.name = get_string(v, where + ".name");
          else if (k == "topic") camera.topic = get_string(v, where + ".topic");
          else if (k == "pipeline") camera.pipeline = camera_pipeline_config_from_json(v, std::string(kContext) + " " + where + ".pipeline");
          else fail("unknown key \"" + where + "." + k + "\"; valid keys: name, topic, pipeline");
        }
        if (camera.name.empty() || camera.topic.empty())
          fail("\"" + where + "\" needs \"name\" and \"topic\"");
        if (!names.insert(camera.name).second)
          fail("camera name \"" + camera.name + "\" appears twice");
        config.cameras.push_back(camera);
      }
    } else if (key == "base_in_world") config.base_in_world = get_pose(value, key);
    else if (key == "start_pose_world") config.start_pose_world = get_pose(value, key);
    else if (key == "start_speed_m_s") config.start_speed_m_s = get_positive(value, key);
    else if (key == "start_angular_speed_rad_s") config.start_angular_speed_rad_s = get_positive(value, key);
    else if (key == "start_rate_hz") config.start_rate_hz = get_positive(value, key);
    else if (key == "start_tolerance_m") config.start_tolerance_m = get_positive(value, key);
    else if (key == "start_tolerance_rad") config.start_tolerance_rad = get_positive(value, key);
    else if (key == "start_settle_timeout_s") config.start_settle_timeout_s = get_positive(value, key);
    else if (key == "observe_timeout_s") config.observe_timeout_s = get_positive(value, key);
    else if (key == "master_timeout_s") config.master_timeout_s = get_positive(value, key);
    else
      fail("unknown key \"" + key +
                                  "\"; valid keys: master_uri, node_name, cameras, joint_states_topic, arm_joint_names, "
                                  "finger_joint_names, ee_pose_topic, target_topic, gripper_topic, episode_topic, "
                                  "base_frame_id, base_in_world, start_pose_world, start_speed_m_s, "
                                  "start_angular_speed_rad_s, start_rate_hz, start_tolerance_m, start_tolerance_rad, "
                                  "start_settle_timeout_s, observe_timeout_s, master_timeout_s");
  }
  return config;
}

RosRobotConfig ros_robot_config_for(const nlohmann::json& ros_json, const std::vector<std::string>& cameras,
                                    int image_size) {
  RosRobotConfig config = ros_robot_config_from_json(ros_json);
  auto names = [](const std::vector<std::string>& list) {
    std::string out;
    for (const auto& n : list) out += (out.empty() ? "" : ", ") + n;
    return "[" + out + "]";
  };
  if (!ros_json.contains("cameras")) {
    config.cameras.clear();
    for (const auto& name : cameras) config.cameras.push_back({name, "/camera/" + name + "/image_raw", {}});
  } else {
    std::vector<RosCameraConfig> ordered;
    std::vector<std::string> have;
    for (const auto& camera : config.cameras) have.push_back(camera.name);
    for (const auto& name : cameras) {
      auto it = std::find_if(config.cameras.begin(), config.cameras.end(), [&](const RosCameraConfig& c) { return c.name == name; });
      if (it == config.cameras.end()) break;
      ordered.push_back(*it);
    }
    if (ordered.size() != cameras.size() || config.cameras.size() != cameras.size())
      fail("\"cameras\" names " + names(have) + " differ from the robot config's cameras " + names(cameras) +
           "; give one entry per observation camera");
    config.cameras = ordered;
  }
  for (size_t i = 0; i < config.cameras.size(); ++i) {
    CameraPipelineConfig& pipeline = config.cameras[i].pipeline;
    if (ros_json.contains("cameras")) {  // an array of objects: ros_robot_config_from_json checked it
      for (const auto& entry : ros_json["cameras"]) {
        if (!entry.contains("name") || entry["name"] != config.cameras[i].name || !entry.contains("pipeline")) continue;
        for (const char* key : {"output_height", "output_width"})
          if (entry["pipeline"].contains(key) && entry["pipeline"][key] != image_size)
            fail("camera \"" + config.cameras[i].name + "\" pipeline \"" + key + "\" is " + entry["pipeline"][key].dump() +
                 " but the robot config's \"image_size\" is " + std::to_string(image_size) +
                 " (leave it out: the pipeline resizes to image_size)");
      }
    }
    pipeline.output_height = pipeline.output_width = image_size;
  }
  return config;
}

RigidPose base_to_world(const RigidPose& base_in_world, const RigidPose& pose_in_base) {
  const Eigen::Quaterniond q_wb = to_eigen(base_in_world.quat_wxyz).normalized();
  const Eigen::Vector3d p = Eigen::Vector3d(base_in_world.pos_m.data()) + q_wb * Eigen::Vector3d(pose_in_base.pos_m.data());
  return from_eigen(p, q_wb * to_eigen(pose_in_base.quat_wxyz).normalized());
}

RigidPose world_to_base(const RigidPose& base_in_world, const RigidPose& pose_in_world) {
  const Eigen::Quaterniond q_bw = to_eigen(base_in_world.quat_wxyz).normalized().conjugate();
  const Eigen::Vector3d p = q_bw * (Eigen::Vector3d(pose_in_world.pos_m.data()) - Eigen::Vector3d(base_in_world.pos_m.data()));
  return from_eigen(p, q_bw * to_eigen(pose_in_world.quat_wxyz).normalized());
}

}  // namespace wambench
