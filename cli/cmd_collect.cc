// `wambench collect`: scripted-expert demonstrations on the train split as one HDF5 file
// (eval/collect.h has the layout).
#include <cstdio>
#include <iostream>
#include <memory>

#include <unistd.h>

#include "cli/commands.h"
#include "eval/collect.h"
#include "eval/config.h"

namespace wambench::cli {

CommandRunner add_collect_command(CLI::App& app) {
  struct Options {
    std::vector<std::string> tasks{"all"};
    CollectConfig config;
  };
  auto o = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "collect",
      "Collect scripted-expert demonstrations (successful episodes only) on the train split into one HDF5 file "
      "in the robomimic layout (data/demo_<i>/{actions, obs/<key>, dones, rewards}), readable with h5py");
  cmd->add_option("--tasks", o->tasks, "Tasks: all, or names")->capture_default_str()
      ->delimiter(kListDelimiter);
  cmd->add_option("--split", o->config.split, "Split (train only: held-out splits stay unseen)")->capture_default_str();
  cmd->add_option("--episodes", o->config.episodes, "Successful demonstrations per task")->capture_default_str();
  cmd->add_option("--out", o->config.out, "Output file (.hdf5); never overwritten")->required();
  cmd->add_option("--noise", o->config.noise_std, "Expert action noise std (normalized units, 0..1)")
      ->capture_default_str();
  cmd->add_option("--workers", o->config.workers, "Worker threads (the file's content does not depend on it)")
      ->capture_default_str();
  cmd->add_option("--seed", o->config.seed, "Seed; the demonstrations' base seed is 2^63 + seed")
      ->check(seed_check())
      ->capture_default_str();
  cmd->add_option("--image-size", o->config.image_size, "Camera images, pixels (square)")->capture_default_str();
  return [o] {
    const bool all = o->tasks.size() == 1 && o->tasks[0] == "all";
    o->config.tasks = resolve_tasks(all ? nlohmann::json("all") : nlohmann::json(o->tasks), "--tasks");
    const bool tty = isatty(STDOUT_FILENO);
    const CollectSummary s = collect_demonstrations(o->config, [tty](const std::string& task, int kept, int wanted) {
      if (tty) {
        std::printf("\rcollect: %s %d/%d   ", task.c_str(), kept, wanted);
        std::fflush(stdout);
      } else if (kept == wanted) {
        std::printf("collect: %s %d/%d\n", task.c_str(), kept, wanted);
      }
    });
    if (tty) std::printf("\n");
    for (const CollectSummary::Task& t : s.tasks)
      std::printf("collect: %-13s kept %d of %d attempts, %lld samples\n", t.name.c_str(), t.kept, t.attempts,
                  static_cast<long long>(t.samples));
    std::printf("collect: wrote %s: %lld samples, %.1f MiB, in %.1f s\n", o->config.out.c_str(),
                static_cast<long long>(s.samples), s.file_bytes / 1048576.0, s.wall_s);
    return 0;
  };
}

}  // namespace wambench::cli
