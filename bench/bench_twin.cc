// The networked twin's transport over loopback TCP (ZeroMQ + msgpack), 2 cameras x 128 x 128 x 3:
//  - BM_TwinObservationRoundTrip: from the observation's capture stamp (the end of the twin's
//    physics step) to the moment TwinRobot::observe() returns it: the twin's rendering of the two
//    cameras (reported as the counter twin_render_us), encode, send, receive, decode, stamp
//    conversion, and with Arg 1 the mirror's control step and hash check.
//  - BM_TwinCommandLatency: from TwinRobot::command() to the twin's receipt of the command (the
//    receipt stamp the twin reports in the observation that applied it), converted to the client's
//    clock with the estimated offset.
// Both use manual time (the measured interval per iteration). No faults; the twin ticks at
// 10 Hz x time_scale 10 = every 10 ms.
#include <benchmark/benchmark.h>

#include <memory>
#include <thread>

#include "bridge/twin_robot.h"
#include "bridge/twin_server.h"

namespace {

using namespace wambench;

struct Twin {
  std::unique_ptr<TwinServer> server;
  std::thread thread;
  Twin(int image_size, bool lockstep) {
    TwinServerConfig c;
    c.endpoint = "tcp://127.0.0.1:*";
    c.image_size = image_size;
    c.scenario = twin_scenario_from_json({{"time_scale", 10.0}, {"lockstep", lockstep}});
    server = std::make_unique<TwinServer>(c);
    thread = std::thread([this] { server->run(); });
  }
  ~Twin() {
    server->stop();
    thread.join();
  }
};

EpisodeSetup setup() {
  EpisodeSetup s;
  s.task = "press_button";
  s.split = "train";
  s.base_seed = 1000;
  s.horizon_steps = 1000000;
  return s;
}

TwinRobotConfig client_config(const std::string& endpoint, bool mirror) {
  TwinRobotConfig c;
  c.endpoint = endpoint;
  c.mirror = mirror;
  c.clock_sync_rounds = 20;
  return c;
}

void BM_TwinObservationRoundTrip(benchmark::State& state) {
  Twin twin(128, false);
  TwinRobot robot(client_config(twin.server->endpoint(), state.range(0) != 0));
  robot.start_episode(setup());
  RobotCommand c;
  c.action = {0, 0, 0, 0, 0, 0, -1};
  robot.observe();
  robot.command(c);  // the twin's ticks start with the first command
  for (auto _ : state) {
    const TimedObservation obs = robot.observe();
    state.SetIterationTime(bridge_clock_s() - obs.state_stamp_s);
    c.answers_sequence = obs.sequence;
    robot.command(c);
  }
  robot.end_episode();
  const nlohmann::json stats = robot.episode_stats();
  state.counters["clock_sync_rtt_us"] = stats["client"]["clock_sync_rtt_ms"].get<double>() * 1000.0;
  // The twin's camera rendering (2 x 128 x 128, software GL) is part of the round trip: the capture
  // stamp is taken when the physics step ends, the observation is sent after rendering.
  state.counters["twin_render_us"] = stats["twin"]["render_ms"]["mean"].get<double>() * 1000.0;
}
BENCHMARK(BM_TwinObservationRoundTrip)->Arg(0)->Arg(1)->UseManualTime()->Unit(benchmark::kMicrosecond)->Iterations(300);

void BM_TwinCommandLatency(benchmark::State& state) {
  Twin twin(128, true);  // lockstep: every command is applied at its tick, whatever the host's load
  TwinRobot robot(client_config(twin.server->endpoint(), false));
  robot.start_episode(setup());
  TimedObservation obs = robot.observe();
  RobotCommand c;
  c.action = {0, 0, 0, 0, 0, 0, -1};
  for (auto _ : state) {
    c.answers_sequence = obs.sequence;
    const double sent = bridge_clock_s();
    robot.command(c);
    obs = robot.observe();
    const TwinObservation& t = robot.last_twin_observation();
    if (t.applied_command_id == 0) {
      state.SkipWithError("the command missed its tick");
      break;
    }
    state.SetIterationTime(t.applied_command_received_s - robot.clock_offset_s() - sent);
  }
  robot.end_episode();
}
BENCHMARK(BM_TwinCommandLatency)->UseManualTime()->Unit(benchmark::kMicrosecond)->Iterations(300);

}  // namespace

BENCHMARK_MAIN();
