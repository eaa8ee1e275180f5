#include "bridge/twin_protocol.h"

#include <gtest/gtest.h>

namespace wambench {
namespace {

TwinObservation sample_observation() {
  TwinObservation o;
  Image front(4, 3), wrist(2, 2);
  for (size_t i = 0; i < front.rgb.size(); ++i) front.rgb[i] = static_cast<uint8_t>(i * 7);
  for (size_t i = 0; i < wrist.rgb.size(); ++i) wrist.rgb[i] = static_cast<uint8_t>(255 - i);
  o.observation.images["front"] = front;
  o.observation.images["wrist"] = wrist;
  o.observation.ee_pos_m = {0.5, -0.25, 0.125};
  o.observation.ee_quat_wxyz = {0.7, 0.1, -0.7, 0.0};
  o.observation.ee_rot6d = {1, 0, 0, 0, 1, 0.5};
  o.observation.gripper_opening_m = 0.0425;
  for (int i = 0; i < kArmDof; ++i) o.observation.joint_pos_rad[i] = 0.1 * i - 0.3;
  o.observation.time_s = 1.5;
  o.image_stamp_s = {{"front", 10.25}, {"wrist", 10.5}};
  o.state_stamp_s = 10.5;
  o.sequence = 15;
  o.applied_action = {0.1, -0.2, 0.3, 0, 0, -1, 1};
  o.applied_hold = false;
  o.watchdog_hold = true;
  o.applied_command_id = 99;
  o.applied_command_received_s = 10.41;
  o.success = true;
  o.progress = 2;
  o.state_hash = 0xfedcba9876543210ull;
  o.stats = {{"frames_dropped", {{"front", 1}}}};
  return o;
}

void expect_same(const TwinObservation& a, const TwinObservation& b) {
  ASSERT_EQ(a.observation.images.size(), b.observation.images.size());
  for (const auto& [camera, image] : a.observation.images) {
    const Image& other = b.observation.images.at(camera);
    EXPECT_EQ(image.height, other.height);
    EXPECT_EQ(image.width, other.width);
    EXPECT_EQ(image.rgb, other.rgb);
  }
  EXPECT_EQ(a.image_stamp_s, b.image_stamp_s);
  EXPECT_EQ(a.observation.ee_pos_m, b.observation.ee_pos_m);
  EXPECT_EQ(a.observation.ee_quat_wxyz, b.observation.ee_quat_wxyz);
  EXPECT_EQ(a.observation.ee_rot6d, b.observation.ee_rot6d);
  EXPECT_EQ(a.observation.gripper_opening_m, b.observation.gripper_opening_m);
  EXPECT_EQ(a.observation.joint_pos_rad, b.observation.joint_pos_rad);
  EXPECT_EQ(a.observation.time_s, b.observation.time_s);
  EXPECT_EQ(a.state_stamp_s, b.state_stamp_s);
  EXPECT_EQ(a.sequence, b.sequence);
  EXPECT_EQ(a.applied_action, b.applied_action);
  EXPECT_EQ(a.applied_hold, b.applied_hold);
  EXPECT_EQ(a.watchdog_hold, b.watchdog_hold);
  EXPECT_EQ(a.applied_command_id, b.applied_command_id);
  EXPECT_EQ(a.applied_command_received_s, b.applied_command_received_s);
  EXPECT_EQ(a.success, b.success);
  EXPECT_EQ(a.progress, b.progress);
  EXPECT_EQ(a.state_hash, b.state_hash);
  EXPECT_EQ(a.stats, b.stats);
}

TEST(TwinProtocol, ObservationRoundTrip) {
  TwinMessage m;
  m.type = TwinMessageType::kObservation;
  m.episode = 1234567890123ull;
  m.has_observation = true;
  m.observation = sample_observation();
  const std::string bytes = encode_twin_message(m);
  const TwinMessage d = decode_twin_message(bytes.data(), bytes.size());
  EXPECT_EQ(d.type, TwinMessageType::kObservation);
  EXPECT_EQ(d.episode, m.episode);
  ASSERT_TRUE(d.has_observation);
  expect_same(m.observation, d.observation);
}

TEST(TwinProtocol, RequestsAndRepliesRoundTrip) {
  TwinMessage start;
  start.type = TwinMessageType::kStartEpisode;
  start.id = 7;
  start.episode = 42;
  start.setup = {"pick_place", "unseen_object", 3, 1000, "put the mug in the bowl", 200};
  TwinMessage s = decode_twin_message(encode_twin_message(start).data(), encode_twin_message(start).size());
  EXPECT_EQ(s.type, TwinMessageType::kStartEpisode);
  EXPECT_EQ(s.id, 7u);
  EXPECT_EQ(s.episode, 42u);
  EXPECT_EQ(s.setup.task, "pick_place");
  EXPECT_EQ(s.setup.split, "unseen_object");
  EXPECT_EQ(s.setup.index, 3);
  EXPECT_EQ(s.setup.base_seed, 1000u);
  EXPECT_EQ(s.setup.instruction, "put the mug in the bowl");
  EXPECT_EQ(s.setup.horizon_steps, 200);

  TwinMessage cmd;
  cmd.type = TwinMessageType::kCommand;
  cmd.id = 8;
  cmd.episode = 42;
  cmd.command.action = {0.5, -0.5, 0.25, 0.0, 0.1, -0.1, -1.0};
  cmd.command.hold = true;
  cmd.command.answers_sequence = 12;
  const std::string cb = encode_twin_message(cmd);
  TwinMessage c = decode_twin_message(cb.data(), cb.size());
  EXPECT_EQ(c.type, TwinMessageType::kCommand);
  EXPECT_EQ(c.command.action, cmd.command.action);
  EXPECT_TRUE(c.command.hold);
  EXPECT_EQ(c.command.answers_sequence, 12u);

  TwinMessage reply;
  reply.type = TwinMessageType::kReply;
  reply.id = 7;
  reply.ok = false;
  reply.error = "unknown task 'x'";
  reply.error_kind = "config";
  reply.twin_time_s = 3.25;
  reply.info = {{"control_hz", 10}};
  reply.has_observation = true;
  reply.observation = sample_observation();
  const std::string rb = encode_twin_message(reply);
  TwinMessage r = decode_twin_message(rb.data(), rb.size());
  EXPECT_EQ(r.type, TwinMessageType::kReply);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error, reply.error);
  EXPECT_EQ(r.error_kind, "config");
  EXPECT_EQ(r.twin_time_s, 3.25);
  EXPECT_EQ(r.info, reply.info);
  ASSERT_TRUE(r.has_observation);
  expect_same(reply.observation, r.observation);
}

RobotFault decode_error(const std::string& bytes) {
  try {
    decode_twin_message(bytes.data(), bytes.size());
  } catch (const RobotFault& e) {
    return e;
  }
  ADD_FAILURE() << "decode did not throw";
  return RobotFault(RobotFault::Kind::kConfig, "");
}

TEST(TwinProtocol, VersionMismatchIsAClearProtocolError) {
  TwinMessage hello;
  hello.type = TwinMessageType::kHello;
  std::string bytes = encode_twin_message(hello);
  // fixmap header, then the key "v" (fixstr 0xa1 'v') and the version as a positive fixint.
  ASSERT_EQ(static_cast<unsigned char>(bytes[1]), 0xa1);
  ASSERT_EQ(bytes[2], 'v');
  ASSERT_EQ(bytes[3], kTwinProtocolVersion);
  bytes[3] = static_cast<char>(kTwinProtocolVersion + 1);
  const RobotFault e = decode_error(bytes);
  EXPECT_EQ(e.kind(), RobotFault::Kind::kProtocol);
  EXPECT_NE(std::string(e.what()).find("version " + std::to_string(kTwinProtocolVersion + 1)), std::string::npos)
      << e.what();
  EXPECT_NE(std::string(e.what()).find("speaks version " + std::to_string(kTwinProtocolVersion)), std::string::npos)
      << e.what();
}

TEST(TwinProtocol, TruncatedAndMalformedMessagesAreProtocolFaults) {
  TwinMessage m;
  m.type = TwinMessageType::kObservation;
  m.has_observation = true;
  m.observation = sample_observation();
  const std::string bytes = encode_twin_message(m);
  for (size_t cut : {size_t{1}, bytes.size() / 2, bytes.size() - 1}) {
    const RobotFault e = decode_error(bytes.substr(0, cut));
    EXPECT_EQ(e.kind(), RobotFault::Kind::kProtocol);
    EXPECT_NE(std::string(e.what()).find("truncated"), std::string::npos) << e.what();
  }
  const RobotFault trailing = decode_error(bytes + "x");
  EXPECT_EQ(trailing.kind(), RobotFault::Kind::kProtocol);
  EXPECT_NE(std::string(trailing.what()).find("trailing"), std::string::npos) << trailing.what();
  // A msgpack value that is not a map, and an empty message.
  EXPECT_EQ(decode_error(std::string("\x93\x01\x02\x03", 4)).kind(), RobotFault::Kind::kProtocol);
  EXPECT_EQ(decode_error(std::string()).kind(), RobotFault::Kind::kProtocol);
}

TEST(TwinProtocol, MissingKeyIsNamed) {
  TwinMessage cmd;
  cmd.type = TwinMessageType::kCommand;
  std::string bytes = encode_twin_message(cmd);
  // Rename the key "hold" to "hole": the decoder must name the missing key.
  const size_t at = bytes.find("hold");
  ASSERT_NE(at, std::string::npos);
  bytes[at + 3] = 'e';
  const RobotFault e = decode_error(bytes);
  EXPECT_EQ(e.kind(), RobotFault::Kind::kProtocol);
  EXPECT_NE(std::string(e.what()).find("'hold'"), std::string::npos) << e.what();
}

TEST(TwinProtocol, Fnv1aMatchesPublishedVectors) {
  // Test vectors of the FNV-1a 64-bit reference (Fowler / Noll / Vo): "" and "a".
  EXPECT_EQ(fnv1a64("", 0), 0xcbf29ce484222325ull);
  EXPECT_EQ(fnv1a64("a", 1), 0xaf63dc4c8601ec8cull);
  EXPECT_EQ(fnv1a64("foobar", 6), 0x85944171f73967e8ull);
}

}  // namespace
}  // namespace wambench
