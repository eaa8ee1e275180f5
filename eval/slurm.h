// `wambench slurm`: a sweep as a Slurm job array, one array task per shard (eval/shard.h), and a
// merge job (eval/merge.h) that depends on the array. wambench talks to Slurm only through its
// standard commands (sbatch, squeue); the generated scripts are plain, commented bash that users
// may adapt and submit themselves.
//
// Layout of a submission directory RUN:
//   RUN/config.json            the resolved sweep config every task evaluates
//   RUN/slurm/shards.sbatch    the job array (task K runs shard K/N)
//   RUN/slurm/merge.sbatch     the merge job (afterok on the array)
//   RUN/slurm/submission.json  shard count, config hash, options, job ids (null with --dry-run)
//   RUN/slurm/logs/            shard-K.out, merge.out (appended across requeues)
//   RUN/shards/shard-K/        shard K's run directory (`wambench eval --shard K/N --out ...`)
//   RUN/merged/                the merged run (report.md, summary.json, episodes.jsonl, ...)
#pragma once

#include <string>
#include <vector>

#include "eval/config.h"

namespace wambench {

/// What `wambench slurm submit` asks of Slurm. Empty strings / zeros leave the cluster's default.
struct SlurmOptions {
  int shards = 1;             ///< array tasks, 1..100000
  std::string partition;      ///< --partition
  std::string time;           ///< --time per array task, Slurm's format (e.g. "2:00:00", "30")
  int cpus_per_task = 1;      ///< --cpus-per-task; also the eval workers of each task (>= 1)
  std::string mem;            ///< --mem per task (e.g. "4G")
  int gpus_per_task = 0;      ///< --gpus-per-task (0 = none requested)
  int requeue_warning_s = 120;  ///< with a time limit: seconds before it at which a task requeues itself
};

/// RUN/shards/shard-K: the run directory of shard K (1-based).
std::string slurm_shard_dir(const std::string& run_dir, int k);

/// The job-array script: one task per shard, each running `wambench eval --shard K/N` into its
/// shard directory, or `wambench eval --resume` on it when it exists (a requeued or restarted task
/// continues: finished episodes are kept, none is run twice). It is requeueable (--requeue),
/// forwards SIGTERM (scancel, preemption, the time limit) to wambench and waits for it, and, with
/// a time limit, asks for SIGUSR1 `requeue_warning_s` before it and then requeues itself.
/// `wambench_exe` and `run_dir` must be absolute paths.
/// @throws ConfigError for out-of-range options (naming the flag).
std::string slurm_array_script(const SlurmOptions& options, const std::string& wambench_exe,
                               const std::string& run_dir);

/// The merge job's script: `wambench merge RUN/merged RUN/shards/shard-1 ... shard-N` (submitted
/// with --dependency=afterok:ARRAY_JOB_ID). Re-running it after a successful merge does nothing.
std::string slurm_merge_script(const SlurmOptions& options, const std::string& wambench_exe,
                               const std::string& run_dir);

/// Progress of one shard, from its files only.
struct ShardProgress {
  int index = 0;         ///< K (1-based)
  size_t done = 0;       ///< distinct episodes stored in its episodes.jsonl
  size_t total = 0;      ///< episodes of the shard (shard_keys)
  bool started = false;  ///< its run directory exists
};

/// Progress of every shard of a submission directory (RUN/config.json and RUN/slurm/submission.json).
/// @throws std::runtime_error naming the file if RUN is not a submission directory or a file is
/// malformed.
std::vector<ShardProgress> slurm_progress(const std::string& run_dir);

}  // namespace wambench
