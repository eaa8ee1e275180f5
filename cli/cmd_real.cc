// `wambench real`: the policy that `wambench eval` evaluates, on a robot (simulated, the networked
// twin, or a real arm over ROS 1), episode by episode with the operator protocol, written as a run
// directory in the formats of `wambench eval` (bridge/runtime.h).
#include <filesystem>
#include <fstream>
#include <map>
#include <iostream>
#include <memory>

#include <spdlog/spdlog.h>

#include "bridge/calibration.h"
#include "bridge/robot_config.h"
#include "bridge/runtime.h"
#include "bridge/watchdog.h"
#include "cli/commands.h"
#include "eval/config.h"
#include "eval/recording.h"
#include "eval/report.h"
#include "eval/run_manifest.h"
#include "eval/run.h"
#include "eval/runner.h"
#include "eval/store.h"
#include "sim/image.h"
#include "tasks/task_env.h"

namespace wambench::cli {
namespace {

namespace fs = std::filesystem;

struct RealOptions {
  std::string robot, twin, out, resume;
  std::vector<std::string> policies, tasks, splits = {"train"};
  int episodes = 10;
  uint64_t seed = 0;
  bool dry_run = false, auto_judge = false, no_setup_cards = false;
  int record_video = 0;
  int setup_card_size = 480;
};

// Renders the episode's initial scene from the front camera (calibrated, when the robot config
// has a calibration), with the instruction written under it by the caller's terminal.
class SetupCards {
 public:
  SetupCards(const std::string& calibration, int size) : calibration_(calibration), size_(size) {}
  std::string render(const std::string& dir, const EpisodeKey& key, uint64_t base_seed) {
    auto it = envs_.find(key.task);
    if (it == envs_.end()) {
      EnvConfig config;
      config.image_height = config.image_width = size_;
      config.cameras = {"front"};
      auto env = std::make_unique<TaskEnv>(key.task, config);
      if (!calibration_.empty()) apply_calibration(env->env().mutable_model(), read_calibration(calibration_));
      it = envs_.emplace(key.task, std::move(env)).first;
    }
    it->second->reset(parse_split(key.split), key.index, base_seed);
    const fs::path path = fs::path(dir) / "setup_cards" / key.task / key.split / ("episode_" + std::to_string(key.index) + ".png");
    fs::create_directories(path.parent_path());
    write_png(path.string(), it->second->observe().images.at("front"));
    return path.string();
  }

