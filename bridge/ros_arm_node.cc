// wambench_ros_arm: a ROS 1 node that plays a real arm with the simulator inside, for testing
// RosRobot (bridge/ros_robot.h) end to end and for rehearsing a ROS setup without hardware.
//
// Speaks the topics of a RosRobotConfig (the robot config file's "ros" object, or the defaults):
//   subscribes  the EE target (geometry_msgs/PoseStamped, base frame), the gripper width
//               (std_msgs/Float64, m: < 0.04 closes, >= 0.04 opens), the episode (std_msgs/String
//               JSON: task, split, index, base_seed) which resets the scene to that episode;
//   publishes   at the control rate, after each simulated control period: one sensor_msgs/Image per
//               camera (rgb8, --image-width x --image-height, larger than the policy's so the camera
//               pipeline crops and resizes), sensor_msgs/JointState (arm joints, and the finger
//               joints at half the opening each, or the whole opening / 2 for one finger) and the EE
//               pose (geometry_msgs/PoseStamped in the base frame), stamped ros::Time::now().
// Each period it turns the newest target into the delta action that moves the simulated
// controller's target there: (target - controller target) / the per-step scale of
// ArmControllerConfig, clipped to [-1, 1] per component (the rotation as a world-frame rotation
// vector), and steps the simulator (SimRobot) with it.
//
// Exit codes: 0 after SIGINT / SIGTERM, 2 for a bad argument or config or no master.
#include <chrono>
#include <csignal>
#include <cmath>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include <CLI/CLI.hpp>
#include <Eigen/Geometry>
#include <geometry_msgs/PoseStamped.h>
#include <ros/ros.h>
#include <sensor_msgs/Image.h>
#include <sensor_msgs/JointState.h>
#include <std_msgs/Float64.h>
#include <std_msgs/String.h>

#include "bridge/ros_robot.h"
#include "bridge/sim_robot.h"

