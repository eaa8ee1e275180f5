// RosRobotConfig's JSON reader and frame conversions (no ROS needed).
#include <cmath>
#include <fstream>

#include <gtest/gtest.h>

#include "bridge/ros_robot.h"
#include "sim/arm_controller.h"
#include "tasks/task_env.h"

namespace wambench {
namespace {

TEST(RosRobotConfig, DefaultsFollowFrankaRos) {
  const RosRobotConfig config = ros_robot_config_from_json(nlohmann::json::object());
  EXPECT_EQ(config.target_topic, "/cartesian_impedance_example_controller/equilibrium_pose");
  EXPECT_EQ(config.arm_joint_names[0], "panda_joint1");
  EXPECT_EQ(config.arm_joint_names[6], "panda_joint7");
  ASSERT_EQ(config.finger_joint_names.size(), 2u);
  ASSERT_EQ(config.cameras.size(), 2u);
  EXPECT_EQ(config.cameras[0].name, "front");
  EXPECT_EQ(config.cameras[1].name, "wrist");
  EXPECT_EQ(config.base_frame_id, "panda_link0");
  EXPECT_EQ(config.base_in_world.pos_m, (std::array<double, 3>{0, 0, 0}));
}

TEST(RosRobotConfig, DefaultStartPoseIsTheSimulatorsReadyPose) {
  // The simulator's EE pose right after reset (arm at kReadyJointPosRad) must be the default
  // start pose, or a real arm would start episodes elsewhere than the sweep did. 1e-6 m / 1e-6
  // covers printing the measured value with 16 digits.
  EnvConfig env_config;
  env_config.render = false;
  TaskEnv env("pick_place", env_config);
  env.reset(Split::kTrain, 0, 0);
  const Observation obs = env.observe();
  const RosRobotConfig config;
  for (int k = 0; k < 3; ++k) EXPECT_NEAR(obs.ee_pos_m[k], config.start_pose_world.pos_m[k], 1e-6) << k;
  double dot = 0;
  for (int k = 0; k < 4; ++k) dot += obs.ee_quat_wxyz[k] * config.start_pose_world.quat_wxyz[k];
  EXPECT_NEAR(std::abs(dot), 1.0, 1e-6);
  for (int j = 0; j < kArmDof; ++j) EXPECT_NEAR(obs.joint_pos_rad[j], kReadyJointPosRad[j], 1e-9);
}

TEST(RosRobotConfig, ReadsEveryKey) {
  const auto json = nlohmann::json::parse(R"({
    "master_uri": "http://127.0.0.1:11999", "node_name": "lab_arm",
    "cameras": [{"name": "front", "topic": "/cam/rgb", "pipeline": {"crop": [80, 0, 480, 480], "flip_vertical": true}}],
    "joint_states_topic": "/js", "arm_joint_names": ["a1", "a2", "a3", "a4", "a5", "a6", "a7"],
    "finger_joint_names": ["finger"], "ee_pose_topic": "/ee", "target_topic": "/target",
    "gripper_topic": "/grip", "episode_topic": "", "base_frame_id": "base",
    "base_in_world": {"pos_m": [0.1, -0.2, 0.0], "quat_wxyz": [2, 0, 0, 0]},
    "start_pose_world": {"pos_m": [0.4, 0, 0.3], "quat_wxyz": [0, 1, 0, 0]},
    "start_speed_m_s": 0.05, "start_angular_speed_rad_s": 0.3, "start_rate_hz": 50,
    "start_tolerance_m": 0.005, "start_tolerance_rad": 0.02, "start_settle_timeout_s": 4,
    "observe_timeout_s": 0.5, "master_timeout_s": 2})");
  const RosRobotConfig c = ros_robot_config_from_json(json);
  EXPECT_EQ(c.master_uri, "http://127.0.0.1:11999");
  EXPECT_EQ(c.node_name, "lab_arm");
  ASSERT_EQ(c.cameras.size(), 1u);
  EXPECT_EQ(c.cameras[0].topic, "/cam/rgb");
  ASSERT_TRUE(c.cameras[0].pipeline.crop.has_value());
  EXPECT_EQ(c.cameras[0].pipeline.crop->width, 480);
  EXPECT_TRUE(c.cameras[0].pipeline.flip_vertical);
  EXPECT_EQ(c.joint_states_topic, "/js");
  EXPECT_EQ(c.arm_joint_names[3], "a4");
  EXPECT_EQ(c.finger_joint_names, std::vector<std::string>{"finger"});
  EXPECT_EQ(c.ee_pose_topic, "/ee");
  EXPECT_EQ(c.target_topic, "/target");
  EXPECT_EQ(c.gripper_topic, "/grip");
  EXPECT_EQ(c.episode_topic, "");
  EXPECT_EQ(c.base_frame_id, "base");
  EXPECT_EQ(c.base_in_world.pos_m[1], -0.2);
  EXPECT_EQ(c.base_in_world.quat_wxyz, (std::array<double, 4>{1, 0, 0, 0}));  // normalized
  EXPECT_EQ(c.start_pose_world.pos_m[0], 0.4);
  EXPECT_EQ(c.start_speed_m_s, 0.05);
  EXPECT_EQ(c.start_angular_speed_rad_s, 0.3);
  EXPECT_EQ(c.start_rate_hz, 50);
  EXPECT_EQ(c.start_tolerance_m, 0.005);
  EXPECT_EQ(c.start_tolerance_rad, 0.02);
  EXPECT_EQ(c.start_settle_timeout_s, 4);
  EXPECT_EQ(c.observe_timeout_s, 0.5);
  EXPECT_EQ(c.master_timeout_s, 2);
}

TEST(RosRobotConfig, ErrorsNameTheKey) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"target": "/x"})", "unknown key \"target\"; valid keys: master_uri"},
      {R"({"target_topic": ""})", "\"target_topic\" must be a non-empty string"},
      {R"({"arm_joint_names": ["a", "b"]})", "\"arm_joint_names\" must be 7 strings"},
      {R"({"finger_joint_names": ["a", "b", "c"]})", "\"finger_joint_names\" must be 1 or 2 strings"},
      {R"({"cameras": []})", "\"cameras\" must be a non-empty array"},
      {R"({"cameras": [{"name": "front"}]})", "\"cameras[0]\" needs \"name\" and \"topic\""},
      {R"({"cameras": [{"name": "a", "topic": "/a"}, {"name": "a", "topic": "/b"}]})", "camera name \"a\" appears twice"},
      {R"({"cameras": [{"name": "a", "topic": "/a", "pipeline": {"size": 3}}]})", "cameras[0].pipeline: unknown key \"size\""},
      {R"({"base_in_world": {"pos_m": [0, 0]}})", "\"base_in_world.pos_m\" must be 3 numbers"},
      {R"({"base_in_world": {"quat_wxyz": [0, 0, 0, 0]}})", "\"base_in_world.quat_wxyz\" is zero"},
      {R"({"start_pose_world": {"position": [0, 0, 0]}})", "unknown key \"start_pose_world.position\""},
      {R"({"observe_timeout_s": 0})", "\"observe_timeout_s\" must be a number > 0, got 0"},
      {R"({"master_timeout_s": "5"})", "\"master_timeout_s\" must be a number > 0"},
  };
  for (const auto& [json, message] : cases) {
    try {
      ros_robot_config_from_json(nlohmann::json::parse(json));
      ADD_FAILURE() << json << " accepted";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(message), std::string::npos) << json << ": " << e.what();
    }
  }
}

