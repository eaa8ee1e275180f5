// RosRobot over roscpp (bridge/ros_robot.h). Built only where CMake finds the Debian ROS 1 packages.
#include "bridge/ros_robot.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdlib>
#include <map>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>

#include <Eigen/Geometry>
#include <geometry_msgs/PoseStamped.h>
#include <ros/ros.h>
#include <sensor_msgs/Image.h>
#include <sensor_msgs/JointState.h>
#include <spdlog/spdlog.h>
#include <std_msgs/Float64.h>
#include <std_msgs/String.h>

#include "sim/arm_controller.h"

namespace wambench {
namespace {

// One RosRobot per process: roscpp has one node per process.
std::atomic<bool> g_ros_robot_alive{false};

std::string format_s(double s) {
  std::ostringstream out;
  out.precision(3);
  out << s << " s";
  return out.str();
}

// Offset that converts ROS time (s) to bridge_clock_s(), read now (both clocks sampled together).
double ros_to_bridge_offset_s() { return bridge_clock_s() - ros::Time::now().toSec(); }

double stamp_to_bridge_s(const ros::Time& stamp) {
  if (stamp.isZero()) return bridge_clock_s();  // an unstamped message: received now
  return stamp.toSec() + ros_to_bridge_offset_s();
}

double quat_angle_rad(const std::array<double, 4>& a, const std::array<double, 4>& b) {
  const double dot = std::abs(a[0] * b[0] + a[1] * b[1] + a[2] * b[2] + a[3] * b[3]);
  return 2.0 * std::acos(std::min(1.0, dot));
}

double distance_m(const std::array<double, 3>& a, const std::array<double, 3>& b) {
  return std::sqrt((a[0] - b[0]) * (a[0] - b[0]) + (a[1] - b[1]) * (a[1] - b[1]) + (a[2] - b[2]) * (a[2] - b[2]));
}

}  // namespace

struct RosRobot::Impl {
  RosRobotConfig config;
  std::unique_ptr<ros::NodeHandle> node;
  std::unique_ptr<ros::AsyncSpinner> spinner;
  std::vector<ros::Subscriber> camera_subs;
  ros::Subscriber joint_sub, ee_sub;
  ros::Publisher target_pub, gripper_pub, episode_pub;

  // Everything below is shared with the spinner thread, under `mutex`.
  std::mutex mutex;
  std::condition_variable arrived;
  struct CameraState {
    Image image;
    double stamp_s = 0;
    double received_s = -1;
    uint64_t count = 0;
    uint64_t returned = 0;  // count at the last observation returned
  };
  std::vector<CameraState> cameras;
  std::array<double, kArmDof> joint_pos_rad{};
  double gripper_opening_m = 0;
  double joint_stamp_s = 0, joint_received_s = -1;
  uint64_t joint_count = 0, joint_returned = 0;
  RigidPose ee_world;
  double ee_received_s = -1;
  uint64_t ee_count = 0;
  std::string protocol_error;  // the first bad message since the last observe()

  // Commands (under `mutex`).
  std::optional<RigidPose> last_target_world;
  bool gripper_close = false;
  bool gripper_sent = false;

  // Episode state (control thread only, except stats under `mutex`).
  uint64_t sequence = 0;
  double episode_start_s = 0;
  nlohmann::json stats = nlohmann::json::object();
  int holds = 0;
  int observe_faults = 0;

  void set_protocol_error(const std::string& message) {
    if (protocol_error.empty()) protocol_error = message;
  }

