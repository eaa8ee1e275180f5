#include <unistd.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>
#include <thread>

#include "cli/commands.h"
#include "eval/config.h"
#include "eval/runner.h"
#include "eval/store.h"
#include "tasks/registry.h"

namespace wambench::cli {
namespace {

struct ExpertOptions {
  std::vector<std::string> tasks = {"all"};
  std::vector<std::string> splits = {"all"};
  int episodes = 50;
  uint64_t seed = 0;
  int workers = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  std::string out;
  double noise = 0.0;
};

struct Cell {
  int success = 0, total = 0, max_success_step = 0, errors = 0;
};

// The expert table is an evaluation sweep of the `scripted` policy (eval/runner.h) without
// recordings, kept in a scratch run directory.
int run_experts(const ExpertOptions& o) {
  EvalConfig config;
  try {
    config.tasks = resolve_tasks(nlohmann::json(o.tasks), "--tasks");
    config.splits = resolve_splits(nlohmann::json(o.splits), "--splits");
  } catch (const ConfigError& e) {
    throw UsageError(e.what());
  }
  for (const std::string& t : config.tasks) make_task(t);  // validate names before any work
  config.policies = {{"scripted", "", o.noise, {}}};
  config.episodes = o.episodes;
  config.seed = o.seed;
  config.workers = o.workers;
  config.record_trajectories = false;
  const auto scratch = std::filesystem::temp_directory_path() /
                       ("wambench-experts-" + std::to_string(::getpid()) + "-" + std::to_string(std::time(nullptr)));
  const auto t0 = std::chrono::steady_clock::now();
  std::map<std::pair<std::string, std::string>, Cell> cells;
  {
    ResultStore store(scratch.string(), false);
    run_sweep(config, store, "", [](const SweepProgress& p) {
      if (p.done % 25 == 0 || p.done == p.total)
        std::cerr << "experts: " << p.done << "/" << p.total << " episodes, " << std::fixed << std::setprecision(1)
                  << p.episodes_per_s << " ep/s\n";
    });
    for (const EpisodeRecord& r : store.records()) {
      Cell& c = cells[{r.key.task, r.key.split}];
      c.total++;
      c.success += r.success;
      c.errors += r.status == "error";
      if (r.success) c.max_success_step = std::max(c.max_success_step, r.steps);  // an episode ends at success
    }
  }
  std::filesystem::remove_all(scratch);
  const std::vector<std::string>& tasks = config.tasks;
  std::vector<Split> splits;
  for (const std::string& s : config.splits) splits.push_back(parse_split(s));
  const size_t n_episodes = tasks.size() * splits.size() * static_cast<size_t>(o.episodes);

  std::ostringstream md;
  md << "# Scripted expert success rate\n\n"
     << "Privileged-state scripted experts (`scripted` policy, action noise " << o.noise << "), " << o.episodes
     << " episodes per cell, base seed " << o.seed << ". Regenerate with:\n\n```\nbuild/cli/wambench experts --episodes "
     << o.episodes << " --seed " << o.seed << (o.noise > 0 ? " --noise " + std::to_string(o.noise) : "")
     << " --out results/scripted_expert.md\n```\n\n| task |";
  for (Split s : splits) md << " " << to_string(s) << " |";
  md << " slowest success / horizon (steps) |\n|---|";
  for (size_t s = 0; s < splits.size(); ++s) md << "---|";
  md << "---|\n";
  bool all_ok = true;
  for (size_t t = 0; t < tasks.size(); ++t) {
    md << "| `" << tasks[t] << "` |";
    int slowest = 0;
    const int horizon = make_task(tasks[t])->horizon_steps();
    for (size_t s = 0; s < splits.size(); ++s) {
      const Cell& c = cells[{tasks[t], to_string(splits[s])}];
      md << " " << c.success << "/" << c.total << " (" << std::fixed << std::setprecision(0)
         << 100.0 * c.success / std::max(1, c.total) << " %)" << (c.errors ? " errors: " + std::to_string(c.errors) : "") << " |";
      slowest = std::max(slowest, c.max_success_step);
      all_ok &= c.success * 100 >= 95 * c.total;
    }
    md << " " << slowest << " / " << horizon << " |\n";
  }
  const double el = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  md << "\n" << n_episodes << " episodes in " << std::fixed << std::setprecision(0) << el << " s with " << o.workers
     << " workers (rendering off).\n";
  std::cout << md.str();
  if (!o.out.empty()) {
    std::ofstream f(o.out);
    if (!f) throw UsageError("cannot write '" + o.out + "'");
    f << md.str();
  }
  return all_ok ? 0 : 1;
}

}  // namespace

CommandRunner add_experts_command(CLI::App& app) {
  auto opts = std::make_shared<ExpertOptions>();
  CLI::App* cmd = app.add_subcommand(
      "experts", "Run the scripted experts on tasks x splits and print (or write) their success-rate table; exits 1 "
                 "if any cell is below 95 %");
  cmd->add_option("--tasks", opts->tasks, "Task names or 'all'")->capture_default_str()
      ->delimiter(kListDelimiter);
  cmd->add_option("--splits", opts->splits, "Split names or 'all'")->capture_default_str()
      ->delimiter(kListDelimiter);
  cmd->add_option("--episodes", opts->episodes, "Episodes per cell")->check(CLI::Range(1, 100000))->capture_default_str();
  cmd->add_option("--seed", opts->seed, "Base seed")->capture_default_str()
      ->check(seed_check());
  cmd->add_option("--workers", opts->workers, "Worker threads")->check(CLI::Range(1, 256))->capture_default_str();
  cmd->add_option("--noise", opts->noise, "Expert action noise (std, normalized units)")->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--out", opts->out, "Markdown file to write the table to");
  return [opts]() { return run_experts(*opts); };
}

}  // namespace wambench::cli
