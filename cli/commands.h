// Subcommands of the `wambench` executable. Each registers its options on a CLI11 subcommand and
// runs when that subcommand was given. Errors are exceptions; main() prints them and exits 2.
#pragma once

#include <functional>
#include <string>

#include <CLI/CLI.hpp>

namespace wambench::cli {

/// A subcommand: `setup` adds it to the app and returns the function that runs it (returning the
/// process exit code).
using CommandRunner = std::function<int()>;

CommandRunner add_info_command(CLI::App& app);
CommandRunner add_render_command(CLI::App& app);
CommandRunner add_episodes_command(CLI::App& app);
CommandRunner add_experts_command(CLI::App& app);
CommandRunner add_eval_command(CLI::App& app);
CommandRunner add_report_command(CLI::App& app);
CommandRunner add_compare_command(CLI::App& app);
CommandRunner add_merge_command(CLI::App& app);
CommandRunner add_slurm_command(CLI::App& app);
CommandRunner add_view_command(CLI::App& app);
CommandRunner add_collect_command(CLI::App& app);
/// `wambench serve`: a policy over openpi's websocket protocol (cli/cmd_serve.cc).
CommandRunner add_serve_command(CLI::App& app);
/// `wambench real`: a policy on a robot through the bridge (cli/cmd_real.cc, bridge/runtime.h).
CommandRunner add_real_command(CLI::App& app);
/// `wambench correlate`: sim vs real success, Pearson r and MMRV (cli/cmd_correlate.cc).
CommandRunner add_correlate_command(CLI::App& app);
/// `wambench twin`: the networked twin of a real arm (cli/cmd_twin.cc, bridge/twin_server.h).
CommandRunner add_twin_command(CLI::App& app);
/// `command_line` is filled with the process's arguments before the runner runs (stored in checkpoints).
CommandRunner add_train_command(CLI::App& app, const std::string* command_line);

/// Checks a seed option's text before conversion: an unsigned integer 0..2^63 - 1 (the limit of
/// eval/collect.h's seed ranges); anything else (e.g. "-1") is refused with that range in words.
CLI::Validator seed_check();

/// List options (--policies, --tasks, --splits, ...) take `--tasks a b` and `--tasks a,b` (as users of
/// lerobot and Hydra type them): every such option is declared with `->delimiter(kListDelimiter)`.
inline constexpr char kListDelimiter = ',';

/// Raised for bad user input detected after parsing (exit code 2, message printed as is).
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace wambench::cli