 private:
  std::string calibration_;
  int size_;
  std::map<std::string, std::unique_ptr<TaskEnv>> envs_;
};

int run_real(const RealOptions& o) {
  RobotConfig robot_config;
  try {
    robot_config = read_robot_config(o.robot);
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
  // The episodes: the same (task, split, index, base seed) list as `wambench eval`.
  nlohmann::json j = {{"policies", o.policies.size() == 1 && o.policies[0] == "all" ? nlohmann::json("all")
                                                                                     : nlohmann::json(o.policies)},
                      {"tasks", o.tasks.size() == 1 && o.tasks[0] == "all" ? nlohmann::json("all") : nlohmann::json(o.tasks)},
                      {"splits", o.splits.size() == 1 && o.splits[0] == "all" ? nlohmann::json("all") : nlohmann::json(o.splits)},
                      {"episodes", o.episodes},
                      {"seed", o.seed},
                      {"workers", 1},
                      {"record_video", o.record_video},
                      {"image_size", robot_config.image_size}};
  EvalConfig config;
  try {
    config = parse_eval_config(j, "wambench real options");
  } catch (const ConfigError& e) {
    throw UsageError(e.what());
  }
  const bool resume = !o.resume.empty();
  std::string dir = resume ? o.resume : o.out;
  nlohmann::json manifest;
  if (resume) {
    if (!o.out.empty()) throw UsageError("--resume continues the run in its own directory: give no --out");
    std::ifstream mf(fs::path(dir) / "manifest.json");
    if (!mf) throw UsageError("'" + dir + "' has no manifest.json; not a `wambench real` run directory");
    try {
      manifest = nlohmann::json::parse(mf);
    } catch (const std::exception& e) {
      throw UsageError(dir + "/manifest.json: malformed JSON: " + e.what());
    }
    if (manifest.value("config", nlohmann::json()) != to_json(config))
      throw UsageError("--resume " + dir + ": the options give another episode list or policy than the run's manifest "
                       "(its config: " + manifest.value("config", nlohmann::json()).dump() + ")");
  } else {
    if (dir.empty()) {
      try {
        dir = default_run_dir("real");
      } catch (const RunError& e) {
        throw UsageError(e.what());
      }
      std::cerr << "real: no --out given; the run goes to " << dir << "\n";
    }
    if (fs::exists(fs::path(dir) / "episodes.jsonl") && fs::file_size(fs::path(dir) / "episodes.jsonl") > 0)
      throw UsageError("'" + dir + "' already holds a run; continue it with --resume " + dir + " or choose another --out");
    manifest = new_run_manifest(config, o.dry_run ? "wambench real --dry-run" : "wambench real");
    manifest["robot"] = robot_config.to_json();
    manifest["dry_run"] = o.dry_run;
  }
  // One instance of each policy, in the sweep's order; the robot renders if any of them reads images.
  std::map<std::string, std::unique_ptr<Policy>> policies;
  bool needs_images = false;
  for (const PolicySpec& spec : config.policies) {
    try {
      policies[spec.row_label()] = make_policy(spec);
    } catch (const std::invalid_argument& e) {
      throw UsageError(e.what());
    }
    needs_images |= policies[spec.row_label()]->needs_images();
  }
  std::unique_ptr<Robot> robot = make_robot(robot_config, needs_images);
  std::unique_ptr<Robot> twin;
  if (!o.twin.empty()) {
    if (!o.dry_run) throw UsageError("--twin is for dry runs: the twin executes the commands the robot is not sent");
    RobotConfig twin_config;
    try {
      twin_config = read_robot_config(o.twin);
    } catch (const std::invalid_argument& e) {
      throw UsageError(e.what());
    }
    twin = make_robot(twin_config, false);
  }
  SafetyFilter filter(robot_config.safety, ArmControllerConfig{}, robot_config.control_hz);
  RealRunOptions options;
  options.control_hz = robot_config.control_hz;
  options.dry_run = o.dry_run;
  options.dry_run_twin = twin.get();
  options.frames = config.record_video > 0;
  std::map<std::string, std::unique_ptr<RealEpisodeRunner>> runners;
  for (auto& [label, policy] : policies) {
    try {
      runners[label] = std::make_unique<RealEpisodeRunner>(*robot, *policy, filter, options);
    } catch (const std::invalid_argument& e) {
      throw UsageError(e.what());
    }
  }

  std::unique_ptr<Operator> op;
  if (o.auto_judge) op = std::make_unique<PredicateOperator>();
  else op = std::make_unique<ConsoleOperator>(std::cin, std::cerr);
  SetupCards cards(robot_config.calibration, o.setup_card_size);
  // A simulated robot sets up its own scene; a person placing objects needs the card.
  const bool make_cards = !o.no_setup_cards && !o.auto_judge;

  ResultStore store(dir, resume);
  if (resume) mark_resumed(&manifest, 1);
  write_json_atomic((fs::path(dir) / "manifest.json").string(), manifest);
  auto guard = install_emergency_stop_handler();
  const std::vector<EpisodeKey> keys = sweep_keys(config);
  std::cerr << "real: " << config.policies.size() << " policies on the '" << robot->name() << "' robot" << (o.dry_run ? " (dry run)" : "")
            << ", " << keys.size() << " episodes -> " << dir << "\n";
  std::map<std::string, std::unique_ptr<TaskEnv>> info_envs;  // instructions and horizons of the episodes
  size_t done = 0, successes = 0, errors = 0;
  bool stopped = false;
  std::map<std::pair<std::string, std::string>, int> videos;
  for (const EpisodeKey& key : keys) {
    if (store.has(key)) continue;
    auto it = info_envs.find(key.task);
    if (it == info_envs.end()) {
      EnvConfig c;
      c.render = false;
      it = info_envs.emplace(key.task, std::make_unique<TaskEnv>(key.task, c)).first;
    }
    const Variation& v = it->second->reset(parse_split(key.split), key.index, config.seed);
    const std::string card = make_cards ? cards.render(dir, key, config.seed) : "";
    Trajectory trajectory;
    RealEpisodeRunner& runner = *runners.at(key.policy);
    const std::optional<EpisodeRecord> record =
        runner.run(key, config.seed, v.instruction, it->second->task().horizon_steps(), *op, card, &trajectory);
    if (!record) {
      std::cerr << "real: the operator ended the run\n";
      break;
    }
    store.append(*record);
    ++done;
    successes += record->success;
    errors += record->status == "error";
    const bool video = videos[{key.task, key.split}]++ < config.record_video;
    try {
      save_recordings((fs::path(dir) / "recordings").string(), *record, trajectory, config.record_trajectories, video);
    } catch (const std::exception& e) {
      spdlog::error("real: recording of {}/{}/{} not written: {}", key.task, key.split, key.index, e.what());
    }
    std::cerr << "real: " << key.task << "/" << key.split << "/#" << key.index << ": " << record->status
              << (record->error.empty() ? "" : " (" + record->error + ")") << " in " << record->steps << " steps\n";
    if (runner.stopped()) {
      stopped = true;
      std::cerr << "real: emergency stop: the arm was held; finished episodes are in " << dir
                << "; continue with --resume " << dir << "\n";
      break;
    }
  }
  manifest["end_time"] = utc_timestamp();
  write_json_atomic((fs::path(dir) / "manifest.json").string(), manifest);
  std::cerr << "real: " << done << " episodes, " << successes << " successes, " << errors << " errors\n";
  if (!store.records().empty()) {
    write_report(dir);
    std::cout << "wrote " << (fs::path(dir) / "report.md").string() << "\n";
  }
  return stopped ? 130 : 0;
}

}  // namespace

CommandRunner add_real_command(CLI::App& app) {
  auto o = std::make_shared<RealOptions>();
  CLI::App* cmd = app.add_subcommand(
      "real", "Run a policy on a robot (simulated, the networked twin, or a real arm over ROS 1) through the safety "
              "filter, episode by episode with the operator protocol; records in the formats of `wambench eval`");
  cmd->add_option("--robot", o->robot, "Robot config (JSON, bridge/robot_config.h; examples/real/)")->required();
  cmd->add_option("--policy", o->policies,
                  "Policies: NAME, NAME@CHECKPOINT or LABEL=NAME@CHECKPOINT (as in eval --policies); several run one "
                  "after the other on the same episodes")
      ->required()
      ->delimiter(kListDelimiter);
  cmd->add_option("--task", o->tasks, "Task name(s), or 'all'")->required()
      ->delimiter(kListDelimiter);
  cmd->add_option("--split", o->splits, "Split name(s) of the episode list, or 'all'")->capture_default_str()
      ->delimiter(kListDelimiter);
  cmd->add_option("--episodes", o->episodes, "Episodes per (task, split)")->check(CLI::Range(1, 100000))->capture_default_str();
  cmd->add_option("--seed", o->seed, "Base seed of the episode list (the sim sweep's, for paired sim / real episodes)")
      ->capture_default_str()
      ->check(seed_check());
  cmd->add_option("--out", o->out, "Run directory (default $WAMBENCH_RUNS_DIR/real-<UTC time>, else "
                  "${XDG_DATA_HOME:-~/.local/share}/wambench/runs/real-<UTC time>)");
  cmd->add_option("--resume", o->resume, "Continue the run in this directory (episodes not yet recorded)");
  cmd->add_flag("--dry-run", o->dry_run,
                "Run the policy on the robot's observations, but send the robot only holds; commands go to the log (and "
                "to --twin)");
  cmd->add_option("--twin", o->twin, "In a dry run: a robot config (e.g. the twin) that executes the commands");
  cmd->add_flag("--auto-judge", o->auto_judge,
                "Judge success with the robot's simulator predicate (sim, twin) instead of asking the operator");
  cmd->add_flag("--no-setup-cards", o->no_setup_cards, "Do not render the setup card of each episode");
  cmd->add_option("--record-video", o->record_video, "MP4s of the first K episodes of each (task, split)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  return [o]() { return run_real(*o); };
}

}  // namespace wambench::cli
