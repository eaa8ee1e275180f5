// `wambench merge OUT SHARD_DIR...`: joins the shard run directories of one sweep (eval/merge.h).
#include <chrono>
#include <iomanip>
#include <iostream>

#include "cli/commands.h"
#include "eval/merge.h"

namespace wambench::cli {

CommandRunner add_merge_command(CLI::App& app) {
  struct Options {
    std::string out;
    std::vector<std::string> shards;
    MergeOptions merge;
    bool no_recordings = false, no_report = false;
  };
  auto o = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "merge",
      "Merge the shard run directories of one sweep (`wambench eval --shard K/N`) into one run directory. "
      "Refuses (exit 2) shards of different sweeps (config hash, code version, checkpoint hashes), duplicated "
      "episodes and episodes outside the sweep; lists missing episodes and exits 1 unless --allow-partial");
  cmd->add_option("out", o->out, "Output run directory (must not exist or be empty)")->required();
  cmd->add_option("shard_dirs", o->shards, "Shard run directories")->required();
  cmd->add_flag("--allow-partial", o->merge.allow_partial,
                "Write the merged run even when episodes are missing (listed; its manifest says partial)");
  cmd->add_flag("--no-recordings", o->no_recordings, "Do not link the shards' recordings into OUT/recordings");
  cmd->add_flag("--no-report", o->no_report, "Do not write summary.json / report.md (run `wambench report OUT` later)");
  return [o]() {
    o->merge.recordings = !o->no_recordings;
    o->merge.report = !o->no_report;
    const auto t0 = std::chrono::steady_clock::now();
    MergeResult r;
    try {
      r = merge_runs(o->out, o->shards, o->merge);
    } catch (const MergeError& e) {
      throw UsageError(std::string("merge: ") + e.what());
    }
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (!r.missing.empty()) {
      std::cerr << "merge: " << r.missing.size() << " of " << r.expected << " episodes are missing:\n"
                << describe_missing(r.missing);
      if (!r.written) {
        std::cerr << "merge: nothing written; run the missing shards (or `wambench eval --resume` them), or merge "
                     "what there is with --allow-partial\n";
        return 1;
      }
    }
    std::cout << "merged " << r.merged << " of " << r.expected << " episodes from " << o->shards.size()
              << " run directories (" << r.recordings << " recordings) into " << o->out << " in " << std::fixed
              << std::setprecision(2) << s << " s" << (r.missing.empty() ? "" : " (partial)") << "\n";
    return 0;
  };
}

}  // namespace wambench::cli