TEST(RosRobotConfig, AgreesWithTheRobotConfigsCameras) {
  // No "cameras": one per observation camera, on /camera/<name>/image_raw, at image_size.
  const RosRobotConfig plain = ros_robot_config_for(nlohmann::json::object(), {"wrist"}, 96);
  ASSERT_EQ(plain.cameras.size(), 1u);
  EXPECT_EQ(plain.cameras[0].name, "wrist");
  EXPECT_EQ(plain.cameras[0].topic, "/camera/wrist/image_raw");
  EXPECT_EQ(plain.cameras[0].pipeline.output_height, 96);
  EXPECT_EQ(plain.cameras[0].pipeline.output_width, 96);
  // Listed cameras are put in the observation's order and keep their pipelines.
  const auto listed = nlohmann::json::parse(R"({"cameras": [
      {"name": "wrist", "topic": "/w", "pipeline": {"flip_vertical": true}},
      {"name": "front", "topic": "/f", "pipeline": {"crop": [0, 0, 64, 64], "output_height": 200}}]})");
  const RosRobotConfig ordered = ros_robot_config_for(listed, {"front", "wrist"}, 200);
  ASSERT_EQ(ordered.cameras.size(), 2u);
  EXPECT_EQ(ordered.cameras[0].topic, "/f");
  EXPECT_EQ(ordered.cameras[0].pipeline.crop->width, 64);
  EXPECT_EQ(ordered.cameras[1].topic, "/w");
  EXPECT_TRUE(ordered.cameras[1].pipeline.flip_vertical);
  EXPECT_EQ(ordered.cameras[1].pipeline.output_width, 200);
  try {
    ros_robot_config_for(listed, {"front", "wrist"}, 128);
    FAIL() << "an output size other than image_size accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("camera \"front\" pipeline \"output_height\" is 200 but the robot config's \"image_size\" is 128"),
              std::string::npos) << e.what();
  }
  try {
    ros_robot_config_for(listed, {"front"}, 200);
    FAIL() << "a camera missing from the observation accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("\"cameras\" names [wrist, front] differ from the robot config's cameras [front]"),
              std::string::npos) << e.what();
  }
}

