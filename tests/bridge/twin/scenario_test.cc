#include "bridge/twin_scenario.h"

#include <filesystem>

#include <gtest/gtest.h>

namespace wambench {
namespace {

std::string error_of(const std::string& text) {
  try {
    twin_scenario_from_json(nlohmann::json::parse(text));
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(TwinScenario, EmptyIsFaultFree) {
  const TwinScenario s = twin_scenario_from_json(nlohmann::json::object());
  EXPECT_TRUE(s.active_faults().empty());
  EXPECT_DOUBLE_EQ(s.period_s(), 0.1);
  EXPECT_EQ(s.watchdog_periods, 2);
}

TEST(TwinScenario, EveryKeyParses) {
  const TwinScenario s = twin_scenario_from_json(nlohmann::json::parse(R"({
    "control_hz": 20, "time_scale": 4, "seed": 7, "watchdog_periods": 3,
    "start_grace_s": 0.5, "lockstep": true, "lockstep_timeout_s": 2,
    "command_latency": {"mean_ms": 100, "jitter_ms": 50},
    "observation_latency": {"mean_ms": 80},
    "frame_drop_probability": 0.1,
    "sensor_noise": {"ee_pos_std_m": 0.001, "joint_pos_std_rad": 0.002, "gripper_std_m": 0.0005},
    "camera_miscalibration": {"front": {"translation_m": [0.02, 0, 0], "rotation_deg": [0, 3, 0], "fovy_error_deg": 1}},
    "tracking_lag_periods": 2,
    "disconnect": {"at_s": 3, "duration_s": 2, "episodes": [0, 2]}})"));
  EXPECT_DOUBLE_EQ(s.period_s(), 1.0 / 80.0);
  EXPECT_EQ(s.seed, 7u);
  EXPECT_EQ(s.watchdog_periods, 3);
  EXPECT_DOUBLE_EQ(s.start_grace_s, 0.5);
  EXPECT_TRUE(s.lockstep);
  EXPECT_DOUBLE_EQ(s.lockstep_timeout_s, 2);
  EXPECT_DOUBLE_EQ(s.command_latency.jitter_ms, 50);
  EXPECT_DOUBLE_EQ(s.observation_latency.mean_ms, 80);
  EXPECT_DOUBLE_EQ(s.observation_latency.jitter_ms, 0);
  EXPECT_DOUBLE_EQ(s.camera_miscalibration.at("front").rotation_deg[1], 3);
  EXPECT_EQ(s.tracking_lag_periods, 2);
  EXPECT_TRUE(s.disconnect.applies_to(2));
  EXPECT_FALSE(s.disconnect.applies_to(1));
  EXPECT_EQ(s.active_faults(),
            (std::vector<std::string>{"command_latency", "observation_latency", "frame_drops", "sensor_noise",
                                      "camera_miscalibration", "tracking_lag", "disconnect"}));
  // to_json round-trips.
  const TwinScenario again = twin_scenario_from_json(s.to_json());
  EXPECT_EQ(again.to_json(), s.to_json());
}

TEST(TwinScenario, ErrorsNameTheKeyAndWhatIsValid) {
  std::string e = error_of(R"({"latency": 5})");
  EXPECT_NE(e.find("'latency'"), std::string::npos) << e;
  EXPECT_NE(e.find("valid: "), std::string::npos) << e;
  EXPECT_NE(e.find("command_latency"), std::string::npos) << e;

  e = error_of(R"({"command_latency": {"mean": 5}})");
  EXPECT_NE(e.find("'command_latency.mean'"), std::string::npos) << e;
  EXPECT_NE(e.find("mean_ms"), std::string::npos) << e;

  e = error_of(R"({"observation_latency": {"mean_ms": -1}})");
  EXPECT_NE(e.find("'observation_latency.mean_ms' must be >= 0"), std::string::npos) << e;

  e = error_of(R"({"frame_drop_probability": 1.5})");
  EXPECT_NE(e.find("'frame_drop_probability' must be in [0, 1)"), std::string::npos) << e;

  e = error_of(R"({"time_scale": 0})");
  EXPECT_NE(e.find("'time_scale' must be in (0, 1000]"), std::string::npos) << e;

  e = error_of(R"({"control_hz": "ten"})");
  EXPECT_NE(e.find("'control_hz' must be a number"), std::string::npos) << e;

  e = error_of(R"({"tracking_lag_periods": 1.5})");
  EXPECT_NE(e.find("'tracking_lag_periods' must be an integer"), std::string::npos) << e;

  e = error_of(R"({"disconnect": {"at_s": 1}})");
  EXPECT_NE(e.find("'disconnect.duration_s' is required"), std::string::npos) << e;

  e = error_of(R"({"disconnect": {"duration_s": 2, "episodes": [-1]}})");
  EXPECT_NE(e.find("'disconnect.episodes[0]'"), std::string::npos) << e;

  e = error_of(R"({"camera_miscalibration": {"front": {"rotation_deg": [1, 2]}}})");
  EXPECT_NE(e.find("'camera_miscalibration.front.rotation_deg' must be an array of 3 numbers"), std::string::npos) << e;

  e = error_of(R"({"camera_miscalibration": {"front": {"shift": [0, 0, 0]}}})");
  EXPECT_NE(e.find("'camera_miscalibration.front.shift' is not a valid key"), std::string::npos) << e;

  e = error_of(R"({"sensor_noise": {"ee_pos_std_m": "x"}})");
  EXPECT_NE(e.find("'sensor_noise.ee_pos_std_m' must be a number"), std::string::npos) << e;

  e = error_of(R"({"lockstep": 1})");
  EXPECT_NE(e.find("'lockstep' must be true or false"), std::string::npos) << e;

  e = error_of(R"({"start_grace_s": -0.5})");
  EXPECT_NE(e.find("'start_grace_s' must be >= 0"), std::string::npos) << e;

  e = error_of(R"([1, 2])");
  EXPECT_NE(e.find("must be a JSON object"), std::string::npos) << e;
}

TEST(TwinScenario, UnreadableFileIsNamed) {
  try {
    load_twin_scenario("/nonexistent/scenario.json");
    FAIL() << "no error";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/scenario.json"), std::string::npos) << e.what();
  }
}

TEST(TwinScenario, ExampleFilesParse) {
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(WAMBENCH_SOURCE_DIR "/examples/twin")) {
    if (entry.path().extension() != ".json") continue;
    SCOPED_TRACE(entry.path().string());
    const TwinScenario s = load_twin_scenario(entry.path().string());
    EXPECT_FALSE(s.active_faults().empty());
    ++files;
  }
  EXPECT_GE(files, 5);
}

}  // namespace
}  // namespace wambench
