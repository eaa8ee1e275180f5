// `wambench correlate SIM_RUN REAL_RUN`: sim vs real success per policy x task, Pearson r and MMRV
// with bootstrap intervals, written as correlation.{md,json,dat,gp,png,svg} (bridge/correlate.h).
#include <filesystem>
#include <iostream>
#include <memory>
#include <stdexcept>
#include <string>

#include "bridge/correlate.h"
#include "cli/commands.h"

namespace wambench::cli {

namespace {

std::string metric_line(const CorrelateMetric& m) {
  if (!m.value) return "undefined (" + m.undefined + ")";
  std::string s = std::to_string(*m.value);
  if (m.lo && m.hi) s += " [" + std::to_string(*m.lo) + ", " + std::to_string(*m.hi) + "]";
  return s;
}

}  // namespace

CommandRunner add_correlate_command(CLI::App& app) {
  struct Options {
    std::string sim_run, real_run, out;
    CorrelateOptions correlate;
  };
  auto o = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "correlate",
      "Sim vs real success per policy x task: Pearson r and SimplerEnv's MMRV with bootstrap intervals, a plot "
      "and a report");
  cmd->add_option("sim_run", o->sim_run, "Simulated run directory (holds episodes.jsonl, from `wambench eval`)")
      ->required();
  cmd->add_option("real_run", o->real_run, "Real run directory (holds episodes.jsonl, from `wambench real`)")
      ->required();
  cmd->add_option("--out", o->out, "Output directory (default REAL_RUN/correlation)");
  cmd->add_option("--split", o->correlate.split,
                  "Only this split (default: pool, per policy x task, every split present in both runs)");
  cmd->add_option("--bootstrap", o->correlate.bootstrap, "Bootstrap resamples (0 = no intervals)")
      ->check(CLI::Range(0, 1000000))
      ->capture_default_str();
  cmd->add_option("--seed", o->correlate.seed, "Seed of the bootstrap")->capture_default_str();
  return [o]() {
    CorrelationResult result;
    try {
      result = correlate_runs(o->sim_run, o->real_run, o->correlate);
    } catch (const std::exception& e) {
      throw UsageError(e.what());
    }
    const std::string out =
        o->out.empty() ? (std::filesystem::path(o->real_run) / "correlation").string() : o->out;
    const bool plotted = write_correlation(result, out);
    std::cout << result.cells.size() << " cells in both runs, " << result.dropped.size() << " left out\n"
              << "pooled Pearson r " << metric_line(result.pooled.pearson) << "\n"
              << "pooled MMRV      " << metric_line(result.pooled.mmrv) << "\n"
              << "wrote " << (std::filesystem::path(out) / "correlation.md").string()
              << ", correlation.json, correlation.dat, correlation.gp"
              << (plotted ? ", correlation.png, correlation.svg\n" : " (no plot: gnuplot was not found or failed)\n");
    return 0;
  };
}

}  // namespace wambench::cli