TEST(RosRobotConfig, TheExampleRobotConfigIsValid) {
  std::ifstream in(std::string(WAMBENCH_SOURCE_DIR) + "/examples/real/robot_ros.json");
  ASSERT_TRUE(in) << "examples/real/robot_ros.json";
  const nlohmann::json file = nlohmann::json::parse(in);
  const RosRobotConfig config =
      ros_robot_config_for(file.at("ros"), file.at("cameras").get<std::vector<std::string>>(), file.at("image_size").get<int>());
  ASSERT_EQ(config.cameras.size(), 2u);
  EXPECT_EQ(config.cameras[0].name, "front");
  EXPECT_EQ(config.cameras[0].pipeline.output_height, 128);
  EXPECT_EQ(config.joint_states_topic, "/franka_state_controller/joint_states");
}

TEST(RosRobotConfig, ConvertsPosesBetweenBaseAndWorld) {
  // Base at (1, 2, 0.5), turned +90 degrees about z: base x is world y, base y is world -x.
  const double h = std::sqrt(0.5);
  const RigidPose base{{1, 2, 0.5}, {h, 0, 0, h}};
  const RigidPose in_base{{0.3, 0.1, 0.2}, {1, 0, 0, 0}};
  const RigidPose world = base_to_world(base, in_base);
  EXPECT_NEAR(world.pos_m[0], 1 - 0.1, 1e-12);
  EXPECT_NEAR(world.pos_m[1], 2 + 0.3, 1e-12);
  EXPECT_NEAR(world.pos_m[2], 0.5 + 0.2, 1e-12);
  EXPECT_NEAR(world.quat_wxyz[0], h, 1e-12);
  EXPECT_NEAR(world.quat_wxyz[3], h, 1e-12);
  const RigidPose back = world_to_base(base, world);
  for (int k = 0; k < 3; ++k) EXPECT_NEAR(back.pos_m[k], in_base.pos_m[k], 1e-12);
  for (int k = 0; k < 4; ++k) EXPECT_NEAR(back.quat_wxyz[k], in_base.quat_wxyz[k], 1e-12);
  // The result's quaternion is in the w >= 0 hemisphere.
  const RigidPose flipped = base_to_world(RigidPose{}, RigidPose{{0, 0, 0}, {-h, 0, 0, -h}});
  EXPECT_NEAR(flipped.quat_wxyz[0], h, 1e-12);
  EXPECT_NEAR(flipped.quat_wxyz[3], h, 1e-12);
}

}  // namespace
}  // namespace wambench
