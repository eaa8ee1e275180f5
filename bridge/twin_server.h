// The twin: `wambench twin`'s process loop. A SimRobot (bridge/sim_robot.h) behind a ZeroMQ ROUTER
// socket that behaves like a real arm on a network, with the faults of a scenario
// (bridge/twin_scenario.h) injected. Its client is TwinRobot (bridge/twin_robot.h); the messages are
// bridge/twin_protocol.h's.
//
// Behaviour:
//  - Own clock ("twin time": seconds of std::chrono::steady_clock since the server was made). A
//    running episode ticks every TwinScenario::period_s() of wall time. At each tick the twin takes
//    the newest command that has arrived (after the injected command latency) and was not applied
//    yet (older ones that arrived since the last tick are skipped and counted as superseded), passes
//    it through the tracking lag, applies it to its SimRobot for one control period, and queues an
//    observation (after noise and frame drops) to be sent after the injected observation latency.
//  - A tick without a new command applies a hold: zero motion with the gripper latch repeated
//    (make_hold_command's action), never the last delta again. When TwinScenario::watchdog_periods
//    consecutive ticks (periods) passed without a new command, the tick is counted (and logged once
//    per stretch) as a watchdog hold; the twin keeps holding.
//  - Episodes: kStartEpisode resets the SimRobot to the setup's episode exactly as `wambench eval`
//    does and replies with observation 0; ticks start when the episode's first command arrives (tick
//    1 applies it; at the earliest one period after the reply), or TwinScenario::start_grace_s
//    after the reply if none comes (so the runtime's warm-up before its first command is not
//    turned into holds; a real arm's controller likewise starts on its first command). Commands of another
//    episode token are ignored. kEndEpisode stops the ticks and replies with the episode's stats.
//    A newer kStartEpisode ends the running episode first.
//  - Without faults, a client that answers observation k within the period has its command applied
//    at tick k + 1, so the twin's simulation is exactly SimRobot's for the same actions. With
//    TwinScenario::lockstep the twin waits for that answer at each tick (parity runs on a loaded
//    host), up to lockstep_timeout_s.
//  - Observations go to the client that started the episode; one client at a time.
//
// Per-episode stats (in every observation's "stats", in the kEndEpisode reply, and one JSON line per
// episode in the log file): "episode" (ordinal), "task", "split", "index", "ticks", "faults" (active
// fault names), "commands_received", "commands_applied", "commands_superseded",
// "commands_other_episode", "watchdog_holds" (ticks), "watchdog_events" (stretches), "frames_total",
// "frames_dropped" (camera -> count), "observations_sent", "observations_lost", "overruns" (ticks
// more than a tenth of a period late, when the host descheduled the twin: the tick grid then restarts
// from that tick, so the twin's own lateness never shortens the client's time to answer), "command_latency_ms" / "observation_latency_ms" (injected: mean, max),
// "physics_ms" / "render_ms" (the twin's own step and camera rendering per tick: mean, max, n),
// "disconnect" (null, or start_s / end_s after the episode start, sequences, held_ticks,
// messages_discarded, observations_lost, arm_joint_max_change_rad: the largest change of any arm
// joint during the outage relative to its start).
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "bridge/twin_scenario.h"

namespace wambench {

struct TwinServerConfig {
  /// ZeroMQ endpoint to bind, e.g. "tcp://127.0.0.1:5560"; port "*" binds a free port (see
  /// TwinServer::endpoint()).
  std::string endpoint = "tcp://127.0.0.1:5560";
  TwinScenario scenario;
  /// Square camera image size (pixels), > 0. Default 128.
  int image_size = 128;
  /// Cameras rendered into every observation (MJCF names). Default {"front", "wrist"}.
  std::vector<std::string> cameras = {"front", "wrist"};
  /// If not empty, one JSON line per finished episode (its stats) is appended to this file.
  std::string log_path;
};

/// The twin's server. Construct (binds the socket), then run() on one thread; stop() from any thread
/// (or a signal handler's flag) ends run().
class TwinServer {
 public:
  /// @throws std::invalid_argument for a bad config (image size, empty camera list); zmq::error_t
  /// (a std::exception) if the endpoint cannot be bound (e.g. the port is in use).
  explicit TwinServer(const TwinServerConfig& config);
  ~TwinServer();
  TwinServer(const TwinServer&) = delete;
  TwinServer& operator=(const TwinServer&) = delete;

  /// The bound endpoint with its real port, e.g. "tcp://127.0.0.1:40213".
  std::string endpoint() const;
  /// Serves until stop(). Errors of single requests are answered to the client (ok = false) and
  /// never end the loop. @throws only for failures of the socket itself.
  void run();
  /// Makes run() return within about 50 ms. Thread-safe, async-signal-safe (sets an atomic flag).
  void stop() noexcept { stop_.store(true); }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::atomic<bool> stop_{false};
};

}  // namespace wambench
