#include <fstream>
#include <iostream>
#include <memory>

#include <nlohmann/json.hpp>

#include "build_info/git_commit.h"
#include "cli/commands.h"
#include "tasks/task_env.h"

namespace wambench::cli {
namespace {

struct ExportOptions {
  std::string task;
  std::string split;
  int64_t count = 10;
  int64_t start = 0;
  uint64_t seed = 0;
  std::string out;
};

int run_export(const ExportOptions& o) {
  const Split split = parse_split(o.split);
  EnvConfig config;
  config.render = false;
  TaskEnv env(o.task, config);
  nlohmann::json doc;
  doc["format"] = "wambench.episodes/1";
  doc["wambench_commit"] = git_commit();
  doc["task"] = o.task;
  doc["split"] = o.split;
  doc["base_seed"] = o.seed;
  doc["horizon_steps"] = env.task().horizon_steps();
  doc["physics_timestep_s"] = env.env().model()->opt.timestep;
  doc["control_frequency_hz"] = env.env().config().control_frequency_hz;
  doc["nq"] = env.env().model()->nq;
  doc["episodes"] = nlohmann::json::array();
  for (int64_t i = o.start; i < o.start + o.count; ++i) {
    const Variation& v = env.reset(split, i, o.seed);
    nlohmann::json e = to_json(v);
    const mjData* d = env.env().data();
    // The initial state after the variation is applied: positions (qpos, MuJoCo's order) and
    // velocities (all zero at reset).
    e["initial_qpos"] = std::vector<double>(d->qpos, d->qpos + env.env().model()->nq);
    doc["episodes"].push_back(e);
  }
  const std::string tmp = o.out + ".tmp";
  {
    std::ofstream f(tmp);
    if (!f) throw UsageError("cannot write '" + o.out + "' (does the directory exist?)");
    f << doc.dump(2) << "\n";
    if (!f) throw UsageError("failed writing '" + o.out + "'");
  }
  if (std::rename(tmp.c_str(), o.out.c_str()) != 0) throw UsageError("cannot write '" + o.out + "'");
  std::cout << "wrote " << o.count << " episodes of " << o.task << "/" << o.split << " to " << o.out << "\n";
  return 0;
}

}  // namespace

CommandRunner add_episodes_command(CLI::App& app) {
  CLI::App* cmd = app.add_subcommand("episodes", "Episode lists: export the sampled variations and initial states");
  cmd->require_subcommand(1);
  auto opts = std::make_shared<ExportOptions>();
  CLI::App* exp = cmd->add_subcommand(
      "export", "Write the variations (background, objects, placements, instruction) and initial qpos of episodes "
                "start..start+count-1 of a task and split as JSON, so others can reproduce them exactly");
  exp->add_option("--task", opts->task, "Task name")->required();
  exp->add_option("--split", opts->split, "Split name")->required();
  exp->add_option("--count", opts->count, "Number of episodes")->check(CLI::Range(int64_t{1}, int64_t{100000}))->capture_default_str();
  exp->add_option("--start", opts->start, "First episode index")->check(CLI::NonNegativeNumber)->capture_default_str();
  exp->add_option("--seed", opts->seed, "Base seed")->capture_default_str()
      ->check(seed_check());
  exp->add_option("--out", opts->out, "Output JSON file")->required();
  return [opts]() { return run_export(*opts); };
}

}  // namespace wambench::cli