  void on_image(size_t index, const sensor_msgs::Image::ConstPtr& msg) {
    const RosCameraConfig& camera = config.cameras[index];
    Image image;
    try {
      CameraFrame frame;
      frame.height = static_cast<int>(msg->height);
      frame.width = static_cast<int>(msg->width);
      frame.encoding = parse_pixel_encoding(msg->encoding);
      frame.row_stride_bytes = msg->step;
      frame.data = msg->data.data();
      frame.size_bytes = msg->data.size();
      image = run_camera_pipeline(camera.pipeline, frame);
    } catch (const std::invalid_argument& e) {
      std::lock_guard<std::mutex> lock(mutex);
      set_protocol_error("image on " + camera.topic + " (camera \"" + camera.name + "\"): " + e.what());
      arrived.notify_all();
      return;
    }
    const double stamp = stamp_to_bridge_s(msg->header.stamp);
    std::lock_guard<std::mutex> lock(mutex);
    CameraState& state = cameras[index];
    state.image = std::move(image);
    state.stamp_s = stamp;
    state.received_s = bridge_clock_s();
    ++state.count;
    arrived.notify_all();
  }

  void on_joints(const sensor_msgs::JointState::ConstPtr& msg) {
    auto find = [&](const std::string& name) -> int {
      for (size_t i = 0; i < msg->name.size(); ++i)
        if (msg->name[i] == name) return i < msg->position.size() ? static_cast<int>(i) : -2;
      return -1;
    };
    std::array<double, kArmDof> q{};
    double opening = 0;
    std::string error;
    for (int j = 0; j < kArmDof && error.empty(); ++j) {
      const int i = find(config.arm_joint_names[j]);
      if (i < 0) error = "joint '" + config.arm_joint_names[j] + "'";
      else q[j] = msg->position[i];
    }
    for (const std::string& finger : config.finger_joint_names) {
      if (!error.empty()) break;
      const int i = find(finger);
      if (i < 0) error = "finger joint '" + finger + "'";
      else opening += msg->position[i];
    }
    if (config.finger_joint_names.size() == 1) opening *= 2;
    const double stamp = stamp_to_bridge_s(msg->header.stamp);
    std::lock_guard<std::mutex> lock(mutex);
    if (!error.empty()) {
      std::string names;
      for (const auto& n : msg->name) names += (names.empty() ? "" : ", ") + n;
      set_protocol_error("joint state on " + config.joint_states_topic + " lacks " + error +
                         " (or its position); it has: " + names + " (set arm_joint_names / finger_joint_names)");
    } else {
      joint_pos_rad = q;
      gripper_opening_m = opening;
      joint_stamp_s = stamp;
      joint_received_s = bridge_clock_s();
      ++joint_count;
    }
    arrived.notify_all();
  }

  void on_ee_pose(const geometry_msgs::PoseStamped::ConstPtr& msg) {
    std::lock_guard<std::mutex> lock(mutex);
    if (!msg->header.frame_id.empty() && msg->header.frame_id != config.base_frame_id) {
      set_protocol_error("EE pose on " + config.ee_pose_topic + " is in frame '" + msg->header.frame_id +
                         "', expected the base frame '" + config.base_frame_id + "' (base_frame_id)");
      arrived.notify_all();
      return;
    }
    const auto& p = msg->pose.position;
    const auto& o = msg->pose.orientation;
    const double n = std::sqrt(o.w * o.w + o.x * o.x + o.y * o.y + o.z * o.z);
    if (!(n > 1e-6) || !std::isfinite(p.x + p.y + p.z)) {
      set_protocol_error("EE pose on " + config.ee_pose_topic + " has a zero or non-finite quaternion / position");
      arrived.notify_all();
      return;
    }
    ee_world = base_to_world(config.base_in_world, RigidPose{{p.x, p.y, p.z}, {o.w / n, o.x / n, o.y / n, o.z / n}});
    ee_received_s = bridge_clock_s();
    ++ee_count;
    arrived.notify_all();
  }

  void publish_target(const RigidPose& world) {
    const RigidPose base = world_to_base(config.base_in_world, world);
    geometry_msgs::PoseStamped msg;
    msg.header.stamp = ros::Time::now();
    msg.header.frame_id = config.base_frame_id;
    msg.pose.position.x = base.pos_m[0];
    msg.pose.position.y = base.pos_m[1];
    msg.pose.position.z = base.pos_m[2];
    msg.pose.orientation.w = base.quat_wxyz[0];
    msg.pose.orientation.x = base.quat_wxyz[1];
    msg.pose.orientation.y = base.quat_wxyz[2];
    msg.pose.orientation.z = base.quat_wxyz[3];
    target_pub.publish(msg);
  }

