// The runtime of `wambench real` (bridge/runtime.h): parity with `wambench eval` on SimRobot,
// the operator protocol, the watchdog, stale observations, robot faults and the emergency stop,
// and the camera calibration (bridge/calibration.h).
#include <algorithm>
#include <atomic>
#include <csignal>
#include <chrono>
#include <cmath>
#include <mutex>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "bridge/calibration.h"
#include "bridge/robot_config.h"
#include "bridge/runtime.h"
#include "bridge/sim_robot.h"
#include "bridge/watchdog.h"
#include "eval/oracle_policy.h"
#include "eval/runner.h"
#include "tasks/registry.h"

namespace wambench {
namespace {

// make_policy("scripted") needs the evaluation layer's oracle (eval/oracle_policy.h).
const bool kOraclesRegistered = (register_oracle_policies(), true);

EnvConfig image_config(bool render) {
  EnvConfig c;
  c.render = render;
  return c;
}

// Runs the same episode through `wambench eval`'s stepper and through the runtime on SimRobot.
void expect_parity(const std::string& policy_name, const std::string& task, const std::string& split, int64_t index) {
  SCOPED_TRACE(policy_name + " " + task + " " + split + " #" + std::to_string(index));
  const uint64_t seed = 0;
  PolicySpec spec(policy_name, bundled_checkpoint(policy_name));
  auto eval_policy = make_policy(spec);
  TaskEnv env(task, image_config(eval_policy->needs_images()));
  Trajectory eval_trace;
  const EpisodeKey key{policy_name, task, split, index};
  const EpisodeRecord eval_record = run_episode(*eval_policy, env, key, seed, &eval_trace);
  ASSERT_NE(eval_record.status, "error") << eval_record.error;

  auto real_policy = make_policy(spec);
  SimRobot robot(image_config(real_policy->needs_images()));
  SafetyFilter filter(SafetyLimits{}, ArmControllerConfig{}, 10.0);
  RealEpisodeRunner runner(robot, *real_policy, filter, RealRunOptions{});
  PredicateOperator op;
  Trajectory real_trace;
  const std::optional<EpisodeRecord> real_record =
      runner.run(key, seed, eval_record.instruction, env.task().horizon_steps(), op, "", &real_trace);
  ASSERT_TRUE(real_record.has_value());
  ASSERT_NE(real_record->status, "error") << real_record->error;
  EXPECT_EQ(real_record->success, eval_record.success);
  EXPECT_EQ(real_record->steps, eval_record.steps);
  EXPECT_EQ(real_record->progress, eval_record.progress);
  EXPECT_EQ(real_record->progress_name, eval_record.progress_name);
  ASSERT_EQ(real_trace.actions.size(), eval_trace.actions.size());
  for (size_t i = 0; i < eval_trace.actions.size(); ++i) ASSERT_EQ(real_trace.actions[i], eval_trace.actions[i]) << "action value " << i;
  ASSERT_EQ(real_trace.qpos.size(), eval_trace.qpos.size());
  for (size_t i = 0; i < eval_trace.qpos.size(); ++i) ASSERT_EQ(real_trace.qpos[i], eval_trace.qpos[i]) << "qpos value " << i;
  EXPECT_EQ(real_trace.phases, eval_trace.phases);
  EXPECT_EQ(real_record->diagnostics.at("real").at("interventions").size(), 0u)
      << real_record->diagnostics.at("real").dump();
  // The real series: one observation per step plus the first, one command per step.
  EXPECT_EQ(real_trace.real_series.at("obs_stamp_s").rows, static_cast<size_t>(real_record->steps) + 1);
  EXPECT_EQ(real_trace.real_series.at("command_s").rows, static_cast<size_t>(real_record->steps));
  EXPECT_EQ(real_trace.real_series.at("ee_target_pos_m").cols, 3u);
}

TEST(RealRuntime, ScriptedOnSimRobotReproducesEvalBitForBit) {
  for (const std::string& task : task_names()) expect_parity("scripted", task, "train", 0);
  expect_parity("scripted", "pick_place", "unseen_position", 3);
}

TEST(RealRuntime, VlaOnSimRobotReproducesEvalBitForBit) {
  expect_parity("vla", "pick_place", "train", 0);
  expect_parity("vla", "press_button", "unseen_background", 1);
}

// A robot on its own clock for loop tests: a SimRobot whose observations can be made stale or
// fail, and which logs every call (the last one must be a hold).
class ScriptedClockRobot final : public Robot {
 public:
  ScriptedClockRobot() : sim_(image_config(false)) {}
  std::string name() const override { return "test"; }
  void start_episode(const EpisodeSetup& s) override { sim_.start_episode(s); log("start"); }
  TimedObservation observe() override {
    if (fail_after >= 0 && observations_ >= fail_after)
      throw RobotFault(RobotFault::Kind::kDisconnected, "no observation for 0.5 s");
    ++observations_;
    TimedObservation o = sim_.observe();
    o.sequence = static_cast<uint64_t>(observations_);
    if (stale_after >= 0 && observations_ > stale_after) o.state_stamp_s -= 10.0;
    return o;
  }
  void command(const RobotCommand& c) override {
    sim_.command(c);
    log(c.hold ? "hold" : "command");
    std::lock_guard<std::mutex> lock(mutex_);
    command_times.push_back(bridge_clock_s());
  }
  void hold() noexcept override {
    const double t = bridge_clock_s();
    log("hold");
    std::lock_guard<std::mutex> lock(mutex_);
    hold_times.push_back(t);
  }
  // The first hold at or after t (+inf if none).
  double first_hold_after(double t) const {
    std::lock_guard<std::mutex> lock(mutex_);
    double first = 1e18;
    for (double h : hold_times)
      if (h >= t) first = std::min(first, h);
    return first;
  }
  bool synchronous() const override { return false; }
  bool simulated() const override { return true; }
  const TaskEnv* privileged() const override { return sim_.privileged(); }
  std::optional<bool> success() const override { return sim_.success(); }

