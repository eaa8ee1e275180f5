// The twin against TwinRobot over loopback TCP. Each test runs a TwinServer on its own thread on a
// free port ("tcp://127.0.0.1:*") and stops it on exit; `wambench twin` runs as a child process
// stopped by PID. time_scale 5 (20 ms ticks) unless a test says otherwise; the tests that need every
// command to make its tick run in real time (100 ms ticks).
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>
#include <mujoco/mujoco.h>

#include "bridge/sim_robot.h"
#include "bridge/twin_robot.h"
#include "bridge/twin_server.h"
#include "eval/oracle_policy.h"
#include "policies/policy.h"
#include "tasks/split.h"
#include "tasks/task_env.h"

namespace wambench {
namespace {

constexpr double kTimeScale = 5.0;

// A TwinServer on its own thread; stopped and joined on destruction.
class ServerThread {
 public:
  explicit ServerThread(TwinServerConfig config) {
    config.endpoint = "tcp://127.0.0.1:*";
    server_ = std::make_unique<TwinServer>(config);
    thread_ = std::thread([this] { server_->run(); });
  }
  ~ServerThread() {
    server_->stop();
    thread_.join();
  }
  std::string endpoint() const { return server_->endpoint(); }

 private:
  std::unique_ptr<TwinServer> server_;
  std::thread thread_;
};

TwinServerConfig server_config(const nlohmann::json& scenario, int image_size = 64) {
  TwinServerConfig c;
  nlohmann::json s = scenario;
  if (!s.contains("time_scale")) s["time_scale"] = kTimeScale;
  c.scenario = twin_scenario_from_json(s);
  c.image_size = image_size;
  return c;
}

TwinRobotConfig robot_config(const std::string& endpoint) {
  TwinRobotConfig c;
  c.endpoint = endpoint;
  c.observe_timeout_s = 0.5;
  c.request_timeout_s = 1.0;
  c.start_episode_timeout_s = 20.0;
  return c;
}

uint64_t qpos_hash(const TaskEnv& env) {
  return fnv1a64(env.env().data()->qpos, sizeof(mjtNum) * env.env().model()->nq);
}

EpisodeSetup make_setup(const std::string& task, int64_t index) {
  EpisodeSetup s;
  s.task = task;
  s.split = "train";
  s.index = index;
  s.base_seed = 1000;
  TaskEnv env(task, [] {
    EnvConfig c;
    c.render = false;
    return c;
  }());
  const Variation& v = env.reset(Split::kTrain, index, s.base_seed);
  s.instruction = v.instruction;
  s.horizon_steps = env.task().horizon_steps();
  return s;
}

struct EpisodeResult {
  bool success = false;
  int steps = 0;
  uint64_t final_hash = 0;
  std::vector<Action> actions;
  int late_commands = 0;
  double last_act_s = 0, prev_stamp = 0, prev_returned = 0, prev_sent = 0;  // twin ticks that did not apply the command answering the previous observation
};

// The runtime's loop: observe -> (act when the chunk is used up) -> command, until success or horizon.
EpisodeResult run_scripted(Robot& robot, const EpisodeSetup& setup, TwinRobot* twin) {
  auto policy = make_scripted_oracle(0.0);
  robot.start_episode(setup);
  EpisodeInfo info;
  info.task = setup.task;
  info.split = setup.split;
  info.index = setup.index;
  info.seed = episode_seed(setup.base_seed, setup.task, parse_split(setup.split), setup.index);
  info.instruction = setup.instruction;
  info.horizon_steps = setup.horizon_steps;
  info.privileged = robot.privileged();
  EXPECT_NE(info.privileged, nullptr);
  policy->set_task_env(robot.privileged());
  policy->reset(info);
  std::deque<Action> queue;
  EpisodeResult r;
  while (true) {
    const TimedObservation obs = robot.observe();
    EXPECT_EQ(obs.sequence, static_cast<uint64_t>(r.steps)) << "the loop skipped an observation";
    if (twin != nullptr && r.steps > 0) {
      const TwinObservation& t = twin->last_twin_observation();
      if (t.applied_hold || t.applied_action != r.actions.back()) {
        ++r.late_commands;
        std::fprintf(stderr,
                     "late command at step %d: observation %d stamped %.4f, returned %.4f, answered %.4f; the next "
                     "tick was at %.4f\n",
                     r.steps, r.steps - 1, r.prev_stamp, r.prev_returned, r.prev_sent, obs.state_stamp_s);
      }
    }
    r.prev_stamp = obs.state_stamp_s;
    r.prev_returned = bridge_clock_s();
    if (robot.success().value_or(false) || r.steps >= setup.horizon_steps) break;
    if (queue.empty()) {
      const double a0 = bridge_clock_s();
      PolicyOutput out = policy->act(obs.observation);
      r.last_act_s = bridge_clock_s() - a0;
      const size_t n = out.execute_steps == 0 ? out.chunk.size() : static_cast<size_t>(out.execute_steps);
      queue.insert(queue.end(), out.chunk.begin(), out.chunk.begin() + n);
    }
    RobotCommand c;
    c.action = queue.front();
    queue.pop_front();
    c.answers_sequence = obs.sequence;
    c.issued_s = bridge_clock_s();
    robot.command(c);
    r.prev_sent = bridge_clock_s();
    r.actions.push_back(c.action);
    ++r.steps;
  }
  r.success = robot.success().value_or(false);
  r.final_hash = twin != nullptr ? twin->last_twin_observation().state_hash : qpos_hash(*robot.privileged());
  robot.end_episode();
  return r;
}

// Runs the scripted policy on the twin and on SimRobot over a few episodes of 3 tasks; returns the
// number of commands that missed their tick on the twin.
int expect_parity(const nlohmann::json& scenario) {
  ServerThread server(server_config(scenario, 32));
  TwinRobot twin(robot_config(server.endpoint()));
  EnvConfig sim_config;
  sim_config.render = false;
  SimRobot sim(sim_config);
  int successes = 0, late = 0;
  for (const auto& [task, index] : std::vector<std::pair<std::string, int>>{
           {"press_button", 0}, {"press_button", 1}, {"pick_place", 0}, {"pick_place", 1}, {"open_drawer", 0}}) {
    SCOPED_TRACE(task + " #" + std::to_string(index));
    const EpisodeSetup setup = make_setup(task, index);
    const EpisodeResult expected = run_scripted(sim, setup, nullptr);
    const EpisodeResult got = run_scripted(twin, setup, &twin);
    late += got.late_commands;
    if (got.late_commands > 0) continue;  // the precondition of parity did not hold (see the callers)
    EXPECT_EQ(got.success, expected.success);
    EXPECT_EQ(got.steps, expected.steps);
    EXPECT_EQ(got.final_hash, expected.final_hash);
    EXPECT_EQ(got.actions, expected.actions);
    successes += expected.success ? 1 : 0;
    const nlohmann::json stats = twin.episode_stats();
    EXPECT_EQ(stats["twin"]["frames_dropped"], nlohmann::json::object());
    EXPECT_EQ(stats["twin"]["watchdog_holds"], 0) << stats.dump();
  }
  if (late == 0) {
    EXPECT_GT(successes, 0) << "the scripted expert should solve some of these episodes";
  }
  return late;
}

// Lockstep (the twin waits for each answer): parity must hold whatever the machine's load.
TEST(Twin, NoFaultsLockstepScriptedMatchesSimRobotEpisodeForEpisode) {
  EXPECT_EQ(expect_parity({{"lockstep", true}, {"time_scale", kTimeScale}}), 0);
}

// Real time (100 ms ticks), no lockstep: parity holds for every episode whose commands all made their
// tick. A command that missed its tick (the shared build machine descheduled the client for most of
// a period) voids that episode's comparison; the test is skipped if that happened.
TEST(Twin, NoFaultsRealTimeScriptedMatchesSimRobotEpisodeForEpisode) {
  const int late = expect_parity({{"time_scale", 1.0}});
  if (late > 0) GTEST_SKIP() << late << " command(s) missed their tick (host load); their episodes were not compared";
}

// Runs `ticks` observations answering each with `action` (or nothing if !send); returns them.
std::vector<std::pair<TimedObservation, TwinObservation>> drive(TwinRobot& twin, int ticks, const Action* action) {
  std::vector<std::pair<TimedObservation, TwinObservation>> out;
  for (int i = 0; i < ticks; ++i) {
    TimedObservation obs = twin.observe();
    out.emplace_back(obs, twin.last_twin_observation());
    if (action != nullptr) {
      RobotCommand c;
      c.action = *action;
      c.answers_sequence = obs.sequence;
      twin.command(c);
    }
  }
  return out;
}

TEST(Twin, ObservationLatencyMakesStampsOlder) {
  ServerThread server(server_config({{"observation_latency", {{"mean_ms", 100}, {"jitter_ms", 20}}}, {"seed", 3}}));
  TwinRobot twin(robot_config(server.endpoint()));
  twin.start_episode(make_setup("press_button", 0));
  const Action zero{0, 0, 0, 0, 0, 0, -1};
  drive(twin, 40, &zero);
  const nlohmann::json stats = twin.episode_stats();
  const nlohmann::json& age = stats["client"]["observation_age_at_receipt_ms"];
  // Observations after the first (which comes in the start reply) were held back 80..120 ms.
  // (The maximum is not checked: on a loaded machine a late tick or a descheduled client adds to it.)
  EXPECT_GE(age["n"].get<int>(), 35);
  EXPECT_GE(age["min"].get<double>(), 80.0 - 1.0) << stats.dump();
  EXPECT_GT(age["p50"].get<double>(), 85.0) << stats.dump();
  EXPECT_LT(age["p50"].get<double>(), 135.0) << stats.dump();
  const nlohmann::json& injected = stats["twin"]["observation_latency_ms"];
  EXPECT_GE(injected["max"].get<double>(), 100.0);
  EXPECT_LE(injected["max"].get<double>(), 120.0);
  twin.end_episode();
}

TEST(Twin, CommandLatencyDelaysTheTickThatAppliesIt) {
  ServerThread server(server_config({{"command_latency", {{"mean_ms", 100}, {"jitter_ms", 0}}}, {"start_grace_s", 0}}));
  TwinRobot twin(robot_config(server.endpoint()));
  twin.start_episode(make_setup("press_button", 0));
  drive(twin, 5, nullptr);
  RobotCommand c;
  c.action = {0.125, 0, 0, 0, 0, 0, -1};
  const double sent = bridge_clock_s();
  twin.command(c);
  double applied_at = -1;
  for (int i = 0; i < 30 && applied_at < 0; ++i) {
    const TimedObservation obs = twin.observe();
    if (twin.last_twin_observation().applied_action[0] == 0.125) applied_at = obs.state_stamp_s;
  }
  ASSERT_GT(applied_at, 0) << "the command was never applied";
  const double period = 1.0 / (10.0 * kTimeScale);
  EXPECT_GE(applied_at - sent, 0.100 - 0.002);
  EXPECT_LE(applied_at - sent, 0.100 + period + 0.030);
  twin.end_episode();
}

TEST(Twin, FrameDropsLeaveStaleCountedFrames) {
  ServerThread server(server_config({{"frame_drop_probability", 0.1}, {"seed", 11}, {"time_scale", 10.0}}, 32));
  TwinRobot twin(robot_config(server.endpoint()));
  twin.start_episode(make_setup("press_button", 0));
  const Action zero{0, 0, 0, 0, 0, 0, -1};
  const auto seen = drive(twin, 200, &zero);
  int stale = 0, frames = 0;
  for (const auto& [obs, raw] : seen) {
    if (obs.sequence == 0) continue;
    for (const auto& [camera, stamp] : obs.image_stamp_s) {
      ++frames;
      if (stamp < obs.state_stamp_s) ++stale;
    }
  }
  twin.end_episode();
  const nlohmann::json stats = twin.episode_stats();
  int dropped = 0;
  for (const auto& [camera, n] : stats["twin"]["frames_dropped"].items()) dropped += n.get<int>();
  const int total = stats["twin"]["frames_total"].get<int>();
  ASSERT_GT(total, 300);
  EXPECT_GT(static_cast<double>(dropped) / total, 0.06) << stats.dump();
  EXPECT_LT(static_cast<double>(dropped) / total, 0.14) << stats.dump();
  EXPECT_GT(static_cast<double>(stale) / frames, 0.06);
  EXPECT_LT(static_cast<double>(stale) / frames, 0.14);
  if (stats["client"]["observations_skipped"].get<int>() == 0) {
    // Every observation was seen and the episode ended right after the last: the counts agree but
    // for the ticks after the loop's last observation.
    EXPECT_LE(stale, dropped);
    EXPECT_GE(stale + 10, dropped);
  }
}

TEST(Twin, CameraMiscalibrationMovesOnlyTheImage) {
  // No commands are sent: a long start_grace_s keeps both twins at observation 0.
  ServerThread nominal(server_config({{"start_grace_s", 60}}));
  ServerThread moved(server_config(
      {{"start_grace_s", 60},
       {"camera_miscalibration", {{"front", {{"translation_m", {0.02, 0.0, 0.0}}, {"rotation_deg", {0.0, 3.0, 0.0}}}}}}}));
  TwinRobot a(robot_config(nominal.endpoint()));
  TwinRobot b(robot_config(moved.endpoint()));
  const EpisodeSetup setup = make_setup("pick_place", 0);
  a.start_episode(setup);
  b.start_episode(setup);
  const TimedObservation oa = a.observe();
  const TimedObservation ob = b.observe();
  a.end_episode();
  b.end_episode();
  ASSERT_EQ(oa.sequence, 0u);
  ASSERT_EQ(ob.sequence, 0u);
  const Image& fa = oa.observation.images.at("front");
  const Image& fb = ob.observation.images.at("front");
  ASSERT_EQ(fa.rgb.size(), fb.rgb.size());
  double diff = 0;
  for (size_t i = 0; i < fa.rgb.size(); ++i) diff += std::abs(int(fa.rgb[i]) - int(fb.rgb[i]));
  diff /= fa.rgb.size();
  EXPECT_GT(diff, 2.0) << "mean absolute pixel difference of the front image";
  std::printf("front image, 2 cm / 3 deg miscalibration: mean absolute pixel difference %.2f (0..255)\n", diff);
  EXPECT_EQ(oa.observation.images.at("wrist").rgb, ob.observation.images.at("wrist").rgb);
  EXPECT_EQ(oa.observation.ee_pos_m, ob.observation.ee_pos_m);
  EXPECT_EQ(oa.observation.joint_pos_rad, ob.observation.joint_pos_rad);
  EXPECT_EQ(oa.observation.gripper_opening_m, ob.observation.gripper_opening_m);
  EXPECT_EQ(a.last_twin_observation().state_hash, b.last_twin_observation().state_hash);
}

TEST(Twin, SensorNoiseChangesOnlyTheReportedProprioception) {
  ServerThread nominal(server_config({{"start_grace_s", 60}}, 32));
  ServerThread noisy(server_config(
      {{"start_grace_s", 60},
       {"seed", 5},
       {"sensor_noise", {{"ee_pos_std_m", 0.01}, {"joint_pos_std_rad", 0.01}, {"gripper_std_m", 0.001}}}},
      32));
  TwinRobot a(robot_config(nominal.endpoint()));
  TwinRobot b(robot_config(noisy.endpoint()));
  const EpisodeSetup setup = make_setup("press_button", 0);
  a.start_episode(setup);
  b.start_episode(setup);
  const TimedObservation oa = a.observe();
  const TimedObservation ob = b.observe();
  a.end_episode();
  b.end_episode();
  double dp = 0, dq = 0;
  for (int i = 0; i < 3; ++i) dp = std::max(dp, std::abs(oa.observation.ee_pos_m[i] - ob.observation.ee_pos_m[i]));
  for (int i = 0; i < kArmDof; ++i)
    dq = std::max(dq, std::abs(oa.observation.joint_pos_rad[i] - ob.observation.joint_pos_rad[i]));
  EXPECT_GT(dp, 1e-4);
  EXPECT_LT(dp, 0.05);  // 5 standard deviations
  EXPECT_GT(dq, 1e-4);
  EXPECT_LT(dq, 0.05);
  EXPECT_EQ(a.last_twin_observation().state_hash, b.last_twin_observation().state_hash);  // the true state
  EXPECT_EQ(oa.observation.images.at("front").rgb, ob.observation.images.at("front").rgb);
}

TEST(Twin, TrackingLagShiftsAppliedActionsByNTicks) {
  constexpr int kLag = 2;
  // Lockstep: every command makes its tick, even on a loaded machine; the lag comes after it.
  ServerThread server(server_config({{"tracking_lag_periods", kLag}, {"lockstep", true}}));
  TwinRobot twin(robot_config(server.endpoint()));
  twin.start_episode(make_setup("press_button", 0));
  std::map<uint64_t, Action> sent;  // answers_sequence -> action
  std::map<uint64_t, TwinObservation> seen;
  for (int i = 0; i < 30; ++i) {
    const TimedObservation obs = twin.observe();
    seen[obs.sequence] = twin.last_twin_observation();
    RobotCommand c;
    c.action = {0.01 * static_cast<double>(obs.sequence % 20 + 1), 0, 0, 0, 0, 0, -1};
    c.answers_sequence = obs.sequence;
    twin.command(c);
    sent[obs.sequence] = c.action;
  }
  twin.end_episode();
  int checked = 0;
  for (const auto& [seq, o] : seen) {
    if (seq == 0) continue;
    if (seq <= static_cast<uint64_t>(kLag)) {
      EXPECT_TRUE(o.applied_hold) << "tick " << seq << " precedes the lag";
      continue;
    }
    // The command answering observation k is selected at tick k + 1 and applied at k + 1 + lag.
    const uint64_t answered = seq - 1 - kLag;
    ASSERT_TRUE(sent.count(answered));
    EXPECT_FALSE(o.applied_hold) << "tick " << seq;
    EXPECT_EQ(o.applied_action, sent[answered]) << "tick " << seq;
    ++checked;
  }
  EXPECT_GE(checked, 25);
}

TEST(Twin, DisconnectHoldsTheArmTimesOutAndRecovers) {
  const std::filesystem::path log = std::filesystem::temp_directory_path() /
                                    ("twin_disconnect_" + std::to_string(::getpid()) + ".jsonl");
  std::filesystem::remove(log);
  TwinServerConfig config = server_config({{"disconnect", {{"at_s", 0.6}, {"duration_s", 2.0}, {"episodes", {0}}}}});
  config.log_path = log.string();
  ServerThread server(config);
  TwinRobot twin(robot_config(server.endpoint()));
  const EpisodeSetup setup = make_setup("press_button", 0);
  twin.start_episode(setup);
  const Action move{0.1, 0.05, 0.05, 0, 0, 0, -1};  // 5 mm, 2.5 mm, 2.5 mm per tick
  const double start = bridge_clock_s();
  std::optional<RobotFault> fault;
  double waited = 0;
  uint64_t last_sequence = 0;
  while (bridge_clock_s() - start < 5.0) {
    const double t0 = bridge_clock_s();
    try {
      const TimedObservation obs = twin.observe();
      last_sequence = obs.sequence;
      RobotCommand c;
      c.action = move;
      c.answers_sequence = obs.sequence;
      twin.command(c);
    } catch (const RobotFault& e) {
      fault = e;
      waited = bridge_clock_s() - t0;
      break;
    }
  }
  ASSERT_TRUE(fault.has_value()) << "observe() never failed during the outage";
  EXPECT_TRUE(fault->kind() == RobotFault::Kind::kDisconnected || fault->kind() == RobotFault::Kind::kTimeout)
      << to_string(fault->kind());
  EXPECT_LE(waited, 0.5 + 0.15) << "observe() exceeded its limit";
  EXPECT_NE(std::string(fault->what()).find("observe_timeout_s 0.50"), std::string::npos) << fault->what();
  EXPECT_GT(last_sequence, 10u);
  twin.hold();         // what the runtime does; lost in the outage, harmless
  twin.end_episode();  // lost too: waits request_timeout_s and gives up without throwing

  // After the outage start_episode works again (it retries), and the new episode runs.
  const double before = bridge_clock_s();
  twin.start_episode(setup);
  EXPECT_LT(bridge_clock_s() - before, 10.0);
  EXPECT_GT(bridge_clock_s() - start, 2.0);
  const Action zero{0, 0, 0, 0, 0, 0, -1};
  const auto after = drive(twin, 5, &zero);
  EXPECT_EQ(after.back().first.sequence, 4u);
  twin.end_episode();

  // The first episode's record: the outage held the arm.
  std::ifstream in(log);
  std::string line;
  ASSERT_TRUE(std::getline(in, line)) << "no log line for the disconnected episode";
  const nlohmann::json first = nlohmann::json::parse(line);
  const nlohmann::json& d = first["disconnect"];
  ASSERT_TRUE(d.is_object()) << first.dump();
  EXPECT_NEAR(d["start_s"].get<double>(), 0.6, 0.05);
  EXPECT_NEAR(d["end_s"].get<double>() - d["start_s"].get<double>(), 2.0, 0.05);
  EXPECT_GE(d["held_ticks"].get<int>(), static_cast<int>(0.8 * 2.0 * 10 * kTimeScale));
  EXPECT_GT(d["messages_discarded"].get<int>(), 0);
  EXPECT_GT(d["observations_lost"].get<int>(), 0);
  // Holding: the arm settles on its last target (the commands moved it ~6 mm per tick before).
  EXPECT_LT(d["arm_joint_max_change_rad"].get<double>(), 0.02) << d.dump();
  std::printf("disconnect record: %s\n", d.dump().c_str());
  EXPECT_GT(first["watchdog_holds"].get<int>(), 0);
  std::filesystem::remove(log);
}

TEST(Twin, StartEpisodeWithoutATwinFailsWithinItsLimit) {
  TwinRobotConfig c = robot_config("tcp://127.0.0.1:1");  // nothing listens on port 1
  c.start_episode_timeout_s = 1.0;
  c.request_timeout_s = 0.3;
  TwinRobot twin(c);
  const double t0 = bridge_clock_s();
  try {
    twin.start_episode(make_setup("press_button", 0));
    FAIL() << "no fault";
  } catch (const RobotFault& e) {
    EXPECT_EQ(e.kind(), RobotFault::Kind::kDisconnected);
    EXPECT_NE(std::string(e.what()).find("did not answer"), std::string::npos) << e.what();
  }
  EXPECT_LT(bridge_clock_s() - t0, 2.0);
  EXPECT_THROW(twin.observe(), RobotFault);
}

TEST(Twin, UnknownTaskIsAConfigFaultFromTheTwin) {
  ServerThread server(server_config(nlohmann::json::object(), 32));
  TwinRobot twin(robot_config(server.endpoint()));
  EpisodeSetup setup = make_setup("press_button", 0);
  setup.task = "juggle";
  try {
    twin.start_episode(setup);
    FAIL() << "no fault";
  } catch (const RobotFault& e) {
    EXPECT_EQ(e.kind(), RobotFault::Kind::kConfig);
    EXPECT_NE(std::string(e.what()).find("juggle"), std::string::npos) << e.what();
  }
}

TEST(Twin, WatchdogCountsHoldsWithoutCommands) {
  ServerThread server(server_config({{"start_grace_s", 0}}, 32));
  TwinRobot twin(robot_config(server.endpoint()));
  twin.start_episode(make_setup("press_button", 0));
  const auto seen = drive(twin, 12, nullptr);
  for (const auto& [obs, raw] : seen) {
    if (obs.sequence == 0) continue;
    EXPECT_TRUE(raw.applied_hold);
    EXPECT_EQ(raw.watchdog_hold, obs.sequence >= 2) << "tick " << obs.sequence;
    EXPECT_EQ(raw.applied_action[0], 0.0);
    EXPECT_EQ(raw.applied_action[6], -1.0);  // the open latch repeated
  }
  twin.end_episode();
  EXPECT_GE(twin.episode_stats()["twin"]["watchdog_holds"].get<int>(), 10);
}

TEST(TwinRobotConfig, ParsesAndRejects) {
  const TwinRobotConfig c = twin_robot_config_from_json(
      {{"endpoint", "tcp://10.0.0.2:6000"}, {"observe_timeout_s", 0.25}, {"clock_sync_rounds", 9}, {"mirror", false}});
  EXPECT_EQ(c.endpoint, "tcp://10.0.0.2:6000");
  EXPECT_EQ(c.observe_timeout_s, 0.25);
  EXPECT_EQ(c.clock_sync_rounds, 9);
  EXPECT_FALSE(c.mirror);
  try {
    twin_robot_config_from_json({{"timeout", 1}});
    FAIL();
  } catch (const RobotFault& e) {
    EXPECT_EQ(e.kind(), RobotFault::Kind::kConfig);
    EXPECT_NE(std::string(e.what()).find("'timeout' is not a valid key (valid: endpoint"), std::string::npos) << e.what();
  }
  try {
    twin_robot_config_from_json({{"observe_timeout_s", -1}});
    FAIL();
  } catch (const RobotFault& e) {
    EXPECT_NE(std::string(e.what()).find("'observe_timeout_s' must be a number > 0"), std::string::npos) << e.what();
  }
}

// `wambench twin` as a process: prints its endpoint, serves an episode, stops on SIGTERM.
TEST(TwinCli, ServesAnEpisodeAndStopsOnSigterm) {
  int out[2];
  ASSERT_EQ(pipe(out), 0);
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    dup2(out[1], 1);
    close(out[0]);
    close(out[1]);
    execl(WAMBENCH_EXE, WAMBENCH_EXE, "twin", "--endpoint", "tcp://127.0.0.1:*", "--image-size", "32", nullptr);
    _exit(127);
  }
  close(out[1]);
  // Kill the child on any exit path.
  struct Reaper {
    pid_t pid;
    ~Reaper() {
      if (pid > 0) {
        kill(pid, SIGKILL);
        waitpid(pid, nullptr, 0);
      }
    }
  } reaper{pid};
  std::string text;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (text.find('\n') == std::string::npos && std::chrono::steady_clock::now() < deadline) {
    pollfd p{out[0], POLLIN, 0};
    if (poll(&p, 1, 200) > 0) {
      char buf[256];
      const ssize_t n = read(out[0], buf, sizeof buf);
      if (n <= 0) break;
      text.append(buf, n);
    }
  }
  const std::string prefix = "listening on ";
  const size_t at = text.find(prefix);
  ASSERT_NE(at, std::string::npos) << "no endpoint line: " << text;
  const std::string endpoint = text.substr(at + prefix.size(), text.find(' ', at + prefix.size()) - at - prefix.size());
  ASSERT_EQ(endpoint.rfind("tcp://127.0.0.1:", 0), 0u) << endpoint;
  {
    TwinRobot twin(robot_config(endpoint));
    twin.start_episode(make_setup("press_button", 0));
    const Action zero{0, 0, 0, 0, 0, 0, -1};
    const auto seen = drive(twin, 5, &zero);
    EXPECT_EQ(seen.back().first.sequence, 4u);
    EXPECT_EQ(seen.back().first.observation.images.at("front").height, 32);
    twin.end_episode();
  }
  ASSERT_EQ(kill(pid, SIGTERM), 0);
  int status = -1;
  for (int i = 0; i < 100; ++i) {
    if (waitpid(pid, &status, WNOHANG) == pid) {
      reaper.pid = -1;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_EQ(reaper.pid, -1) << "wambench twin did not stop within 5 s of SIGTERM";
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  close(out[0]);
}

TEST(TwinCli, BadScenarioIsAUsageError) {
  const std::filesystem::path bad = std::filesystem::temp_directory_path() /
                                    ("twin_bad_" + std::to_string(::getpid()) + ".json");
  std::ofstream(bad) << R"({"frame_drop_probability": 2})";
  const std::string cmd = std::string("timeout 30 ") + WAMBENCH_EXE + " twin --endpoint tcp://127.0.0.1:* --scenario " +
                          bad.string() + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string text;
  char buf[256];
  while (fgets(buf, sizeof buf, p)) text += buf;
  const int status = pclose(p);
  std::filesystem::remove(bad);
  EXPECT_EQ(WEXITSTATUS(status), 2) << text;
  EXPECT_NE(text.find("'frame_drop_probability' must be in [0, 1)"), std::string::npos) << text;
}

}  // namespace
}  // namespace wambench