  void publish_gripper(bool close) {
    std_msgs::Float64 msg;
    msg.data = close ? 0.0 : kGripperMaxOpeningM;
    gripper_pub.publish(msg);
  }

  // Names of the topics that have sent nothing new, with how long ago they last did.
  std::string silent_topics(double now, bool* any_without_publisher) {
    std::string out;
    auto add = [&](const std::string& topic, const ros::Subscriber& sub, double received_s) {
      const bool no_publisher = sub.getNumPublishers() == 0;
      if (no_publisher) *any_without_publisher = true;
      out += (out.empty() ? "" : "; ") + topic + " (" +
             (received_s < 0 ? std::string("nothing received") : "last message " + format_s(now - received_s) + " ago") +
             (no_publisher ? ", no publisher" : "") + ")";
    };
    for (size_t i = 0; i < cameras.size(); ++i)
      if (cameras[i].count <= cameras[i].returned) add(config.cameras[i].topic, camera_subs[i], cameras[i].received_s);
    if (joint_count <= joint_returned) add(config.joint_states_topic, joint_sub, joint_received_s);
    if (ee_count == 0) add(config.ee_pose_topic, ee_sub, ee_received_s);
    return out;
  }

  bool complete() const {
    if (ee_count == 0 || joint_count <= joint_returned) return false;
    for (const auto& c : cameras)
      if (c.count <= c.returned) return false;
    return true;
  }