  std::string last() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return calls_.empty() ? "" : calls_.back();
  }
  std::vector<double> hold_times, command_times;
  int fail_after = -1, stale_after = -1;

 private:
  void log(const std::string& what) {
    std::lock_guard<std::mutex> lock(mutex_);
    calls_.push_back(what);
  }
  SimRobot sim_;
  int observations_ = 0;
  mutable std::mutex mutex_;
  std::vector<std::string> calls_;
};

// A policy that holds still, optionally sleeping in act() at one step or requesting an emergency stop.
class StillPolicy final : public Policy {
 public:
  std::string name() const override { return "still"; }
  bool needs_images() const override { return false; }
  void reset(const EpisodeInfo&) override { steps_ = 0; }
  PolicyOutput act(const Observation&) override {
    if (steps_ == sleep_at) {
      act_start_s = bridge_clock_s();
      std::this_thread::sleep_for(std::chrono::duration<double>(sleep_s));
    }
    if (steps_ == stop_at) {
      stop_s = bridge_clock_s();
      request_emergency_stop();
    }
    ++steps_;
    PolicyOutput out;
    out.chunk = {Action{0, 0, 0, 0, 0, 0, -1}};
    out.execute_steps = 1;
    return out;
  }
  int sleep_at = -1, stop_at = -1;
  double sleep_s = 0, act_start_s = 0, stop_s = 0;

