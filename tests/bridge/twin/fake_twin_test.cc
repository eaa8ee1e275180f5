// TwinRobot against a scripted stand-in twin (a ZeroMQ ROUTER in the test) that misbehaves: a state
// hash the mirror cannot reproduce, malformed bytes, another protocol version.
#include <atomic>
#include <functional>
#include <thread>

#include <gtest/gtest.h>
#include <mujoco/mujoco.h>
#include <zmq.hpp>

#include "bridge/twin_protocol.h"
#include "bridge/twin_robot.h"
#include "tasks/split.h"
#include "tasks/task_env.h"

namespace wambench {
namespace {

// Answers hello and start_episode (observation 0 with `hash`), and sends `after_start` (raw bytes)
// when the first command arrives. Stopped and joined on destruction.
class FakeTwin {
 public:
  FakeTwin(uint64_t hash, std::string after_start) : hash_(hash), after_start_(std::move(after_start)) {
    socket_.set(zmq::sockopt::linger, 0);
    socket_.bind("tcp://127.0.0.1:*");
    endpoint_ = socket_.get(zmq::sockopt::last_endpoint);
    thread_ = std::thread([this] { loop(); });
  }
  ~FakeTwin() {
    stop_ = true;
    thread_.join();
  }
  const std::string& endpoint() const { return endpoint_; }

 private:
  void loop() {
    zmq::pollitem_t items[] = {{static_cast<void*>(socket_), 0, ZMQ_POLLIN, 0}};
    while (!stop_) {
      zmq::poll(items, 1, std::chrono::milliseconds(20));
      zmq::message_t id, payload;
      if (!socket_.recv(id, zmq::recv_flags::dontwait)) continue;
      if (!socket_.recv(payload, zmq::recv_flags::none)) continue;
      const TwinMessage m = decode_twin_message(static_cast<const char*>(payload.data()), payload.size());
      TwinMessage r;
      r.type = TwinMessageType::kReply;
      r.id = m.id;
      r.episode = m.episode;
      if (m.type == TwinMessageType::kHello) r.info = {{"control_hz", 10.0}};
      if (m.type == TwinMessageType::kStartEpisode) {
        r.has_observation = true;
        r.observation.state_hash = hash_;
        r.observation.applied_hold = true;
      }
      if (m.type == TwinMessageType::kCommand) {
        if (!after_start_.empty()) send(id.to_string(), after_start_);
        after_start_.clear();
        continue;
      }
      send(id.to_string(), encode_twin_message(r));
    }
  }
  void send(const std::string& id, const std::string& bytes) {
    socket_.send(zmq::buffer(id), zmq::send_flags::sndmore);
    socket_.send(zmq::buffer(bytes), zmq::send_flags::none);
  }

  zmq::context_t context_{1};
  zmq::socket_t socket_{context_, zmq::socket_type::router};
  std::string endpoint_;
  uint64_t hash_;
  std::string after_start_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

EpisodeSetup setup() {
  EpisodeSetup s;
  s.task = "press_button";
  s.split = "train";
  s.index = 0;
  s.base_seed = 1000;
  s.horizon_steps = 100;
  return s;
}

uint64_t true_initial_hash() {
  EnvConfig c;
  c.render = false;
  TaskEnv env("press_button", c);
  env.reset(Split::kTrain, 0, 1000);
  return fnv1a64(env.env().data()->qpos, sizeof(mjtNum) * env.env().model()->nq);
}

TwinRobotConfig config(const std::string& endpoint) {
  TwinRobotConfig c;
  c.endpoint = endpoint;
  c.request_timeout_s = 1.0;
  c.start_episode_timeout_s = 10.0;
  return c;
}

RobotFault::Kind fault_kind(const std::function<void()>& f, std::string* message) {
  try {
    f();
  } catch (const RobotFault& e) {
    *message = e.what();
    return e.kind();
  }
  ADD_FAILURE() << "no RobotFault";
  return RobotFault::Kind::kConfig;
}

TEST(FakeTwin, MirrorDivergenceIsAProtocolFault) {
  FakeTwin fake(true_initial_hash() ^ 1, "");
  TwinRobot robot(config(fake.endpoint()));
  std::string message;
  EXPECT_EQ(fault_kind([&] { robot.start_episode(setup()); }, &message), RobotFault::Kind::kProtocol);
  EXPECT_NE(message.find("mirror diverged from the twin at sequence 0"), std::string::npos) << message;
}

TEST(FakeTwin, MalformedAndVersionMismatchedMessagesAreProtocolFaults) {
  const uint64_t hash = true_initial_hash();
  {
    FakeTwin fake(hash, std::string("\x81\xa1v", 3));  // a map whose value is cut off
    TwinRobot robot(config(fake.endpoint()));
    robot.start_episode(setup());
    EXPECT_EQ(robot.observe().sequence, 0u);
    robot.command(RobotCommand{});
    std::string message;
    EXPECT_EQ(fault_kind([&] { robot.observe(); }, &message), RobotFault::Kind::kProtocol);
    EXPECT_NE(message.find("truncated"), std::string::npos) << message;
  }
  {
    TwinMessage future;
    future.type = TwinMessageType::kHello;
    std::string bytes = encode_twin_message(future);
    bytes[3] = static_cast<char>(kTwinProtocolVersion + 1);  // see protocol_test.cc
    FakeTwin fake(hash, bytes);
    TwinRobot robot(config(fake.endpoint()));
    robot.start_episode(setup());
    robot.observe();
    robot.command(RobotCommand{});
    std::string message;
    EXPECT_EQ(fault_kind([&] { robot.observe(); }, &message), RobotFault::Kind::kProtocol);
    EXPECT_NE(message.find("version " + std::to_string(kTwinProtocolVersion + 1)), std::string::npos) << message;
  }
}

}  // namespace
}  // namespace wambench
