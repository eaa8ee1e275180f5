#include "eval/run.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <utility>

#include "eval/report.h"
#include "eval/run_manifest.h"

namespace wambench {
namespace {

namespace fs = std::filesystem;

std::string env_or_empty(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

std::string manifest_path(const std::string& dir) { return (fs::path(dir) / "manifest.json").string(); }

}  // namespace

std::string default_runs_dir() {
  if (const std::string runs = env_or_empty("WAMBENCH_RUNS_DIR"); !runs.empty()) return runs;
  if (const std::string data = env_or_empty("XDG_DATA_HOME"); !data.empty())
    return (fs::path(data) / "wambench" / "runs").string();
  if (const std::string home = env_or_empty("HOME"); !home.empty())
    return (fs::path(home) / ".local" / "share" / "wambench" / "runs").string();
  throw RunError("no run directory given and none of WAMBENCH_RUNS_DIR, XDG_DATA_HOME and HOME is set; "
                 "pass --out DIR or set WAMBENCH_RUNS_DIR");
}

std::string default_run_dir(const std::string& prefix) {
  return (fs::path(default_runs_dir()) / (prefix + "-" + utc_timestamp(true))).string();
}

nlohmann::json read_run_manifest(const std::string& dir) {
  const std::string mpath = manifest_path(dir);
  std::ifstream f(mpath);
  if (!f) throw RunError("'" + dir + "' is not a run directory: it has no readable manifest.json");
  nlohmann::json manifest;
  try {
    manifest = nlohmann::json::parse(f);
  } catch (const nlohmann::json::exception& e) {
    throw RunError(mpath + ": malformed JSON: " + e.what());
  }
  if (!manifest.is_object() || !manifest.contains("config"))
    throw RunError(mpath + ": no 'config' field; not a wambench run directory");
  return manifest;
}

Run::Run(std::string dir, EvalConfig config, ShardSpec shard, nlohmann::json manifest, bool resumed)
    : dir_(std::move(dir)),
      config_(std::move(config)),
      shard_(shard),
      manifest_(std::move(manifest)),
      resumed_(resumed) {}

std::unique_ptr<Run> Run::create(const std::string& dir, const EvalConfig& config, const std::string& command,
                                 const ShardSpec& shard) {
  const fs::path records = fs::path(dir) / "episodes.jsonl";
  if (fs::exists(records) && fs::file_size(records) > 0)
    throw RunError("'" + dir + "' already holds a run; continue it with --resume " + dir + " or choose another --out");
  nlohmann::json manifest = new_run_manifest(config, command);
  if (!shard.whole())
    manifest["shard"] = {{"spec", to_string(shard)},
                         {"index", shard.index},
                         {"count", shard.count},
                         {"episodes", shard_keys(config, shard).size()}};
  std::unique_ptr<Run> run(new Run(dir, config, shard, std::move(manifest), false));
  if (!shard.whole() && run->shard_episodes() == 0)
    throw RunError("shard " + to_string(shard) + " of this sweep has no episodes: the sweep has " +
                   std::to_string(run->sweep_episodes()) + " episodes, so use at most that many shards");
  run->store_ = std::make_unique<ResultStore>(dir, false);
  run->write_manifest();
  return run;
}

std::unique_ptr<Run> Run::resume(const std::string& dir, int workers, const ShardSpec* shard) {
  const std::string mpath = manifest_path(dir);
  nlohmann::json manifest = read_run_manifest(dir);
  EvalConfig config;
  try {
    config = parse_eval_config(manifest.at("config"), mpath);
  } catch (const ConfigError& e) {
    throw RunError(e.what());
  }
  if (workers > 0) config.workers = workers;
  ShardSpec stored;
  if (manifest.contains("shard")) {
    try {
      stored = parse_shard_spec(manifest.at("shard").at("spec").get<std::string>(), mpath + ": shard.spec");
    } catch (const nlohmann::json::exception& e) {
      throw RunError(mpath + ": malformed 'shard' field: " + e.what());
    } catch (const ConfigError& e) {
      throw RunError(e.what());
    }
  }
  if (shard && !(*shard == stored))
    throw RunError("--shard " + to_string(*shard) + " does not match the run in '" + dir + "', which is " +
                   (stored.whole() ? std::string("a whole sweep") : "shard " + to_string(stored)) +
                   "; resume it without --shard");
  std::unique_ptr<Run> run(new Run(dir, std::move(config), stored, std::move(manifest), true));
  if (!stored.whole() && run->shard_episodes() == 0)
    throw RunError("shard " + to_string(stored) + " of this sweep has no episodes: the sweep has " +
                   std::to_string(run->sweep_episodes()) + " episodes, so use at most that many shards");
  run->store_ = std::make_unique<ResultStore>(dir, true);
  mark_resumed(&run->manifest_, run->config_.workers);
  run->write_manifest();
  return run;
}

SweepSummary Run::run_episodes(const std::function<void(const SweepProgress&)>& on_progress) {
  return run_sweep(config_, *store_, recordings_dir(), on_progress, shard_);
}

nlohmann::json Run::finish(bool report) {
  manifest_["end_time"] = utc_timestamp();
  write_manifest();
  return report ? write_report(dir_) : nlohmann::json();
}

std::string Run::recordings_dir() const { return (fs::path(dir_) / "recordings").string(); }

size_t Run::sweep_episodes() const { return sweep_keys(config_).size(); }

size_t Run::shard_episodes() const { return shard_.whole() ? sweep_episodes() : shard_keys(config_, shard_).size(); }

void Run::write_manifest() const { write_json_atomic(manifest_path(dir_), manifest_); }

}  // namespace wambench
