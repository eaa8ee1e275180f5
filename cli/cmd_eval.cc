// `wambench eval`, `wambench report`, `wambench compare`: the evaluation sweep and its reports.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <mutex>
#include <sstream>
#include <thread>


#include "cli/commands.h"
#include "eval/compare.h"
#include "eval/config.h"
#include "eval/report.h"
#include "eval/run.h"

namespace wambench::cli {
namespace {

namespace fs = std::filesystem;

struct EvalOptions {
  std::string config;
  std::vector<std::string> policies, tasks, splits;
  int episodes = -1, workers = -1, record_video = -1;
  int64_t seed = -1;
  std::string out, resume;
  std::string shard;  // "K/N" or "" (the whole sweep)
  bool no_trajectories = false;
  std::string checkpoint;  // not an option of eval: refused with the shorthand that does it
};

std::string default_config_path() { return (fs::path(WAMBENCH_SOURCE_DIR) / "eval/configs/default.json").string(); }

nlohmann::json read_json_file(const std::string& path, const std::string& what) {
  std::ifstream f(path);
  if (!f) throw UsageError("cannot read " + what + " '" + path + "'");
  try {
    return nlohmann::json::parse(f);
  } catch (const nlohmann::json::parse_error& e) {
    throw UsageError(path + ": malformed JSON: " + e.what());
  }
}

// A single updating line on a terminal; plain lines (every 5 %) otherwise.
class ProgressPrinter {
 public:
  ProgressPrinter() : tty_(isatty(fileno(stderr)) != 0) {}
  void operator()(const SweepProgress& p) {
    std::lock_guard<std::mutex> lock(mutex_);
    const size_t step = std::max<size_t>(1, p.total / 20);
    if (!tty_ && p.done != p.total && p.done % step != 0) return;
    std::ostringstream s;
    s << "eval: " << p.done << "/" << p.total << " episodes, success " << std::fixed << std::setprecision(1)
      << 100.0 * p.successes / std::max<size_t>(1, p.done) << " %";
    if (p.errors) s << ", " << p.errors << " errors";
    s << ", " << std::setprecision(2) << p.episodes_per_s << " ep/s, ETA " << std::setprecision(0) << p.eta_s << " s";
    if (tty_) std::cerr << "\r" << s.str() << "\033[K" << std::flush;
    else std::cerr << s.str() << "\n";
  }
  void finish() {
    if (tty_) std::cerr << "\n";
  }