  void require_ros() const {
    if (!ros::ok())
      throw RobotFault(RobotFault::Kind::kDisconnected, "ros robot: roscpp has shut down (node '" + config.node_name + "')");
  }
};

RosRobot::RosRobot(const RosRobotConfig& config) : impl_(std::make_unique<Impl>()) {
  if (config.cameras.empty()) throw RobotFault(RobotFault::Kind::kConfig, "ros robot: no cameras configured");
  if (g_ros_robot_alive.exchange(true))
    throw RobotFault(RobotFault::Kind::kConfig, "ros robot: another RosRobot exists in this process (roscpp has one node per process)");
  Impl& s = *impl_;
  s.config = config;
  s.cameras.resize(config.cameras.size());
  // roscpp initializes once per process: a later ros::init keeps the first master URI and node
  // name (init.cpp's g_initialized is never reset), so a RosRobot for another master cannot work.
  if (ros::isInitialized()) {
    const char* env = std::getenv("ROS_MASTER_URI");
    const std::string wanted = !config.master_uri.empty() ? config.master_uri : (env ? env : "");
    if (!wanted.empty() && wanted != ros::master::getURI()) {
      g_ros_robot_alive = false;
      throw RobotFault(RobotFault::Kind::kConfig, "ros robot: this process already used the ROS master at " +
                                                      ros::master::getURI() + "; roscpp cannot switch to " + wanted +
                                                      " (start a new process)");
    }
  }
  try {
    std::map<std::string, std::string> remappings;
    if (!config.master_uri.empty()) remappings["__master"] = config.master_uri;
    ros::init(remappings, config.node_name, ros::init_options::NoSigintHandler | ros::init_options::AnonymousName);
  } catch (const ros::Exception& e) {
    g_ros_robot_alive = false;
    throw RobotFault(RobotFault::Kind::kConfig, std::string("ros robot: ros::init failed: ") + e.what() +
                                                    " (set \"master_uri\" in the robot config or ROS_MASTER_URI)");
  }
  // roscpp retries forever without a master: wait for it here, with a limit.
  const double deadline = bridge_clock_s() + config.master_timeout_s;
  while (!ros::master::check()) {
    if (bridge_clock_s() > deadline) {
      const std::string uri = ros::master::getURI();
      ros::shutdown();
      g_ros_robot_alive = false;
      throw RobotFault(RobotFault::Kind::kDisconnected, "ros robot: no ROS master answers at " + uri + " within " +
                                                            format_s(config.master_timeout_s) +
                                                            " (start roscore, or fix master_uri / ROS_MASTER_URI)");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  s.node = std::make_unique<ros::NodeHandle>();
  for (size_t i = 0; i < config.cameras.size(); ++i)
    s.camera_subs.push_back(s.node->subscribe<sensor_msgs::Image>(
        config.cameras[i].topic, 2, [this, i](const sensor_msgs::Image::ConstPtr& msg) { impl_->on_image(i, msg); },
        ros::VoidConstPtr(), ros::TransportHints().tcpNoDelay()));
  s.joint_sub = s.node->subscribe(config.joint_states_topic, 10, &Impl::on_joints, impl_.get(),
                                  ros::TransportHints().tcpNoDelay());
  s.ee_sub = s.node->subscribe(config.ee_pose_topic, 10, &Impl::on_ee_pose, impl_.get(), ros::TransportHints().tcpNoDelay());
  s.target_pub = s.node->advertise<geometry_msgs::PoseStamped>(config.target_topic, 10);
  s.gripper_pub = s.node->advertise<std_msgs::Float64>(config.gripper_topic, 10);
  if (!config.episode_topic.empty()) s.episode_pub = s.node->advertise<std_msgs::String>(config.episode_topic, 1, /*latch=*/true);
  s.spinner = std::make_unique<ros::AsyncSpinner>(1);
  s.spinner->start();
  spdlog::info("ros robot: node {} connected to {}", ros::this_node::getName(), ros::master::getURI());
}

RosRobot::~RosRobot() {
  hold();
  Impl& s = *impl_;
  if (s.spinner) s.spinner->stop();
  s.camera_subs.clear();
  s.joint_sub.shutdown();
  s.ee_sub.shutdown();
  s.target_pub.shutdown();
  s.gripper_pub.shutdown();
  s.episode_pub.shutdown();
  s.node.reset();
  ros::shutdown();
  g_ros_robot_alive = false;
}

void RosRobot::start_episode(const EpisodeSetup& setup) {
  Impl& s = *impl_;
  s.require_ros();
  if (!s.config.episode_topic.empty()) {
    std_msgs::String msg;
    msg.data = nlohmann::json{{"task", setup.task},         {"split", setup.split},
                              {"index", setup.index},       {"base_seed", setup.base_seed},
                              {"instruction", setup.instruction}, {"horizon_steps", setup.horizon_steps}}
                   .dump();
    s.episode_pub.publish(msg);
  }
  const double started = bridge_clock_s();
  // The line starts at the measured EE pose.
  RigidPose from;
  {
    std::unique_lock<std::mutex> lock(s.mutex);
    const uint64_t seen = s.ee_count;
    // A pose measured after the episode was announced (the arm may have been reset), else any.
    if (!s.arrived.wait_for(lock, std::chrono::duration<double>(s.config.observe_timeout_s),
                            [&] { return s.ee_count > seen || !s.protocol_error.empty(); }) &&
        s.ee_count == 0)
      throw RobotFault(RobotFault::Kind::kTimeout, "ros robot: start_episode: no EE pose on " + s.config.ee_pose_topic +
                                                       " within " + format_s(s.config.observe_timeout_s));
    if (s.ee_count == 0 && !s.protocol_error.empty()) {
      const std::string message = "ros robot: start_episode: " + s.protocol_error;
      s.protocol_error.clear();
      throw RobotFault(RobotFault::Kind::kProtocol, message);
    }
    from = s.ee_world;
    s.gripper_close = false;
  }
  s.publish_gripper(false);
  const RigidPose& to = s.config.start_pose_world;
  const double duration = std::max(distance_m(from.pos_m, to.pos_m) / s.config.start_speed_m_s,
                                   quat_angle_rad(from.quat_wxyz, to.quat_wxyz) / s.config.start_angular_speed_rad_s);
  const int steps = std::max(1, static_cast<int>(std::ceil(duration * s.config.start_rate_hz)));
  const Eigen::Quaterniond q0(from.quat_wxyz[0], from.quat_wxyz[1], from.quat_wxyz[2], from.quat_wxyz[3]);
  const Eigen::Quaterniond q1(to.quat_wxyz[0], to.quat_wxyz[1], to.quat_wxyz[2], to.quat_wxyz[3]);
  ros::WallRate rate(s.config.start_rate_hz);
  for (int i = 1; i <= steps; ++i) {
    s.require_ros();
    const double t = static_cast<double>(i) / steps;
    RigidPose via;
    for (int k = 0; k < 3; ++k) via.pos_m[k] = from.pos_m[k] + t * (to.pos_m[k] - from.pos_m[k]);
    const Eigen::Quaterniond q = q0.slerp(t, q1);
    via.quat_wxyz = {q.w(), q.x(), q.y(), q.z()};
    {
      std::lock_guard<std::mutex> lock(s.mutex);
      s.last_target_world = via;
      s.gripper_sent = true;
    }
    s.publish_target(via);
    s.publish_gripper(false);
    rate.sleep();
  }
  // Settle: the measured EE within tolerance of the start pose.
  const double deadline = bridge_clock_s() + s.config.start_settle_timeout_s;
  double dist = 0, angle = 0;
  while (true) {
    s.require_ros();
    {
      std::lock_guard<std::mutex> lock(s.mutex);
      dist = distance_m(s.ee_world.pos_m, to.pos_m);
      angle = quat_angle_rad(s.ee_world.quat_wxyz, to.quat_wxyz);
    }
    if (dist <= s.config.start_tolerance_m && angle <= s.config.start_tolerance_rad) break;
    if (bridge_clock_s() > deadline)
      throw RobotFault(RobotFault::Kind::kTimeout,
                       "ros robot: start_episode: the EE did not reach the start pose within " +
                           format_s(s.config.start_settle_timeout_s) + " after the move (still " + std::to_string(dist) +
                           " m and " + std::to_string(angle) + " rad away; tolerance " +
                           std::to_string(s.config.start_tolerance_m) + " m, " +
                           std::to_string(s.config.start_tolerance_rad) + " rad)");
    s.publish_target(to);
    rate.sleep();
  }
  std::lock_guard<std::mutex> lock(s.mutex);
  s.sequence = 0;
  s.episode_start_s = bridge_clock_s();
  s.holds = 0;
  s.observe_faults = 0;
  s.stats = {{"start_move_s", s.episode_start_s - started}, {"start_error_m", dist}, {"start_error_rad", angle}};
  // The first observation of the episode is one captured after the move.
  for (auto& c : s.cameras) c.returned = c.count;
  s.joint_returned = s.joint_count;
}

TimedObservation RosRobot::observe() {
  Impl& s = *impl_;
  std::unique_lock<std::mutex> lock(s.mutex);
  const double started = bridge_clock_s();
  const bool ok = s.arrived.wait_for(lock, std::chrono::duration<double>(s.config.observe_timeout_s),
                                     [&] { return !s.protocol_error.empty() || s.complete(); });
  if (!s.protocol_error.empty()) {
    const std::string message = "ros robot: " + s.protocol_error;
    s.protocol_error.clear();
    ++s.observe_faults;
    throw RobotFault(RobotFault::Kind::kProtocol, message);
  }
  if (!ok) {
    ++s.observe_faults;
    bool without_publisher = false;
    const std::string silent = s.silent_topics(bridge_clock_s(), &without_publisher);
    const std::string waited = format_s(bridge_clock_s() - started);
    lock.unlock();
    if (!ros::ok() || !ros::master::check())
      throw RobotFault(RobotFault::Kind::kDisconnected, "ros robot: the ROS master at " + ros::master::getURI() +
                                                            " does not answer; no new observation within " + waited +
                                                            ", silent: " + silent);
    throw RobotFault(without_publisher ? RobotFault::Kind::kDisconnected : RobotFault::Kind::kTimeout,
                     "ros robot: no new observation within " + waited + " (observe_timeout_s), silent topics: " + silent);
  }
  TimedObservation out;
  Observation& obs = out.observation;
  for (size_t i = 0; i < s.cameras.size(); ++i) {
    Impl::CameraState& c = s.cameras[i];
    obs.images[s.config.cameras[i].name] = c.image;
    out.image_stamp_s[s.config.cameras[i].name] = c.stamp_s;
    c.returned = c.count;
  }
  s.joint_returned = s.joint_count;
  obs.joint_pos_rad = s.joint_pos_rad;
  obs.gripper_opening_m = s.gripper_opening_m;
  obs.ee_pos_m = s.ee_world.pos_m;
  obs.ee_quat_wxyz = s.ee_world.quat_wxyz;
  const Eigen::Matrix3d r =
      Eigen::Quaterniond(obs.ee_quat_wxyz[0], obs.ee_quat_wxyz[1], obs.ee_quat_wxyz[2], obs.ee_quat_wxyz[3]).toRotationMatrix();
  obs.ee_rot6d = {r(0, 0), r(1, 0), r(2, 0), r(0, 1), r(1, 1), r(2, 1)};
  out.state_stamp_s = s.joint_stamp_s;
  obs.time_s = s.joint_stamp_s - s.episode_start_s;
  out.sequence = s.sequence++;
  return out;
}

void RosRobot::command(const RobotCommand& command) {
  Impl& s = *impl_;
  for (double v : command.ee_target_pos_m)
    if (!std::isfinite(v)) throw std::invalid_argument("ros robot: command with a NaN / Inf EE target position");
  double norm = 0;
  for (double v : command.ee_target_quat_wxyz) {
    if (!std::isfinite(v)) throw std::invalid_argument("ros robot: command with a NaN / Inf EE target orientation");
    norm += v * v;
  }
  if (norm < 1e-12) throw std::invalid_argument("ros robot: command with a zero EE target quaternion");
  s.require_ros();
  if (command.hold) {
    hold();
    return;
  }
  RigidPose target{command.ee_target_pos_m, command.ee_target_quat_wxyz};
  for (double& v : target.quat_wxyz) v /= std::sqrt(norm);
  {
    std::lock_guard<std::mutex> lock(s.mutex);
    s.last_target_world = target;
    s.gripper_close = command.gripper_close;
    s.gripper_sent = true;
  }
  s.publish_target(target);
  s.publish_gripper(command.gripper_close);
}

void RosRobot::hold() noexcept {
  try {
    Impl& s = *impl_;
    if (!ros::ok()) return;
    std::optional<RigidPose> target;
    bool close = false, gripper = false;
    {
      std::lock_guard<std::mutex> lock(s.mutex);
      target = s.last_target_world;
      if (!target && s.ee_count > 0) target = s.ee_world;
      close = s.gripper_close;
      gripper = s.gripper_sent;
      ++s.holds;
    }
    if (target) s.publish_target(*target);
    if (gripper) s.publish_gripper(close);
  } catch (const std::exception& e) {
    spdlog::error("ros robot: hold failed: {}", e.what());
  } catch (...) {
    spdlog::error("ros robot: hold failed");
  }
}

nlohmann::json RosRobot::episode_stats() const {
  Impl& s = *impl_;
  std::lock_guard<std::mutex> lock(s.mutex);
  nlohmann::json out = s.stats;
  out["holds"] = s.holds;
  out["observe_faults"] = s.observe_faults;
  out["observations"] = s.sequence;
  return out;
}

}  // namespace wambench