 private:
  int steps_ = 0;
};

struct LoopFixture {
  ScriptedClockRobot robot;
  StillPolicy policy;
  SafetyFilter filter{SafetyLimits{}, ArmControllerConfig{}, 50.0};
  PredicateOperator op;
  RealRunOptions options;
  LoopFixture() { options.control_hz = 50.0; }  // 20 ms periods keep the tests short
  std::optional<EpisodeRecord> run(int horizon = 12) {
    RealEpisodeRunner runner(robot, policy, filter, options);
    auto r = runner.run({"still", "press_button", "train", 0}, 0, "press the button", horizon, op, "");
    stopped = runner.stopped();
    return r;
  }
  bool stopped = false;
};

TEST(RealRuntime, WatchdogHoldsWithinOnePeriodWhenThePolicyStalls) {
  LoopFixture f;
  f.policy.sleep_at = 3;
  f.policy.sleep_s = 0.2;  // 10 periods of 20 ms
  const auto record = f.run();
  ASSERT_TRUE(record);
  EXPECT_NE(record->status, "error") << record->error;
  ASSERT_FALSE(f.robot.hold_times.empty());
  // Deadline: 2 periods after the last command before the stall; the hold within one more period.
  const double first_hold = f.robot.hold_times.front();
  double last_command = 0;
  for (double t : f.robot.command_times)
    if (t < first_hold) last_command = t;
  EXPECT_LT(last_command, f.policy.act_start_s);
  EXPECT_GE(first_hold - last_command, 2 * 0.02 - 1e-3);
  EXPECT_LT(first_hold - last_command, 3 * 0.02) << "hold " << (first_hold - last_command) * 1e3 << " ms after the last command";
  EXPECT_GE(record->diagnostics.at("real").at("watchdog_holds").get<int>(), 1);
  EXPECT_EQ(f.robot.last(), "hold");
}

TEST(RealRuntime, StaleObservationsHoldThenEndTheEpisodeAsAnError) {
  LoopFixture f;
  f.robot.stale_after = 4;
  f.options.max_stale_holds = 5;
  const auto record = f.run(40);
  ASSERT_TRUE(record);
  EXPECT_EQ(record->status, "error");
  EXPECT_NE(record->error.find("stale_observation"), std::string::npos) << record->error;
  EXPECT_GE(record->diagnostics.at("real").at("interventions").value("stale_observation", 0), 5);
  EXPECT_EQ(f.robot.last(), "hold");
}

TEST(RealRuntime, LostRobotEndsTheEpisodeAsAnErrorWithItsReasonAndHolds) {
  LoopFixture f;
  f.robot.fail_after = 6;
  const auto record = f.run(40);
  ASSERT_TRUE(record);
  EXPECT_EQ(record->status, "error");
  EXPECT_NE(record->error.find("disconnected"), std::string::npos) << record->error;
  EXPECT_EQ(f.robot.last(), "hold");
}

TEST(RealRuntime, EmergencyStopHoldsWithinOnePeriodAndStopsTheRun) {
  clear_emergency_stop();
  LoopFixture f;
  f.policy.stop_at = 4;
  const auto record = f.run(40);
  clear_emergency_stop();
  ASSERT_TRUE(record);
  EXPECT_EQ(record->status, "error");
  EXPECT_NE(record->error.find("emergency"), std::string::npos) << record->error;
  EXPECT_TRUE(f.stopped);
  EXPECT_EQ(f.robot.last(), "hold");
  const double delay = f.robot.first_hold_after(f.policy.stop_s) - f.policy.stop_s;
  EXPECT_LT(delay, 0.02) << "hold " << delay * 1e3 << " ms after the stop request";
}

TEST(RealRuntime, EmergencyStopBySigintIsAHoldWithinOnePeriod) {
  clear_emergency_stop();
  auto guard = install_emergency_stop_handler();
  LoopFixture f;
  f.policy.sleep_at = 2;
  f.policy.sleep_s = 0.5;  // the loop is inside act(): only the watchdog thread can hold
  std::thread killer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    const double t = bridge_clock_s();
    raise(SIGINT);
    // Wait for the hold the watchdog thread issues (the loop is asleep in act()).
    for (int i = 0; i < 200 && f.robot.first_hold_after(t) > 1e17; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    const double first = f.robot.first_hold_after(t);
    EXPECT_LT(first - t, 0.02) << "hold " << (first - t) * 1e3 << " ms after SIGINT";
  });
  const auto record = f.run(40);
  killer.join();
  clear_emergency_stop();
  ASSERT_TRUE(record);
  EXPECT_EQ(record->status, "error");
  EXPECT_TRUE(f.stopped);
  EXPECT_EQ(f.robot.last(), "hold");
}

