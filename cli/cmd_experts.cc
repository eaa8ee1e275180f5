#include <atomic>
#include <chrono>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <thread>

#include "cli/commands.h"
#include "tasks/expert_rollout.h"
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
  int horizon = 0;
  double wall_s = 0;
};

int run_experts(const ExpertOptions& o) {
  std::vector<std::string> tasks = o.tasks;
  if (tasks.size() == 1 && tasks[0] == "all") tasks = task_names();
  std::vector<Split> splits;
  if (o.splits.size() == 1 && o.splits[0] == "all") splits = all_splits();
  else for (const std::string& s : o.splits) splits.push_back(parse_split(s));
  for (const std::string& t : tasks) make_task(t);  // validate names before any work

  struct Item { size_t task, split; int episode; };
  std::vector<Item> items;
  for (size_t t = 0; t < tasks.size(); ++t)
    for (size_t s = 0; s < splits.size(); ++s)
      for (int i = 0; i < o.episodes; ++i) items.push_back({t, s, i});

  std::map<std::pair<size_t, size_t>, Cell> cells;
  std::mutex mutex;
  std::atomic<size_t> next{0};
  std::atomic<size_t> done{0};
  const auto t0 = std::chrono::steady_clock::now();
  auto worker = [&]() {
    std::map<size_t, std::unique_ptr<TaskEnv>> envs;  // one TaskEnv per task, per worker
    EnvConfig config;
    config.render = false;
    for (size_t k = next++; k < items.size(); k = next++) {
      const Item& it = items[k];
      auto& env = envs[it.task];
      if (!env) env = std::make_unique<TaskEnv>(tasks[it.task], config);
      const auto e0 = std::chrono::steady_clock::now();
      const ExpertEpisode r = run_expert_episode(*env, splits[it.split], it.episode, o.seed, o.noise);
      const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - e0).count();
      std::lock_guard<std::mutex> lock(mutex);
      Cell& c = cells[{it.task, it.split}];
      c.total++;
      c.success += r.success;
      c.errors += !r.error.empty();
      c.horizon = env->task().horizon_steps();
      if (r.success) c.max_success_step = std::max(c.max_success_step, r.success_step);
      c.wall_s += wall;
      const size_t n = ++done;
      if (n % 25 == 0 || n == items.size()) {
        const double el = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        std::cerr << "experts: " << n << "/" << items.size() << " episodes, " << std::fixed << std::setprecision(1)
                  << n / el << " ep/s\n";
      }
    }
  };
  std::vector<std::thread> pool;
  for (int w = 0; w < std::max(1, o.workers); ++w) pool.emplace_back(worker);
  for (auto& th : pool) th.join();

  std::ostringstream md;
  md << "# Scripted expert success rate\n\n"
     << "Privileged-state scripted experts (`scripted` policy, noise 0), " << o.episodes
     << " episodes per cell, base seed " << o.seed << ". Regenerate with:\n\n```\nbuild/cli/wambench experts --episodes "
     << o.episodes << " --seed " << o.seed << " --out results/scripted_expert.md\n```\n\n| task |";
  for (Split s : splits) md << " " << to_string(s) << " |";
  md << " slowest success / horizon (steps) |\n|---|";
  for (size_t s = 0; s < splits.size(); ++s) md << "---|";
  md << "---|\n";
  bool all_ok = true;
  for (size_t t = 0; t < tasks.size(); ++t) {
    md << "| `" << tasks[t] << "` |";
    int slowest = 0, horizon = 0;
    for (size_t s = 0; s < splits.size(); ++s) {
      const Cell& c = cells[{t, s}];
      md << " " << c.success << "/" << c.total << " (" << std::fixed << std::setprecision(0)
         << 100.0 * c.success / std::max(1, c.total) << " %)" << (c.errors ? " errors: " + std::to_string(c.errors) : "") << " |";
      slowest = std::max(slowest, c.max_success_step);
      horizon = c.horizon;
      all_ok &= c.success * 100 >= 95 * c.total;
    }
    md << " " << slowest << " / " << horizon << " |\n";
  }
  const double el = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  md << "\n" << items.size() << " episodes in " << std::fixed << std::setprecision(0) << el << " s with " << o.workers
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
  cmd->add_option("--tasks", opts->tasks, "Task names or 'all'")->capture_default_str();
  cmd->add_option("--splits", opts->splits, "Split names or 'all'")->capture_default_str();
  cmd->add_option("--episodes", opts->episodes, "Episodes per cell")->check(CLI::Range(1, 100000))->capture_default_str();
  cmd->add_option("--seed", opts->seed, "Base seed")->capture_default_str();
  cmd->add_option("--workers", opts->workers, "Worker threads")->check(CLI::Range(1, 256))->capture_default_str();
  cmd->add_option("--noise", opts->noise, "Expert action noise (std, normalized units)")->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--out", opts->out, "Markdown file to write the table to");
  return [opts]() { return run_experts(*opts); };
}

}  // namespace wambench::cli
