// `wambench slurm submit|status`: a sweep as a Slurm job array plus a merge job (eval/slurm.h).
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "eval/config.h"
#include "eval/run.h"
#include "eval/runner.h"
#include "eval/shard.h"
#include "eval/slurm.h"

namespace wambench::cli {
namespace {

namespace fs = std::filesystem;

// Runs argv (no shell) and returns its exit code; stdout goes to *out, stderr passes through
// (or is discarded with `quiet`). Returns 127 when the program cannot be started.
int run_capture(const std::vector<std::string>& argv, std::string* out, bool quiet = false) {
  int pipefd[2];
  if (::pipe(pipefd) != 0) throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    ::dup2(pipefd[1], 1);
    if (quiet) {
      const int null = ::open("/dev/null", O_WRONLY);
      if (null >= 0) ::dup2(null, 2);
    }
    ::close(pipefd[0]);
    ::close(pipefd[1]);
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    _exit(127);
  }
  ::close(pipefd[1]);
  char buf[4096];
  ssize_t n;
  while ((n = ::read(pipefd[0], buf, sizeof(buf))) != 0) {
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    out->append(buf, static_cast<size_t>(n));
  }
  ::close(pipefd[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\r')) s.pop_back();
  return s;
}

// sbatch --parsable prints "JOBID" or "JOBID;CLUSTER".
std::string sbatch(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"sbatch", "--parsable"};
  argv.insert(argv.end(), args.begin(), args.end());
  std::string out;
  const int rc = run_capture(argv, &out);
  if (rc == 127)
    throw UsageError("cannot run sbatch: is Slurm installed and on PATH? (use --dry-run to only write the scripts)");
  if (rc != 0) throw UsageError("sbatch failed (exit " + std::to_string(rc) + "); see its message above");
  out = trim(out);
  const size_t semi = out.find(';');
  if (semi != std::string::npos) out = out.substr(0, semi);
  if (out.empty() || out.find_first_not_of("0123456789") != std::string::npos)
    throw UsageError("sbatch printed '" + out + "', not a job id");
  return out;
}

void write_file(const fs::path& path, const std::string& text, bool executable) {
  std::ofstream f(path);
  f << text;
  if (!f) throw std::runtime_error("cannot write '" + path.string() + "'");
  f.close();
  if (executable) fs::permissions(path, fs::perms::owner_exec | fs::perms::group_exec | fs::perms::others_exec,
                                  fs::perm_options::add);
}

struct SubmitOptions {
  std::string config, out;
  SlurmOptions slurm;
  bool dry_run = false;
};

int run_submit(const SubmitOptions& o) {
  EvalConfig config;
  try {
    config = load_eval_config(o.config);
  } catch (const ConfigError& e) {
    throw UsageError(e.what());
  }
  std::string out = o.out;
  if (out.empty()) {
    try {
      out = default_run_dir("slurm");
    } catch (const RunError& e) {
      throw UsageError(e.what());
    }
  }
  const std::string run_dir = fs::absolute(fs::path(out)).lexically_normal().string();
  if (fs::exists(run_dir) && !fs::is_empty(run_dir))
    throw UsageError("'" + run_dir + "' already exists and is not empty; choose another --out (a submitted sweep "
                     "is resumed by requeueing its tasks, `scontrol requeue JOBID_K`)");
  const std::string exe = fs::canonical("/proc/self/exe").string();
  std::string array_script, merge_script;
  try {
    array_script = slurm_array_script(o.slurm, exe, run_dir);
    merge_script = slurm_merge_script(o.slurm, exe, run_dir);
  } catch (const ConfigError& e) {
    throw UsageError(e.what());
  }
  const size_t total = sweep_keys(config).size();
  if (static_cast<size_t>(o.slurm.shards) > total)
    throw UsageError("--shards " + std::to_string(o.slurm.shards) + " is more than the sweep's " +
                     std::to_string(total) + " episodes; use at most " + std::to_string(total));

  fs::create_directories(fs::path(run_dir) / "slurm" / "logs");
  fs::create_directories(fs::path(run_dir) / "shards");
  const nlohmann::json config_json = to_json(config);
  write_file(fs::path(run_dir) / "config.json", config_json.dump(2) + "\n", false);
  write_file(fs::path(run_dir) / "slurm" / "shards.sbatch", array_script, true);
  write_file(fs::path(run_dir) / "slurm" / "merge.sbatch", merge_script, true);
  nlohmann::json submission = {{"shards", o.slurm.shards},
                               {"config_source", fs::absolute(o.config).string()},
                               {"config_hash", config_hash(config_json)},
                               {"episodes", total},
                               {"expected_cost_s", shard_costs(config, o.slurm.shards)},
                               {"wambench", exe},
                               {"partition", o.slurm.partition},
                               {"time", o.slurm.time},
                               {"cpus_per_task", o.slurm.cpus_per_task},
                               {"mem", o.slurm.mem},
                               {"gpus_per_task", o.slurm.gpus_per_task},
                               {"array_job_id", nullptr},
                               {"merge_job_id", nullptr},
                               {"submitted", utc_timestamp(true)}};
  const fs::path sub_path = fs::path(run_dir) / "slurm" / "submission.json";
  write_file(sub_path, submission.dump(2) + "\n", false);
  std::cout << "sweep: " << total << " episodes in " << o.slurm.shards << " shards -> " << run_dir << "\n"
            << "scripts: " << (fs::path(run_dir) / "slurm" / "shards.sbatch").string() << ", "
            << (fs::path(run_dir) / "slurm" / "merge.sbatch").string() << "\n";
  if (o.dry_run) {
    std::cout << "dry run: nothing submitted; submit with\n"
              << "  ARRAY=$(sbatch --parsable " << (fs::path(run_dir) / "slurm" / "shards.sbatch").string() << ")\n"
              << "  sbatch --dependency=afterok:$ARRAY " << (fs::path(run_dir) / "slurm" / "merge.sbatch").string()
              << "\n";
    return 0;
  }
  const std::string array_id = sbatch({(fs::path(run_dir) / "slurm" / "shards.sbatch").string()});
  submission["array_job_id"] = array_id;
  write_file(sub_path, submission.dump(2) + "\n", false);
  const std::string merge_id =
      sbatch({"--dependency=afterok:" + array_id, (fs::path(run_dir) / "slurm" / "merge.sbatch").string()});
  submission["merge_job_id"] = merge_id;
  write_file(sub_path, submission.dump(2) + "\n", false);
  std::cout << "array job: " << array_id << " (tasks " << array_id << "_1.." << array_id << "_" << o.slurm.shards
            << ")\nmerge job: " << merge_id << " (after the array succeeds)\n"
            << "results: " << (fs::path(run_dir) / "merged").string() << " (report.md, summary.json)\n"
            << "progress: wambench slurm status " << run_dir << "\n";
  return 0;
}

int run_status(const std::string& dir) {
  std::vector<ShardProgress> shards;
  try {
    shards = slurm_progress(dir);
  } catch (const std::runtime_error& e) {
    throw UsageError(e.what());
  }
  size_t done = 0, total = 0;
  std::cout << "shard  episodes done / total\n";
  for (const ShardProgress& p : shards) {
    std::cout << std::setw(5) << p.index << "  " << std::setw(8) << p.done << " / " << p.total
              << (p.done == p.total ? "  done" : p.started ? "" : "  not started") << "\n";
    done += p.done;
    total += p.total;
  }
  std::cout << "  all  " << std::setw(8) << done << " / " << total << "  (" << std::fixed << std::setprecision(1)
            << 100.0 * done / std::max<size_t>(1, total) << " %)\n";
  const fs::path merged = fs::path(dir) / "merged" / "manifest.json";
  std::cout << "merged: " << (fs::exists(merged) ? (fs::path(dir) / "merged").string() : std::string("not yet"))
            << "\n";
  // Job states, where Slurm still knows the jobs (squeue lists pending and running ones).
  std::ifstream f(fs::path(dir) / "slurm" / "submission.json");
  nlohmann::json sub = nlohmann::json::parse(f, nullptr, false);
  if (sub.is_object() && sub.value("array_job_id", nlohmann::json()).is_string()) {
    std::string out;
    const std::string jobs = sub["array_job_id"].get<std::string>() + "," + sub.value("merge_job_id", std::string(""));
    if (run_capture({"squeue", "-h", "-r", "-j", jobs, "-o", "%i %T %R"}, &out, true) == 0)
      std::cout << "queue (squeue):\n" << (trim(out).empty() ? std::string("  none pending or running") : out) << "\n";
  }
  return 0;
}

}  // namespace

CommandRunner add_slurm_command(CLI::App& app) {
  CLI::App* cmd = app.add_subcommand("slurm", "Run a sweep on a Slurm cluster: a job array of shards and a merge job");
  cmd->require_subcommand(1);
  auto s = std::make_shared<SubmitOptions>();
  CLI::App* submit = cmd->add_subcommand(
      "submit", "Write (and, unless --dry-run, sbatch) a job array with one task per shard and a merge job that "
                "depends on it; prints the job ids and where the results will be");
  submit->add_option("config", s->config, "Sweep config (JSON), as for `wambench eval --config`")->required();
  submit->add_option("--shards", s->slurm.shards, "Array tasks (shards), 1..100000")->required()->check(CLI::Range(1, 100000));
  submit->add_option("--partition", s->slurm.partition, "Slurm partition (default: the cluster's)");
  submit->add_option("--time", s->slurm.time, "Time limit per task, Slurm format (e.g. 2:00:00); with it a task "
                                              "requeues itself 120 s before the limit");
  submit->add_option("--cpus-per-task", s->slurm.cpus_per_task, "CPUs per task, also its eval workers")
      ->check(CLI::Range(1, 4096))
      ->capture_default_str();
  submit->add_option("--mem", s->slurm.mem, "Memory per task, Slurm format (e.g. 4G)");
  submit->add_option("--gpus-per-task", s->slurm.gpus_per_task, "GPUs per task (0 = none)")->check(CLI::Range(0, 64));
  submit->add_option("--out", s->out, "Submission directory, on a file system every node sees (default $WAMBENCH_RUNS_DIR/slurm-<UTC time>, else "
                  "${XDG_DATA_HOME:-~/.local/share}/wambench/runs/slurm-<UTC time>)");
  submit->add_flag("--dry-run", s->dry_run, "Only write the scripts; print how to submit them");
  auto dir = std::make_shared<std::string>();
  CLI::App* status = cmd->add_subcommand("status", "Episodes done / total per shard of a submission directory");
  status->add_option("dir", *dir, "Submission directory (`slurm submit --out`)")->required();
  return [s, dir, submit, status]() {
    if (submit->parsed()) return run_submit(*s);
    if (status->parsed()) return run_status(*dir);
    throw UsageError("slurm: give a subcommand: submit or status");
  };
}

}  // namespace wambench::cli