TEST(RealRuntime, RefusesPrivilegedPoliciesOnARobotWithoutASimulator) {
  class RealArm final : public Robot {
   public:
    std::string name() const override { return "ros"; }
    void start_episode(const EpisodeSetup&) override {}
    TimedObservation observe() override { return {}; }
    void command(const RobotCommand&) override {}
    void hold() noexcept override {}
  } arm;
  auto scripted = make_policy(PolicySpec("scripted", ""));
  SafetyFilter filter(SafetyLimits{}, ArmControllerConfig{}, 10.0);
  try {
    RealEpisodeRunner runner(arm, *scripted, filter, RealRunOptions{});
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("privileged"), std::string::npos) << e.what();
  }
}

TEST(RealRuntime, ConsoleOperatorAsksUntilItGetsAnAnswerAndNeverInventsOne) {
  const EpisodeSetup setup{"pick_place", "train", 2, 0, "put the red mug in the bowl", 120};
  {
    std::istringstream in("\nmaybe\ny\nslipped once, regrasped\n");
    std::ostringstream out;
    ConsoleOperator op(in, out);
    EXPECT_TRUE(op.prepare(setup, "cards/episode_2.png"));
    const OperatorVerdict v = op.judge(setup, std::nullopt, "finished");
    EXPECT_TRUE(v.success);
    EXPECT_EQ(v.note, "slipped once, regrasped");
    EXPECT_EQ(v.source, "operator");
    EXPECT_NE(out.str().find("put the red mug in the bowl"), std::string::npos);
    EXPECT_NE(out.str().find("cards/episode_2.png"), std::string::npos);
    EXPECT_NE(out.str().find("please answer y or n"), std::string::npos);
  }
  {
    std::istringstream in("q\n");
    std::ostringstream out;
    ConsoleOperator op(in, out);
    EXPECT_FALSE(op.prepare(setup, ""));
  }
  {
    std::istringstream in("\n");
    std::ostringstream out;
    ConsoleOperator op(in, out);
    EXPECT_TRUE(op.prepare(setup, ""));
    EXPECT_THROW(op.judge(setup, std::nullopt, "finished"), std::runtime_error);
  }
  PredicateOperator predicate;
  EXPECT_THROW(predicate.judge(setup, std::nullopt, "finished"), std::runtime_error);
  EXPECT_TRUE(predicate.judge(setup, true, "finished").success);
  EXPECT_FALSE(predicate.judge(setup, true, "error: robot: disconnected").success);
}

double mean_abs_difference(const Image& a, const Image& b) {
  double sum = 0;
  for (size_t i = 0; i < a.rgb.size(); ++i) sum += std::abs(static_cast<int>(a.rgb[i]) - static_cast<int>(b.rgb[i]));
  return sum / a.rgb.size();
}

TEST(Calibration, NominalCalibrationReproducesTheSceneCameraAndAnOffsetMovesIt) {
  const Calibration nominal = read_calibration(std::string(WAMBENCH_SOURCE_DIR) + "/examples/real/calibration_nominal.json");
  EnvConfig config;
  config.cameras = {"front"};
  TaskEnv plain("pick_place", config), calibrated("pick_place", config), moved("pick_place", config);
  EXPECT_TRUE(apply_calibration(calibrated.env().mutable_model(), nominal).empty());
  Calibration offset = nominal;
  offset.cameras["front"].position_m[1] += 0.02;  // 2 cm
  apply_calibration(moved.env().mutable_model(), offset);
  for (TaskEnv* e : {&plain, &calibrated, &moved}) e->reset(Split::kTrain, 0, 0);
  const Image a = plain.observe().images.at("front"), b = calibrated.observe().images.at("front"),
              c = moved.observe().images.at("front");
  EXPECT_LT(mean_abs_difference(a, b), 0.5);  // the same view, up to rounding of the pose
  EXPECT_GT(mean_abs_difference(a, c), 2.0);  // 2 cm sideways is visible
  EXPECT_NEAR(vertical_fov_deg(nominal.cameras.at("front")), 50.0, 1e-3);
}

