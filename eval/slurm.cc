#include "eval/slurm.h"

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "eval/shard.h"
#include "eval/store.h"

namespace wambench {
namespace {

namespace fs = std::filesystem;

// Single-quoted for bash.
std::string quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

void check(const SlurmOptions& o) {
  if (o.shards < 1 || o.shards > 100000) throw ConfigError("--shards: must be in 1..100000, got " + std::to_string(o.shards));
  if (o.cpus_per_task < 1) throw ConfigError("--cpus-per-task: must be >= 1, got " + std::to_string(o.cpus_per_task));
  if (o.gpus_per_task < 0) throw ConfigError("--gpus-per-task: must be >= 0, got " + std::to_string(o.gpus_per_task));
  for (const auto& [flag, value] : {std::pair<const char*, const std::string*>{"--partition", &o.partition},
                                    {"--time", &o.time},
                                    {"--mem", &o.mem}})
    for (char c : *value)
      if (c == ' ' || c == '\n' || c == '\'' || c == '"' || c == '\\' || c == '$' || c == '`')
        throw ConfigError(std::string(flag) + ": '" + *value + "' contains a space, quote or shell character");
}

std::string header(const SlurmOptions& o, const std::string& name, int cpus) {
  std::ostringstream s;
  s << "#SBATCH --job-name=" << name << "\n";
  if (!o.partition.empty()) s << "#SBATCH --partition=" << o.partition << "\n";
  s << "#SBATCH --ntasks=1\n#SBATCH --cpus-per-task=" << cpus << "\n";
  if (!o.mem.empty()) s << "#SBATCH --mem=" << o.mem << "\n";
  return s.str();
}

}  // namespace

std::string slurm_shard_dir(const std::string& run_dir, int k) {
  return (fs::path(run_dir) / "shards" / ("shard-" + std::to_string(k))).string();
}

std::string slurm_array_script(const SlurmOptions& o, const std::string& wambench_exe, const std::string& run_dir) {
  check(o);
  const std::string n = std::to_string(o.shards);
  std::ostringstream s;
  s << "#!/bin/bash\n"
    << "# One array task per shard of a wambench sweep: task K evaluates shard K/" << n << " of RUN/config.json\n"
    << "# into RUN/shards/shard-K (`wambench eval --shard K/" << n << "`). Written by `wambench slurm submit`;\n"
    << "# adapt it freely and submit it with `sbatch` yourself (then submit merge.sbatch with\n"
    << "# --dependency=afterok:<this job's id>).\n"
    << "#\n"
    << "# Requeue and preemption never lose or duplicate an episode: every finished episode is on disk\n"
    << "# (episodes.jsonl, synced per episode) before the next starts, and a task that finds its shard\n"
    << "# directory resumes it (`wambench eval --resume`), running only the episodes not stored yet.\n"
    << "# SIGTERM (scancel, scontrol requeue, preemption, the time limit) is passed on to wambench; the\n"
    << "# episodes in flight are simply rerun on the next start. Results do not depend on workers.\n"
    << header(o, "wambench-shards", o.cpus_per_task)
    << "#SBATCH --array=1-" << n << "\n";
  if (!o.time.empty()) s << "#SBATCH --time=" << o.time << "\n";
  if (o.gpus_per_task > 0) s << "#SBATCH --gpus-per-task=" << o.gpus_per_task << "\n";
  s << "#SBATCH --requeue\n"
    << "#SBATCH --open-mode=append\n";
  if (!o.time.empty())
    s << "# SIGUSR1 to this script " << o.requeue_warning_s
      << " s before the time limit: it stops wambench and requeues the task.\n"
      << "#SBATCH --signal=B:USR1@" << o.requeue_warning_s << "\n";
  s << "#SBATCH --output=" << (fs::path(run_dir) / "slurm" / "logs" / "shard-%a.out").string() << "\n"
    << "\n"
    << "set -u\n"
    << "WAMBENCH=" << quote(wambench_exe) << "\n"
    << "RUN=" << quote(run_dir) << "\n"
    << "SHARDS=" << n << "\n"
    << "K=\"${SLURM_ARRAY_TASK_ID:?run this script with sbatch (it is a job array)}\"\n"
    << "SHARD_DIR=\"$RUN/shards/shard-$K\"\n"
    << "WORKERS=\"${SLURM_CPUS_PER_TASK:-" << o.cpus_per_task << "}\"\n"
    << "echo \"$(date -u +%FT%TZ) shard $K/$SHARDS on $(hostname), restart ${SLURM_RESTART_COUNT:-0}\"\n"
    << "\n"
    << "child=\"\"\n"
    << "stop_child() {\n"
    << "  if [ -n \"$child\" ]; then kill -TERM \"$child\" 2>/dev/null; wait \"$child\"; fi\n"
    << "}\n"
    << "# Cancelled, requeued or preempted: stop wambench (what it stored is kept) and end.\n"
    << "on_term() { echo \"$(date -u +%FT%TZ) SIGTERM: stopping shard $K\"; stop_child; exit 143; }\n"
    << "# Close to the time limit: stop wambench and put this task back in the queue.\n"
    << "on_usr1() {\n"
    << "  echo \"$(date -u +%FT%TZ) time limit close: requeueing shard $K\"\n"
    << "  stop_child\n"
    << "  scontrol requeue \"${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}\"\n"
    << "  exit 0\n"
    << "}\n"
    << "trap on_term TERM\n"
    << "trap on_usr1 USR1\n"
    << "\n"
    << "if [ -s \"$SHARD_DIR/manifest.json\" ]; then\n"
    << "  \"$WAMBENCH\" eval --resume \"$SHARD_DIR\" --workers \"$WORKERS\" &\n"
    << "else\n"
    << "  \"$WAMBENCH\" eval --config \"$RUN/config.json\" --shard \"$K/$SHARDS\" --workers \"$WORKERS\" --out \"$SHARD_DIR\" &\n"
    << "fi\n"
    << "child=$!\n"
    << "wait \"$child\"\n"
    << "rc=$?\n"
    << "echo \"$(date -u +%FT%TZ) shard $K/$SHARDS: wambench exited $rc\"\n"
    << "exit $rc\n";
  return s.str();
}

std::string slurm_merge_script(const SlurmOptions& o, const std::string& wambench_exe, const std::string& run_dir) {
  check(o);
  std::ostringstream s;
  s << "#!/bin/bash\n"
    << "# Merges the " << o.shards << " shards of a wambench sweep into RUN/merged once every array task has\n"
    << "# succeeded (submitted with --dependency=afterok:<array job id>). `wambench merge` refuses shards\n"
    << "# of different sweeps, duplicated episodes and, listing them, missing episodes.\n"
    << header(o, "wambench-merge", 1)
    << "#SBATCH --output=" << (fs::path(run_dir) / "slurm" / "logs" / "merge.out").string() << "\n"
    << "#SBATCH --open-mode=append\n"
    << "\n"
    << "set -eu\n"
    << "WAMBENCH=" << quote(wambench_exe) << "\n"
    << "RUN=" << quote(run_dir) << "\n"
    << "SHARDS=" << o.shards << "\n"
    << "if [ -s \"$RUN/merged/manifest.json\" ]; then echo \"already merged: $RUN/merged\"; exit 0; fi\n"
    << "rm -rf \"$RUN/merged\"  # an interrupted earlier merge (its manifest is written last)\n"
    << "dirs=()\n"
    << "for k in $(seq 1 \"$SHARDS\"); do dirs+=(\"$RUN/shards/shard-$k\"); done\n"
    << "\"$WAMBENCH\" merge \"$RUN/merged\" \"${dirs[@]}\"\n"
    << "echo \"$(date -u +%FT%TZ) merged: $RUN/merged/report.md\"\n";
  return s.str();
}

std::vector<ShardProgress> slurm_progress(const std::string& run_dir) {
  const fs::path sub = fs::path(run_dir) / "slurm" / "submission.json";
  std::ifstream f(sub);
  if (!f)
    throw std::runtime_error("'" + run_dir + "' is not a `wambench slurm submit` directory: no " + sub.string());
  int shards = 0;
  try {
    shards = nlohmann::json::parse(f).at("shards").get<int>();
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error(sub.string() + ": malformed: " + e.what());
  }
  const EvalConfig config = load_eval_config((fs::path(run_dir) / "config.json").string());
  std::vector<ShardProgress> out;
  for (int k = 1; k <= shards; ++k) {
    ShardProgress p;
    p.index = k;
    p.total = shard_keys(config, {k, shards}).size();
    const fs::path dir = slurm_shard_dir(run_dir, k);
    p.started = fs::exists(dir);
    const fs::path records = dir / "episodes.jsonl";
    if (fs::exists(records)) {
      std::set<EpisodeKey> keys;
      for (const EpisodeRecord& r : read_episode_records(records.string())) keys.insert(r.key);
      p.done = keys.size();
    }
    out.push_back(p);
  }
  return out;
}

}  // namespace wambench