 private:
  bool tty_;
  std::mutex mutex_;
};

// The sweep config of a new run: the config file with the command line's overrides.
EvalConfig config_from_options(const EvalOptions& o) {
  const std::string path = o.config.empty() ? default_config_path() : o.config;
  nlohmann::json j = read_json_file(path, "config file");
  if (!j.is_object()) throw UsageError(path + ": expected a JSON object at the top level");
  std::string source = path;
  auto override_list = [&](const char* key, const std::vector<std::string>& v) {
    if (v.empty()) return;
    j[key] = v.size() == 1 && v[0] == "all" ? nlohmann::json("all") : nlohmann::json(v);
    source = path + " with command-line overrides";
  };
  override_list("policies", o.policies);
  override_list("tasks", o.tasks);
  override_list("splits", o.splits);
  if (o.episodes >= 0) j["episodes"] = o.episodes;
  if (o.workers >= 0) j["workers"] = o.workers;
  if (o.seed >= 0) j["seed"] = o.seed;
  if (o.record_video >= 0) j["record_video"] = o.record_video;
  if (o.no_trajectories) j["record_trajectories"] = false;
  try {
    return parse_eval_config(j, source);
  } catch (const ConfigError& e) {
    throw UsageError(e.what());
  }
}

std::unique_ptr<Run> open_run(const EvalOptions& o) {
  ShardSpec shard;
  if (!o.shard.empty()) {
    try {
      shard = parse_shard_spec(o.shard, "--shard");
    } catch (const ConfigError& e) {
      throw UsageError(e.what());
    }
  }
  try {
    if (!o.resume.empty()) {
      if (!o.config.empty() || !o.policies.empty() || !o.tasks.empty() || !o.splits.empty() || o.episodes >= 0 ||
          o.seed >= 0 || o.record_video >= 0 || !o.out.empty() || o.no_trajectories)
        throw UsageError("--resume continues a run with the config in its manifest.json; only --workers (and its "
                         "own --shard) may be given");
      return Run::resume(o.resume, o.workers, o.shard.empty() ? nullptr : &shard);
    }
    const EvalConfig config = config_from_options(o);
    std::string dir = o.out;
    if (dir.empty()) {
      dir = default_run_dir("eval");
      std::cerr << "eval: no --out given; the run goes to " << dir << " (WAMBENCH_RUNS_DIR sets where runs go)\n";
    }
    return Run::create(dir, config, "wambench eval", shard);
  } catch (const RunError& e) {
    throw UsageError(e.what());
  }
}

int run_eval(const EvalOptions& o) {
  if (!o.checkpoint.empty())
    throw UsageError("eval has no --checkpoint: name the checkpoint in --policies as NAME@CHECKPOINT, e.g. "
                     "--policies vla vla@" + o.checkpoint + " (the bundled vla next to yours, on the same episodes)");
  const std::unique_ptr<Run> run = open_run(o);
  const EvalConfig& config = run->config();
  std::cerr << "eval: " << config.policies.size() << " policies x " << config.tasks.size() << " tasks x "
            << config.splits.size() << " splits x " << config.episodes << " episodes = " << run->sweep_episodes()
            << " episodes";
  if (!run->shard().whole()) std::cerr << ", shard " << to_string(run->shard()) << ": " << run->shard_episodes() << " of them";
  std::cerr << ", " << config.workers << " workers -> " << run->dir() << "\n";
  ProgressPrinter progress;
  const SweepSummary s = run->run_episodes([&](const SweepProgress& p) { progress(p); });
  progress.finish();
  std::cerr << "eval: ran " << s.ran << " episodes (" << s.resumed << " already done) in " << std::fixed
            << std::setprecision(1) << s.wall_s << " s; " << s.errors << " errors\n";
  run->finish();
  std::cout << "wrote " << (fs::path(run->dir()) / "report.md").string() << " and summary.json\n";
  return 0;
}

}  // namespace

CommandRunner add_eval_command(CLI::App& app) {
  auto o = std::make_shared<EvalOptions>();
  CLI::App* cmd = app.add_subcommand(
      "eval", "Run an evaluation sweep (policies x tasks x splits x episodes) and write its report. Without "
              "arguments: eval/configs/default.json");
  cmd->add_option("--config", o->config, "Sweep config (JSON); default eval/configs/default.json");
  cmd->add_option("--policies", o->policies,
                  "Policies (override the config): names, or NAME@CHECKPOINT for a checkpoint you trained (labelled "
                  "by its file name), or LABEL=NAME@CHECKPOINT, e.g. --policies vla vla@runs/v.pt new=vla@runs/w.pt")
      ->delimiter(kListDelimiter);
  cmd->add_option("--tasks", o->tasks, "Task names or 'all' (override the config)")
      ->delimiter(kListDelimiter);
  cmd->add_option("--splits", o->splits, "Split names or 'all' (override the config)")
      ->delimiter(kListDelimiter);
  cmd->add_option("--episodes", o->episodes, "Episodes per (policy, task, split) cell")->check(CLI::Range(1, 1000000));
  cmd->add_option("--workers", o->workers, "Worker threads (results never depend on it)")->check(CLI::Range(1, 256));
  cmd->add_option("--seed", o->seed, "Base seed of the episode list")->check(seed_check());
  cmd->add_option("--out", o->out, "Run directory (default $WAMBENCH_RUNS_DIR/eval-<UTC time>, else "
                  "${XDG_DATA_HOME:-~/.local/share}/wambench/runs/eval-<UTC time>)");
  cmd->add_option("--resume", o->resume, "Continue the run in this directory (after a crash or kill)");
  cmd->add_option("--record-video", o->record_video, "MP4s of the first K episodes of each cell")
      ->check(CLI::Range(0, 1000000));
  cmd->add_flag("--no-trajectories", o->no_trajectories, "Do not record per-episode state trajectories");
  cmd->add_option("--shard", o->shard,
                  "Run only the K-th of N disjoint slices of the sweep, balanced by expected cost (K/N, 1 <= K <= N, "
                  "e.g. 2/4); join the N run directories with `wambench merge`");
  cmd->add_option("--checkpoint", o->checkpoint)->group("");  // hidden: explains --policies NAME@CHECKPOINT
  return [o]() { return run_eval(*o); };
}

CommandRunner add_report_command(CLI::App& app) {
  auto dir = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand("report", "(Re)write summary.json, report.md and plots of a run directory");
  cmd->add_option("dir", *dir, "Run directory (holds episodes.jsonl)")->required();
  return [dir]() {
    try {
      write_report(*dir);
    } catch (const std::runtime_error& e) {
      throw UsageError(e.what());
    }
    std::cout << "wrote " << (fs::path(*dir) / "report.md").string() << " and summary.json\n";
    return 0;
  };
}

CommandRunner add_compare_command(CLI::App& app) {
  struct Options {
    std::string baseline, dir;
    CompareOptions compare;
  };
  auto o = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "compare", "Compare a run's success rates with a baseline summary; exit 1 on a significant drop");
  cmd->add_option("--baseline", o->baseline, "Baseline summary.json (e.g. results/baselines/ci.json)")->required();
  cmd->add_option("dir", o->dir, "Run directory (its summary.json is written if missing)")->required();
  cmd->add_option("--alpha", o->compare.alpha, "One-sided significance level")->check(CLI::Range(1e-9, 0.5))->capture_default_str();
  cmd->add_option("--min-drop", o->compare.min_drop, "Smallest drop in success rate that counts (0..1)")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  cmd->add_flag("--strict", o->compare.strict,
                "Fail (exit 1) when the runs differ in base seed, episodes per cell, config, checkpoints or code "
                "version (otherwise printed as information)");
  return [o]() {
    const nlohmann::json base = read_json_file(o->baseline, "baseline");
    const fs::path summary_path = fs::path(o->dir) / "summary.json";
    nlohmann::json cur;
    try {
      cur = fs::exists(summary_path) ? read_json_file(summary_path.string(), "summary") : write_report(o->dir);
    } catch (const std::runtime_error& e) {
      throw UsageError(e.what());
    }
    std::vector<CompareRow> rows;
    std::vector<std::string> differences;
    try {
      rows = compare_summaries(base, cur, o->compare);
      differences = summary_differences(base, cur);
    } catch (const std::invalid_argument& e) {
      throw UsageError(e.what());
    }
    std::cout << format_comparison(rows, o->compare, differences);
    return comparison_failed(rows, o->compare, differences) ? 1 : 0;
  };
}

}  // namespace wambench::cli