TEST(Calibration, RejectsBadFilesWithTheFieldAndWhatIsValid) {
  auto error_of = [](const nlohmann::json& j) {
    try {
      calibration_from_json(j, "cal.json");
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  nlohmann::json good = nlohmann::json::parse(R"({"format": "wambench-calibration-1", "cameras": {"front":
      {"width": 640, "height": 480, "fx": 500, "fy": 500, "cx": 320, "cy": 240, "position_m": [1, 0, 1],
       "quat_wxyz": [1, 0, 0, 0]}}})");
  EXPECT_EQ(error_of(good), "no error");
  auto bad = good;
  bad["format"] = "v0";
  EXPECT_NE(error_of(bad).find("format"), std::string::npos);
  bad = good;
  bad["cameras"]["front"]["fy"] = -1;
  EXPECT_NE(error_of(bad).find("'fy' must be a number > 0"), std::string::npos);
  bad = good;
  bad["cameras"]["front"]["crop"] = {600, 0, 100, 100};
  EXPECT_NE(error_of(bad).find("crop"), std::string::npos);
  bad = good;
  bad["cameras"]["front"]["focal"] = 1;
  EXPECT_NE(error_of(bad).find("unknown key 'focal'"), std::string::npos);
  EnvConfig config;
  config.render = false;
  TaskEnv env("pick_place", config);
  Calibration wrist = calibration_from_json(good, "cal.json");
  wrist.cameras["wrist"] = wrist.cameras["front"];
  try {
    apply_calibration(env.env().mutable_model(), wrist);
    FAIL() << "a wrist camera calibrated in the world frame must be refused";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("mounted on"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace wambench

namespace wambench {
namespace {

TEST(RobotConfigFile, TheExamplesParseAndBadDriverSectionsAreRefusedAtOnce) {
  const std::string dir = std::string(WAMBENCH_SOURCE_DIR) + "/examples/real/";
  EXPECT_EQ(read_robot_config(dir + "robot_sim.json").driver, "sim");
  const RobotConfig twin = read_robot_config(dir + "robot_twin.json");
  EXPECT_EQ(twin.driver, "twin");
  EXPECT_EQ(twin.driver_config.at("endpoint"), "tcp://127.0.0.1:5560");
  const std::vector<std::string> drivers = robot_drivers();
  if (std::find(drivers.begin(), drivers.end(), "ros") != drivers.end()) {
    const RobotConfig ros = read_robot_config(dir + "robot_ros.json");
    EXPECT_TRUE(ros.safety.check_joint_margins);
    EXPECT_LT(ros.safety.max_linear_speed_m_s, SafetyLimits{}.max_linear_speed_m_s);
    EXPECT_NE(ros.calibration.find("calibration_nominal.json"), std::string::npos);
  }
  auto error_of = [](const nlohmann::json& j) {
    try {
      robot_config_from_json(j, "robot.json", ".");
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(error_of({{"driver", "twin"}}).find("needs its section \"twin\""), std::string::npos);
  EXPECT_NE(error_of({{"driver", "twin"}, {"twin", {{"endpont", "tcp://x:1"}}}}).find("endpont"), std::string::npos);
  EXPECT_NE(error_of({{"driver", "sim"}, {"control_hz", 0}}).find("control_hz"), std::string::npos);
  EXPECT_NE(error_of({{"driver", "sim"}, {"cameras", {"top"}}}).find("cameras"), std::string::npos);
  EXPECT_NE(error_of({{"driver", "sim"}, {"calibration", "missing.json"}}).find("missing.json"), std::string::npos);
}

}  // namespace
}  // namespace wambench