namespace {

volatile std::sig_atomic_t g_stop = 0;
void on_signal(int) { g_stop = 1; }

using wambench::RigidPose;

struct Inbox {
  std::mutex mutex;
  std::optional<RigidPose> target_world;
  std::optional<double> gripper_width_m;
  std::optional<wambench::EpisodeSetup> episode;
};

double clip1(double v) { return std::max(-1.0, std::min(1.0, v)); }

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"A ROS 1 node that plays the arm with the simulator inside (tests of the ROS driver)"};
  std::string config_path, task = "pick_place";
  int image_width = 160, image_height = 120;
  double rate_hz = 10.0, master_timeout_s = 10.0;
  app.add_option("--config", config_path, "robot config JSON: its \"ros\" object (or the whole file) names the topics");
  app.add_option("--task", task, "task of the scene before the first episode message");
  app.add_option("--image-width", image_width, "published image width (pixels)")->check(CLI::PositiveNumber);
  app.add_option("--image-height", image_height, "published image height (pixels)")->check(CLI::PositiveNumber);
  app.add_option("--rate-hz", rate_hz, "control rate (Hz)")->check(CLI::PositiveNumber);
  app.add_option("--master-timeout-s", master_timeout_s, "wait at most this long for the ROS master (s)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }

  wambench::RosRobotConfig config;
  try {
    if (!config_path.empty()) {
      std::ifstream in(config_path);
      if (!in) throw std::invalid_argument("cannot read " + config_path);
      nlohmann::json json = nlohmann::json::parse(in);
      config = wambench::ros_robot_config_from_json(json.contains("ros") ? json["ros"] : json);
    }
  } catch (const std::exception& e) {
    std::cerr << "wambench_ros_arm: bad --config: " << e.what() << "\n";
    return 2;
  }

  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  std::map<std::string, std::string> remappings;
  if (!config.master_uri.empty()) remappings["__master"] = config.master_uri;
  try {
    ros::init(remappings, "wambench_ros_arm", ros::init_options::NoSigintHandler);
  } catch (const ros::Exception& e) {
    std::cerr << "wambench_ros_arm: ros::init failed: " << e.what() << "\n";
    return 2;
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(master_timeout_s);
  while (!ros::master::check()) {
    if (g_stop || std::chrono::steady_clock::now() > deadline) {
      std::cerr << "wambench_ros_arm: no ROS master at " << ros::master::getURI() << " within " << master_timeout_s << " s\n";
      return 2;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }

  wambench::EnvConfig env_config;
  env_config.image_width = image_width;
  env_config.image_height = image_height;
  env_config.control_frequency_hz = rate_hz;
  env_config.cameras.clear();
  for (const auto& c : config.cameras) env_config.cameras.push_back(c.name);
  std::unique_ptr<wambench::SimRobot> sim;
  try {
    sim = std::make_unique<wambench::SimRobot>(env_config);
    sim->start_episode(wambench::EpisodeSetup{task, "train", 0, 0, "", 0});
  } catch (const std::exception& e) {
    std::cerr << "wambench_ros_arm: cannot start the simulator: " << e.what() << "\n";
    return 2;
  }

  Inbox inbox;
  ros::NodeHandle node;
  auto on_target = [&](const geometry_msgs::PoseStamped::ConstPtr& msg) {
    const auto& p = msg->pose.position;
    const auto& o = msg->pose.orientation;
    const RigidPose world = wambench::base_to_world(config.base_in_world, RigidPose{{p.x, p.y, p.z}, {o.w, o.x, o.y, o.z}});
    std::lock_guard<std::mutex> lock(inbox.mutex);
    inbox.target_world = world;
  };
  auto on_gripper = [&](const std_msgs::Float64::ConstPtr& msg) {
    std::lock_guard<std::mutex> lock(inbox.mutex);
    inbox.gripper_width_m = msg->data;
  };
  auto on_episode = [&](const std_msgs::String::ConstPtr& msg) {
    try {
      const auto json = nlohmann::json::parse(msg->data);
      wambench::EpisodeSetup setup{json.at("task").get<std::string>(), json.at("split").get<std::string>(),
                                   json.at("index").get<int64_t>(), json.at("base_seed").get<uint64_t>(),
                                   json.value("instruction", ""), json.value("horizon_steps", 0)};
      std::lock_guard<std::mutex> lock(inbox.mutex);
      inbox.episode = setup;
    } catch (const std::exception& e) {
      ROS_ERROR("wambench_ros_arm: bad episode message '%s': %s", msg->data.c_str(), e.what());
    }
  };
  ros::Subscriber target_sub = node.subscribe<geometry_msgs::PoseStamped>(config.target_topic, 10, on_target);
  ros::Subscriber gripper_sub = node.subscribe<std_msgs::Float64>(config.gripper_topic, 10, on_gripper);
  ros::Subscriber episode_sub;
  if (!config.episode_topic.empty()) episode_sub = node.subscribe<std_msgs::String>(config.episode_topic, 10, on_episode);
  std::vector<ros::Publisher> image_pubs;
  for (const auto& c : config.cameras) image_pubs.push_back(node.advertise<sensor_msgs::Image>(c.topic, 2));
  ros::Publisher joint_pub = node.advertise<sensor_msgs::JointState>(config.joint_states_topic, 10);
  ros::Publisher ee_pub = node.advertise<geometry_msgs::PoseStamped>(config.ee_pose_topic, 10);
  ros::AsyncSpinner spinner(1);
  spinner.start();
  std::cout << "wambench_ros_arm: running at " << rate_hz << " Hz, " << config.cameras.size() << " cameras "
            << image_width << " x " << image_height << ", master " << ros::master::getURI() << std::endl;

  const wambench::ArmControllerConfig& scale = env_config.controller;
  ros::WallRate rate(rate_hz);
  int exit_code = 0;
  while (!g_stop && ros::ok()) {
    std::optional<RigidPose> target;
    double width_m = -1;  // < 0: no gripper command received yet
    std::optional<wambench::EpisodeSetup> episode;
    {
      std::lock_guard<std::mutex> lock(inbox.mutex);
      target = inbox.target_world;
      if (inbox.gripper_width_m) width_m = *inbox.gripper_width_m;
      episode = inbox.episode;
      inbox.episode.reset();
      if (episode) inbox.target_world.reset(), inbox.gripper_width_m.reset(), target.reset(), width_m = -1;
    }
    try {
      if (episode) {
        sim->start_episode(*episode);
        std::cout << "wambench_ros_arm: episode " << episode->task << "/" << episode->split << "/" << episode->index
                  << " seed " << episode->base_seed << std::endl;
      }
      wambench::RobotCommand command;
      const wambench::ArmController& controller = sim->task_env()->env().controller();
      if (target) {
        const Eigen::Vector3d d = Eigen::Vector3d(target->pos_m.data()) - controller.target_pos_m();
        const Eigen::Quaterniond q(target->quat_wxyz[0], target->quat_wxyz[1], target->quat_wxyz[2], target->quat_wxyz[3]);
        const Eigen::AngleAxisd err(q.normalized().toRotationMatrix() * controller.target_rot().transpose());
        const Eigen::Vector3d r = err.axis() * err.angle();
        for (int k = 0; k < 3; ++k) {
          command.action[k] = clip1(d[k] / scale.max_translation_per_step_m);
          command.action[3 + k] = clip1(r[k] / scale.max_rotation_per_step_rad);
        }
      }
      if (width_m >= 0) command.action[6] = width_m < 0.5 * wambench::kGripperMaxOpeningM ? 1.0 : -1.0;
      sim->command(command);
      const wambench::TimedObservation timed = sim->observe();
      const wambench::Observation& obs = timed.observation;
      const ros::Time now = ros::Time::now();
      for (size_t i = 0; i < config.cameras.size(); ++i) {
        const wambench::Image& image = obs.images.at(config.cameras[i].name);
        sensor_msgs::Image msg;
        msg.header.stamp = now;
        msg.header.frame_id = config.cameras[i].name + "_camera";
        msg.height = image.height;
        msg.width = image.width;
        msg.encoding = "rgb8";
        msg.step = image.width * 3;
        msg.data = image.rgb;
        image_pubs[i].publish(msg);
      }
      sensor_msgs::JointState joints;
      joints.header.stamp = now;
      for (int j = 0; j < wambench::kArmDof; ++j) {
        joints.name.push_back(config.arm_joint_names[j]);
        joints.position.push_back(obs.joint_pos_rad[j]);
      }
      for (const auto& finger : config.finger_joint_names) {
        joints.name.push_back(finger);
        joints.position.push_back(obs.gripper_opening_m / 2);
      }
      joint_pub.publish(joints);
      const RigidPose base = wambench::world_to_base(config.base_in_world, RigidPose{obs.ee_pos_m, obs.ee_quat_wxyz});
      geometry_msgs::PoseStamped ee;
      ee.header.stamp = now;
      ee.header.frame_id = config.base_frame_id;
      ee.pose.position.x = base.pos_m[0];
      ee.pose.position.y = base.pos_m[1];
      ee.pose.position.z = base.pos_m[2];
      ee.pose.orientation.w = base.quat_wxyz[0];
      ee.pose.orientation.x = base.quat_wxyz[1];
      ee.pose.orientation.y = base.quat_wxyz[2];
      ee.pose.orientation.z = base.quat_wxyz[3];
      ee_pub.publish(ee);
    } catch (const std::exception& e) {
      std::cerr << "wambench_ros_arm: " << e.what() << "\n";
      exit_code = 2;
      break;
    }
    rate.sleep();
  }
  spinner.stop();
  ros::shutdown();
  return exit_code;
}
