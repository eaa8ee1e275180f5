// TwinRobot: the Robot (bridge/robot.h) that drives `wambench twin` (bridge/twin_server.h) over
// ZeroMQ + msgpack (bridge/twin_protocol.h), the rehearsal stage before a real arm.
//
// Threads: ZeroMQ sockets are not thread-safe, so one I/O thread owns the DEALER socket that talks
// to the twin. Callers never touch it: they hand encoded messages to the I/O thread through an
// inproc PAIR pipe whose sending end is guarded by a mutex (so command() and hold() may run on
// different threads), and the I/O thread files what arrives (observations of the current episode,
// replies by request id) under a second mutex, waking waiters through a condition variable. Every
// wait has a time limit (TwinRobotConfig).
//
// Clock: the twin stamps on its own clock. At start_episode() the client measures the offset with
// clock_sync_rounds request-reply round trips (hello) and keeps the one with the smallest round
// trip: offset = twin_time - (t_send + t_recv) / 2 (Cristian's algorithm). Stamps returned by
// observe() are twin_time - offset, on bridge_clock_s().
//
// Mirror: privileged() is a local SimRobot (rendering off) reset to the same episode that executes,
// tick by tick, exactly the actions the twin reports it applied, so privileged policies
// (`scripted`) run on the twin. Its qpos hash is checked against the twin's at every observation.
#pragma once

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "bridge/robot.h"
#include "bridge/twin_protocol.h"

namespace wambench {

/// Settings of a TwinRobot: the "twin" object of a robot config file.
struct TwinRobotConfig {
  /// The twin's ZeroMQ endpoint, e.g. "tcp://127.0.0.1:5560" (`wambench twin --endpoint`).
  std::string endpoint = "tcp://127.0.0.1:5560";
  /// observe() waits at most this long (wall s, > 0) for an observation newer than the last one.
  double observe_timeout_s = 0.5;
  /// One request (hello, start_episode, end_episode) waits this long (wall s, > 0) for its reply
  /// before it is sent again (or given up, for end_episode).
  double request_timeout_s = 2.0;
  /// start_episode() retries (clock sync, then the start request) until the twin answers or this
  /// much wall time (s, > 0) has passed, so a run goes on once a lost connection comes back.
  double start_episode_timeout_s = 30.0;
  /// Round trips of the clock-offset estimate at each start_episode() (1..100).
  int clock_sync_rounds = 5;
  /// Keep the local mirror (privileged(); the hash check). Off: privileged() is nullptr.
  bool mirror = true;
};

/// Parses the "twin" object of a robot config: keys endpoint (string), observe_timeout_s,
/// request_timeout_s, start_episode_timeout_s (numbers > 0), clock_sync_rounds (integer 1..100),
/// mirror (bool); all optional. @throws RobotFault kConfig naming the key and what is valid, for an
/// unknown key or a bad value.
TwinRobotConfig twin_robot_config_from_json(const nlohmann::json& json);

/// The client of `wambench twin`. Not synchronous: the twin ticks on its own clock and command()
/// only queues. Thread-safe as Robot requires: hold() (and command()) may be called from any thread;
/// the other functions from the control loop's thread.
class TwinRobot final : public Robot {
 public:
  /// Connects (asynchronously: nothing fails here if the twin is not up yet) and starts the I/O
  /// thread. @throws RobotFault kConfig for a bad config or an endpoint ZeroMQ rejects.
  explicit TwinRobot(const TwinRobotConfig& config = {});
  ~TwinRobot() override;
  TwinRobot(const TwinRobot&) = delete;
  TwinRobot& operator=(const TwinRobot&) = delete;

  std::string name() const override { return "twin"; }
  /// Estimates the clock offset, asks the twin to reset to `setup` and takes observation 0 from its
  /// reply; resets the mirror to the same episode. Retries until start_episode_timeout_s.
  /// @throws RobotFault kDisconnected if the twin never answered within the limit (the message says
  /// how long it tried), the twin's own fault (e.g. kConfig for an unknown task), kProtocol if the
  /// mirror's initial state differs from the twin's.
  void start_episode(const EpisodeSetup& setup) override;
  /// Blocks until an observation newer than the last returned arrives (at most observe_timeout_s)
  /// and returns the newest one (older unreturned ones are skipped, but the mirror executes their
  /// applied actions). Stamps are converted to bridge_clock_s().
  /// @throws RobotFault kDisconnected if nothing at all came from the twin within the limit, or if
  /// observations are missing from the stream (the mirror cannot follow); kTimeout if the twin spoke
  /// but sent no new observation; kProtocol for a malformed message or a mirror whose state hash
  /// diverged from the twin's (naming the sequence); kConfig before start_episode().
  TimedObservation observe() override;
  /// Queues the command for the twin and returns at once. The twin applies it at its next tick
  /// (after the scenario's latency and lag). @throws std::invalid_argument for a NaN / Inf action;
  /// RobotFault kDisconnected if nothing came from the twin for longer than observe_timeout_s;
  /// kConfig before start_episode().
  void command(const RobotCommand& command) override;
  /// Sends a hold command (the twin keeps its target and gripper latch). Any thread; never throws.
  void hold() noexcept override;
  /// Asks the twin to stop the episode (waits request_timeout_s for its stats). Never throws.
  void end_episode() noexcept override;
  /// The task's success / progress as the newest returned observation reports them (nullopt before
  /// the first observation).
  std::optional<bool> success() const override;
  std::optional<int> progress() const override;
  bool synchronous() const override { return false; }
  bool simulated() const override { return true; }
  /// The mirror's TaskEnv (see the file comment), or nullptr if the mirror is off or before
  /// start_episode().
  const TaskEnv* privileged() const override;
  /// {"client": {...}, "twin": {...}}: the client's observation counts, clock offset and best round
  /// trip, observation ages at receipt (sequence >= 1) and command latencies (ms: n, min, p50, max;
  /// a command's latency = the twin's receipt stamp minus the time command() sent it), and the twin's stats
  /// (bridge/twin_server.h; from end_episode's reply, or the newest observation before that).
  nlohmann::json episode_stats() const override;

  /// The newest observation exactly as the twin sent it (twin-clock stamps, the applied action,
  /// watchdog flag, state hash, stats). Empty before the first observe().
  const TwinObservation& last_twin_observation() const;
  /// The current clock offset estimate: twin time minus bridge_clock_s() (s).
  double clock_offset_s() const;
  /// The twin's settings from its hello reply (control_hz, time_scale, period_s, cameras, image
  /// size, scenario).
  nlohmann::json twin_info() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace wambench
