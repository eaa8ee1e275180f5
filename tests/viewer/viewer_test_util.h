// Test helpers of tests/viewer: environments without rendering, scratch folders, and run folders
// written the way `wambench eval` writes them.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "eval/oracle_policy.h"
#include "eval/recording.h"
#include "eval/runner.h"
#include "policies/policy.h"
#include "sim/env.h"
#include "tasks/task_env.h"

namespace wambench::viewer {

// make_policy("scripted") needs the evaluation layer's oracle (eval/oracle_policy.h), registered once
// before any test of the binary runs.
inline const bool kOraclesRegistered = (register_oracle_policies(), true);

/// An EnvConfig that renders nothing (no OpenGL context).
inline EnvConfig no_render() {
  EnvConfig c;
  c.render = false;
  return c;
}

/// An empty folder under the temporary directory, unique to this process and `name`.
inline std::filesystem::path fresh_dir(const std::string& name) {
  const std::filesystem::path dir = std::filesystem::temp_directory_path() / ("wambench_viewer_" + name + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

/// Records one scripted episode (action noise `noise`) into run folder `dir` the way
/// `wambench eval` does (recordings/... .h5 and a line of episodes.jsonl); returns its .h5 path.
inline std::string record_episode(const std::filesystem::path& dir, const std::string& task, int64_t index, double noise = 0.0) {
  TaskEnv env(task, no_render());
  auto policy = make_policy({"scripted", "", noise, {}});
  Trajectory trajectory;
  const EpisodeRecord r = run_episode(*policy, env, {"scripted", task, "train", index}, 0, &trajectory);
  save_recordings((dir / "recordings").string(), r, trajectory, true, false);
  std::ofstream((dir / "episodes.jsonl").string(), std::ios::app) << to_json(r).dump() << "\n";
  return recording_path((dir / "recordings").string(), r.key, "h5");
}

}  // namespace wambench::viewer
