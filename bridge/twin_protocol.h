// The wire protocol between `wambench twin` (bridge/twin_server.h) and its client TwinRobot
// (bridge/twin_robot.h): ZeroMQ messages (the client's DEALER socket, the twin's ROUTER socket),
// each one msgpack map. No ZeroMQ types appear here; this file only encodes and decodes bytes.
//
// Every message is a msgpack map with string keys. Common keys:
//   "v"    protocol version (int, kTwinProtocolVersion); a different version is refused.
//   "type" message type (str): "hello", "start_episode", "end_episode", "command" (client -> twin),
//          "reply", "observation" (twin -> client).
//   "id"   request id (requests and their replies) or command id (commands), uint.
// Type-specific keys are listed at TwinMessage's fields. Times on the wire are seconds on the
// twin's own monotonic clock ("twin time"); TwinRobot converts them to bridge_clock_s(). Images
// travel as raw bytes (H x W x 3 uint8 RGB, row 0 = top).
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "bridge/robot.h"

namespace wambench {

/// Version of the protocol this build speaks. Raised on any incompatible change.
inline constexpr int kTwinProtocolVersion = 1;

enum class TwinMessageType {
  kHello,         ///< client -> twin: clock-sync ping and twin info request; replied at once
  kStartEpisode,  ///< client -> twin: reset to an episode (setup, episode token); replied with obs 0
  kEndEpisode,    ///< client -> twin: stop the episode (hold); replied with the episode's stats
  kCommand,       ///< client -> twin: one command (never replied)
  kReply,         ///< twin -> client: the answer to a request with the same id
  kObservation,   ///< twin -> client: one observation per tick of a running episode
};

/// Name on the wire, e.g. "start_episode".
const char* to_string(TwinMessageType type);

/// A command as it travels to the twin.
struct TwinCommand {
  /// The normalized 7-D action (DESIGN.md "Actions"), each component finite.
  Action action{};
  bool hold = false;              ///< RobotCommand::hold
  uint64_t answers_sequence = 0;  ///< RobotCommand::answers_sequence
};

/// One observation as the twin sends it (one tick).
struct TwinObservation {
  /// Observation as the twin's SimRobot gives it, after the scenario's faults (sensor noise on the
  /// proprioception, dropped frames = the previous image again). time_s = simulation time.
  Observation observation;
  /// Camera -> capture time of its image (twin time, s); older than state_stamp_s for a stale frame.
  std::map<std::string, double> image_stamp_s;
  /// Capture time of the proprioception (twin time, s): when the tick's physics step ended. Images
  /// of the tick show that state and carry the same stamp (rendering is the camera's readout time).
  double state_stamp_s = 0;
  uint64_t sequence = 0;     ///< ticks since the episode started (0 = the reset state)
  /// The action the twin applied at this tick (what moved the simulator from sequence - 1 to
  /// sequence; zero for sequence 0). A hold is zero motion with the gripper latch repeated (+-1).
  Action applied_action{};
  bool applied_hold = true;      ///< the applied action was a hold (no new command, outage, lag fill)
  bool watchdog_hold = false;    ///< no command had arrived for the watchdog's periods at this tick
  /// Id of the command applied at this tick (0 = none: a hold the twin made itself) and the time the
  /// twin received it (twin time, s; 0 if none).
  uint64_t applied_command_id = 0;
  double applied_command_received_s = 0;
  bool success = false;          ///< the task's success predicate after this tick
  int progress = 0;              ///< the task's progress (sub-goals reached) after this tick
  /// FNV-1a (64 bit) of the simulator's qpos bytes after this tick (state_hash()).
  uint64_t state_hash = 0;
  /// The twin's statistics of the episode so far (TwinServer's episode stats, a JSON object).
  nlohmann::json stats = nlohmann::json::object();
};

/// One protocol message; which fields are meaningful depends on `type`.
struct TwinMessage {
  TwinMessageType type = TwinMessageType::kHello;
  uint64_t id = 0;  ///< request id, or command id for kCommand (the client's counter, >= 1)
  /// Client-chosen token of the episode (kStartEpisode, kEndEpisode, kCommand, kObservation, and
  /// replies to kStartEpisode): the twin ignores commands for another episode, the client ignores
  /// observations of another one, and a repeated kStartEpisode with the running episode's token
  /// does not reset again (a retried request).
  uint64_t episode = 0;
  EpisodeSetup setup;         ///< kStartEpisode
  TwinCommand command;        ///< kCommand
  bool has_observation = false;
  TwinObservation observation;  ///< kObservation; kReply to kStartEpisode (sequence 0)
  bool ok = true;             ///< kReply: false if the request failed
  std::string error;          ///< kReply with ok false: what failed (a RobotFault's message)
  std::string error_kind;     ///< kReply with ok false: to_string(RobotFault::Kind), e.g. "config"
  double twin_time_s = 0;     ///< kReply: the twin's clock when it sent the reply (clock sync)
  /// kReply: to kHello the twin's settings (twin_info: control_hz, time_scale, period_s, cameras,
  /// image size, scenario); to kEndEpisode the episode's stats. A JSON object.
  nlohmann::json info = nlohmann::json::object();
};

/// Encodes a message (msgpack bytes; see the file comment for the layout).
/// @throws std::invalid_argument for an image whose byte size is not H * W * 3.
std::string encode_twin_message(const TwinMessage& message);

/// Decodes bytes made by encode_twin_message().
/// @throws RobotFault kProtocol for bytes that are not one complete msgpack map (truncated,
/// trailing bytes), a missing or mistyped key (named), an unknown type, or a version other than
/// kTwinProtocolVersion (the message names both versions).
TwinMessage decode_twin_message(const char* data, size_t size);

/// FNV-1a (64 bit; offset basis 14695981039346656037, prime 1099511628211, as published by Fowler,
/// Noll and Vo) of `size` bytes: the twin's and its mirror's state fingerprint over qpos.
uint64_t fnv1a64(const void* data, size_t size);

}  // namespace wambench
