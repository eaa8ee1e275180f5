// RosRobot end to end against a real roscore and wambench_ros_arm (the simulator playing the arm).
// Each test starts its own roscore on a free port (ROS_HOME / ROS_LOG_DIR in a scratch folder) and
// stops everything it started by PID (roscore with SIGINT: SIGKILL would leave rosmaster and rosout
// holding the port). Paths: WAMBENCH_ROS_ARM (the arm node), WAMBENCH_ROS_SCRATCH (a folder).
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "bridge/ros_robot.h"
#include "sim/arm_controller.h"

extern char** environ;

namespace wambench {
namespace {

// A free TCP port on 127.0.0.1 for roscore, chosen at random below Linux's ephemeral range
// (32768-60999), so that no outgoing connection of another test takes it between this check and
// roscore's bind (a port from bind(0) is an ephemeral one and was seen taken).
int free_port() {
  std::mt19937 rng(std::random_device{}());
  std::uniform_int_distribution<int> pick(20000, 31999);
  for (int attempt = 0; attempt < 500; ++attempt) {
    const int port = pick(rng);
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(port));
    const bool free = bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
    close(fd);
    if (free) return port;
  }
  throw std::runtime_error("no free port in 20000-31999");
}

// A child process with its output in a file; stopped by PID (signal, then SIGKILL after a grace time).
class Child {
 public:
  Child(const std::vector<std::string>& argv, const std::string& log_path) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    const int rc = posix_spawnp(&pid_, args[0], &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) throw std::runtime_error("cannot start " + argv[0]);
    log_path_ = log_path;
  }
  ~Child() { stop(SIGINT, 10.0); }
  pid_t pid() const { return pid_; }
  bool running() {
    if (pid_ <= 0) return false;
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) pid_ = -1;
    return pid_ > 0;
  }
  // Sends `sig`, waits up to grace_s for the exit, then SIGKILL.
  void stop(int sig, double grace_s) {
    if (!running()) return;
    kill(pid_, sig);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(grace_s);
    while (std::chrono::steady_clock::now() < deadline) {
      if (!running()) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
  std::string log() const {
    std::ifstream in(log_path_);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

 private:
  pid_t pid_ = -1;
  std::string log_path_;
};

double now_s() { return bridge_clock_s(); }

// The master port of this process: roscpp keeps the master URI of its first ros::init, so every
// test of one process (ctest runs each in its own) uses the same port, each with its own roscore.
int process_port() {
  static const int port = free_port();
  return port;
}

// Scratch folder of one test, and the ROS environment every process of the test inherits
// (recipe: ROS_MASTER_URI, ROS_IP, ROS_HOME and ROS_LOG_DIR).
std::string setup_environment(const std::string& test, int port) {
  const std::string dir = std::string(WAMBENCH_ROS_SCRATCH) + "/" + test;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir + "/ros_home/log");
  setenv("ROS_MASTER_URI", ("http://127.0.0.1:" + std::to_string(port)).c_str(), 1);
  setenv("ROS_IP", "127.0.0.1", 1);
  unsetenv("ROS_HOSTNAME");
  setenv("ROS_HOME", (dir + "/ros_home").c_str(), 1);
  setenv("ROS_LOG_DIR", (dir + "/ros_home/log").c_str(), 1);
  return dir;
}

TEST(RosRobot, NoMasterIsAClearFaultWithinTheLimit) {
  const int port = process_port();
  setup_environment("no_master", port);
  RosRobotConfig config;
  config.master_uri = "http://127.0.0.1:" + std::to_string(port);
  config.master_timeout_s = 1.5;
  const double start = now_s();
  try {
    RosRobot robot(config);
    FAIL() << "connected to a master that does not exist";
  } catch (const RobotFault& e) {
    const double took = now_s() - start;
    std::cout << "fault without a master (" << took << " s): " << e.what() << "\n";
    EXPECT_EQ(e.kind(), RobotFault::Kind::kDisconnected);
    EXPECT_NE(std::string(e.what()).find("no ROS master answers at " + config.master_uri), std::string::npos) << e.what();
    EXPECT_GE(took, 1.5);
    EXPECT_LT(took, 2.5) << "the limit is 1.5 s";  // one retry period (50 ms) plus the check itself
  }
  // roscpp keeps its first master URI for the whole process: another one is a config fault.
  config.master_uri = "http://127.0.0.1:1";
  try {
    RosRobot robot(config);
    FAIL() << "a second master URI in one process accepted";
  } catch (const RobotFault& e) {
    EXPECT_EQ(e.kind(), RobotFault::Kind::kConfig);
    EXPECT_NE(std::string(e.what()).find("cannot switch to http://127.0.0.1:1"), std::string::npos) << e.what();
  }
}

// The arm node's world: roscore + wambench_ros_arm with default topics, 160 x 120 rgb8 images.
class RosArm : public ::testing::Test {
 protected:
  void SetUp() override {
    port_ = process_port();
    dir_ = setup_environment(::testing::UnitTest::GetInstance()->current_test_info()->name(), port_);
    roscore_ = std::make_unique<Child>(std::vector<std::string>{"roscore", "-p", std::to_string(port_)}, dir_ + "/roscore.log");
    std::vector<std::string> arm_args = {WAMBENCH_ROS_ARM, "--image-width", "160", "--image-height", "120",
                                         "--master-timeout-s", "20"};
    if (!ros_json_.empty()) {
      // The arm node reads the same "ros" object as the driver.
      std::ofstream(dir_ + "/robot.json") << nlohmann::json{{"ros", ros_json_}}.dump(2);
      config_ = ros_robot_config_from_json(ros_json_);
      arm_args.insert(arm_args.end(), {"--config", dir_ + "/robot.json"});
    }
    arm_ = std::make_unique<Child>(arm_args, dir_ + "/arm.log");
    config_.master_uri = "http://127.0.0.1:" + std::to_string(port_);
    config_.master_timeout_s = 20;
    config_.observe_timeout_s = 1.0;
  }
  void TearDown() override {
    robot_.reset();
    if (arm_) arm_->stop(SIGTERM, 5.0);
    if (roscore_) roscore_->stop(SIGINT, 10.0);
    if (HasFailure()) {
      std::cerr << "--- roscore log ---\n" << roscore_->log() << "\n--- arm node log ---\n" << arm_->log() << "\n";
    }
  }
  // Connects and waits (up to 60 s: the arm node compiles its scene) for the first observation.
  TimedObservation connect() {
    robot_ = std::make_unique<RosRobot>(config_);
    const double deadline = now_s() + 60;
    while (true) {
      try {
        return robot_->observe();
      } catch (const RobotFault& e) {
        if (now_s() > deadline || !arm_->running()) throw;
      }
    }
  }

  int port_ = 0;
  std::string dir_;
  nlohmann::json ros_json_;  // a robot config's "ros" object for both sides; empty = defaults
  std::unique_ptr<Child> roscore_, arm_;
  RosRobotConfig config_;
  std::unique_ptr<RosRobot> robot_;
};

TEST_F(RosArm, DrivesTheSimulatedArmEndToEnd) {
  connect();
  try {
    RosRobot second(config_);
    FAIL() << "two RosRobots in one process";
  } catch (const RobotFault& e) {
    EXPECT_EQ(e.kind(), RobotFault::Kind::kConfig);
    EXPECT_NE(std::string(e.what()).find("another RosRobot exists in this process"), std::string::npos) << e.what();
  }
  EpisodeSetup setup{"pick_place", "train", 1, 0, "put the object in the bowl", 200};
  robot_->start_episode(setup);
  // The episode reached the arm node, which reset its scene to it.
  EXPECT_NE(arm_->log().find("episode pick_place/train/1 seed 0"), std::string::npos) << arm_->log();

  // Observations: the policy's image size (128 x 128, cropped and resized from 160 x 120), the ready
  // joints (the arm node reset the scene; the start move went to the ready EE pose), fresh stamps.
  TimedObservation first = robot_->observe();
  EXPECT_EQ(first.sequence, 0u);
  ASSERT_EQ(first.observation.images.size(), 2u);
  for (const char* camera : {"front", "wrist"}) {
    SCOPED_TRACE(camera);
    const Image& image = first.observation.images.at(camera);
    EXPECT_EQ(image.height, 128);
    EXPECT_EQ(image.width, 128);
    int lo = 255, hi = 0;
    for (uint8_t v : image.rgb) lo = std::min<int>(lo, v), hi = std::max<int>(hi, v);
    EXPECT_GT(hi - lo, 30) << "a rendered scene, not a blank image";
    const double age = now_s() - first.image_stamp_s.at(camera);
    EXPECT_GE(age, -0.01);
    EXPECT_LT(age, 0.5);
  }
  EXPECT_LT(now_s() - first.state_stamp_s, 0.5);
  // 0.05 rad: the IK's null-space pull keeps the ready posture while the EE is at the ready pose.
  for (int j = 0; j < kArmDof; ++j) EXPECT_NEAR(first.observation.joint_pos_rad[j], kReadyJointPosRad[j], 0.05) << j;
  EXPECT_NEAR(first.observation.gripper_opening_m, kGripperMaxOpeningM, 0.005);
  for (int k = 0; k < 3; ++k) EXPECT_NEAR(first.observation.ee_pos_m[k], config_.start_pose_world.pos_m[k], 0.01);
  const TimedObservation second = robot_->observe();
  EXPECT_EQ(second.sequence, 1u);
  EXPECT_GT(second.state_stamp_s, first.state_stamp_s);

  // 3 cm along +x in 6 steps of 5 mm, then the same target for 2 s: the EE gets there.
  const std::array<double, 3> p0 = second.observation.ee_pos_m;
  RobotCommand command;
  command.ee_target_quat_wxyz = config_.start_pose_world.quat_wxyz;
  TimedObservation obs = second;
  std::vector<double> ages_ms;  // capture (the arm node's stamp) -> observe() returned
  for (int i = 1; i <= 26; ++i) {
    command.ee_target_pos_m = p0;
    command.ee_target_pos_m[0] += 0.005 * std::min(i, 6);
    command.answers_sequence = obs.sequence;
    robot_->command(command);
    obs = robot_->observe();
    ages_ms.push_back(1000 * obs.age_s(now_s()));
  }
  std::sort(ages_ms.begin(), ages_ms.end());
  std::cout << "observation age at observe() over " << ages_ms.size() << " periods: median " << ages_ms[ages_ms.size() / 2]
            << " ms, max " << ages_ms.back() << " ms\n";
  EXPECT_LT(ages_ms.back(), 100.0) << "older than one control period";
  // 5 mm: the simulated controller tracks a still target to well under a millimetre; the rest is margin.
  EXPECT_NEAR(obs.observation.ee_pos_m[0], p0[0] + 0.03, 0.005);
  EXPECT_NEAR(obs.observation.ee_pos_m[1], p0[1], 0.005);
  EXPECT_NEAR(obs.observation.ee_pos_m[2], p0[2], 0.005);
  EXPECT_EQ(obs.sequence, 27u);

  // Close: the opening shrinks (0.1 m/s of opening: 0.8 s for the stroke; 2 s given).
  const double open = obs.observation.gripper_opening_m;
  command.gripper_close = true;
  for (int i = 0; i < 20; ++i) {
    robot_->command(command);
    obs = robot_->observe();
  }
  EXPECT_LT(obs.observation.gripper_opening_m, open - 0.05) << "opening before closing: " << open;
  const nlohmann::json stats = robot_->episode_stats();
  EXPECT_EQ(stats.at("observations").get<int>(), 48);

  // The arm node dies: observe() raises a fault naming a silent topic within its limit (1 s)
  // plus the master check.
  arm_->stop(SIGKILL, 1.0);
  const double killed = now_s();
  try {
    for (int i = 0; i < 3; ++i) robot_->observe();  // at most one observation may still be queued
    FAIL() << "observations after the arm node was killed";
  } catch (const RobotFault& e) {
    const double took = now_s() - killed;
    std::cout << "fault after the arm node was killed (" << took << " s): " << to_string(e.kind()) << ": " << e.what() << "\n";
    EXPECT_TRUE(e.kind() == RobotFault::Kind::kTimeout || e.kind() == RobotFault::Kind::kDisconnected) << to_string(e.kind());
    EXPECT_NE(std::string(e.what()).find("/camera/front/image_raw"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("/joint_states"), std::string::npos) << e.what();
    EXPECT_LT(took, config_.observe_timeout_s + 1.0) << e.what();
  }
  // hold() never throws, with or without the arm.
  robot_->hold();
}

TEST_F(RosArm, StartEpisodeMovesBackToTheStartPose) {
  // No episode topic: the arm node keeps its scene, so only the driver's move brings the arm back.
  config_.episode_topic = "";
  connect();
  robot_->start_episode(EpisodeSetup{"pick_place", "train", 0, 0, "", 200});
  TimedObservation obs = robot_->observe();
  // Drive 6 cm down and 4 cm sideways (2 s), then start a new episode: the arm comes back.
  RobotCommand command;
  command.ee_target_quat_wxyz = config_.start_pose_world.quat_wxyz;
  command.ee_target_pos_m = obs.observation.ee_pos_m;
  command.ee_target_pos_m[1] += 0.04;
  command.ee_target_pos_m[2] -= 0.06;
  for (int i = 0; i < 20; ++i) {
    robot_->command(command);
    obs = robot_->observe();
  }
  EXPECT_NEAR(obs.observation.ee_pos_m[1], config_.start_pose_world.pos_m[1] + 0.04, 0.005);
  EXPECT_NEAR(obs.observation.ee_pos_m[2], config_.start_pose_world.pos_m[2] - 0.06, 0.005);
  robot_->start_episode(EpisodeSetup{"pick_place", "train", 2, 0, "", 200});
  obs = robot_->observe();
  EXPECT_EQ(obs.sequence, 0u);
  // Within the tolerance when start_episode returned, plus 2 mm for one more control period.
  for (int k = 0; k < 3; ++k)
    EXPECT_NEAR(obs.observation.ee_pos_m[k], config_.start_pose_world.pos_m[k], config_.start_tolerance_m + 0.002) << k;
  const nlohmann::json stats = robot_->episode_stats();
  EXPECT_LE(stats.at("start_error_m").get<double>(), config_.start_tolerance_m);
  // A straight line of 0.072 m at 0.1 m/s takes 0.72 s: the move was not a jump.
  EXPECT_GE(stats.at("start_move_s").get<double>(), 0.7);
  EXPECT_LT(stats.at("start_move_s").get<double>(), 0.7 + config_.start_settle_timeout_s);
}

// Waits (up to 60 s: the arm node compiles its scene) for observe() to raise a protocol fault.
std::string protocol_fault(RosRobot& robot) {
  const double deadline = now_s() + 60;
  while (now_s() < deadline) {
    try {
      robot.observe();
      ADD_FAILURE() << "an observation despite the mismatched config";
      return "";
    } catch (const RobotFault& e) {
      if (e.kind() == RobotFault::Kind::kProtocol) return e.what();
      // Until the arm node publishes: kDisconnected (no publisher yet) or kTimeout.
      if (e.kind() != RobotFault::Kind::kTimeout && e.kind() != RobotFault::Kind::kDisconnected) throw;
    }
  }
  ADD_FAILURE() << "no protocol fault within 60 s";
  return "";
}

TEST_F(RosArm, MismatchedFramesAndJointNamesAreProtocolFaults) {
  // The arm publishes the EE pose in panda_link0; a driver expecting another base frame refuses it.
  config_.base_frame_id = "table";
  robot_ = std::make_unique<RosRobot>(config_);
  std::string message = protocol_fault(*robot_);
  EXPECT_NE(message.find("EE pose on /ee_pose is in frame 'panda_link0', expected the base frame 'table'"), std::string::npos)
      << message;
  robot_.reset();
  // A joint name the arm does not publish (a second RosRobot in the process, same master).
  config_.base_frame_id = "panda_link0";
  config_.arm_joint_names[0] = "shoulder";
  robot_ = std::make_unique<RosRobot>(config_);
  message = protocol_fault(*robot_);
  EXPECT_NE(message.find("joint state on /joint_states lacks joint 'shoulder'"), std::string::npos) << message;
  EXPECT_NE(message.find("it has: panda_joint1"), std::string::npos) << message;
}

// Every name from the config: other topics, one camera with an explicit crop to a non-square
// 112 x 96 observation, joint names, a single finger joint, another base frame placed off the world
// origin and turned 90 degrees about z.
class RosArmCustom : public RosArm {
 protected:
  void SetUp() override {
    ros_json_ = nlohmann::json::parse(R"({
      "cameras": [{"name": "front", "topic": "/lab/front/rgb",
                   "pipeline": {"crop": [10, 0, 140, 120], "output_height": 96, "output_width": 112}}],
      "joint_states_topic": "/lab/joints", "arm_joint_names": ["j1", "j2", "j3", "j4", "j5", "j6", "j7"],
      "finger_joint_names": ["finger"], "ee_pose_topic": "/lab/ee", "target_topic": "/lab/target",
      "gripper_topic": "/lab/grip", "episode_topic": "/lab/episode", "base_frame_id": "lab_base",
      "base_in_world": {"pos_m": [0.1, -0.2, 0.05], "quat_wxyz": [0.7071067811865476, 0, 0, 0.7071067811865476]}})");
    RosArm::SetUp();
  }
};

TEST_F(RosArmCustom, FollowsTheConfiguredNamesAndFrames) {
  connect();
  robot_->start_episode(EpisodeSetup{"pick_place", "train", 3, 7, "", 200});
  EXPECT_NE(arm_->log().find("episode pick_place/train/3 seed 7"), std::string::npos) << arm_->log();
  TimedObservation obs = robot_->observe();
  ASSERT_EQ(obs.observation.images.size(), 1u);
  EXPECT_EQ(obs.observation.images.at("front").height, 96);
  EXPECT_EQ(obs.observation.images.at("front").width, 112);
  // One finger joint at half the opening: the driver doubles it.
  EXPECT_NEAR(obs.observation.gripper_opening_m, kGripperMaxOpeningM, 0.005);
  for (int j = 0; j < kArmDof; ++j) EXPECT_NEAR(obs.observation.joint_pos_rad[j], kReadyJointPosRad[j], 0.05) << j;
  for (int k = 0; k < 3; ++k) EXPECT_NEAR(obs.observation.ee_pos_m[k], config_.start_pose_world.pos_m[k], 0.01) << k;
  // 2 cm up and 2 cm along world +y (base -x): targets go out in the base frame and come back.
  RobotCommand command;
  command.ee_target_quat_wxyz = config_.start_pose_world.quat_wxyz;
  command.ee_target_pos_m = obs.observation.ee_pos_m;
  command.ee_target_pos_m[1] += 0.02;
  command.ee_target_pos_m[2] += 0.02;
  const std::array<double, 3> goal = command.ee_target_pos_m;
  for (int i = 0; i < 15; ++i) {
    robot_->command(command);
    obs = robot_->observe();
  }
  for (int k = 0; k < 3; ++k) EXPECT_NEAR(obs.observation.ee_pos_m[k], goal[k], 0.005) << k;
}

}  // namespace
}  // namespace wambench
