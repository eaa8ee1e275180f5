// The evaluation runner's costs, measured on real sweeps of the `scripted` policy.
//
//   build/bench/bench_eval --benchmark_repetitions=3 --benchmark_report_aggregates_only=true
//
// BM_Sweep/workers:W: a fixed sweep (2 tasks x 2 splits x 8 episodes, no recordings) with W
// workers. Counters: episodes_per_s (compare W = 2 with W = 1: target >= 1.7x on 2 cores) and
// harness_fraction = sum(harness) / sum(wall) over the episodes (time spent neither in physics,
// rendering nor the policy; target <= 10 %).
// BM_WorkerMemory: one worker runs 500 episodes; counters rss_mib_at_50 / rss_mib_at_500 (resident
// memory after 50 and 500 episodes; flat = no leak).
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <benchmark/benchmark.h>

#include "eval/oracle_policy.h"
#include "eval/runner.h"
#include "eval/store.h"

namespace wambench {
namespace {

// make_policy("scripted") needs the evaluation layer's oracle (eval/oracle_policy.h).
const bool kOraclesRegistered = (register_oracle_policies(), true);

namespace fs = std::filesystem;

double rss_mib() {
  std::ifstream f("/proc/self/statm");
  long pages = 0, resident = 0;
  f >> pages >> resident;
  return resident * static_cast<double>(sysconf(_SC_PAGESIZE)) / (1024.0 * 1024.0);
}

void BM_Sweep(benchmark::State& state) {
  EvalConfig c;
  c.policies = {{"scripted", "", 0.0, {}}};
  c.tasks = {"pick_place", "press_button"};
  c.splits = {"train", "unseen_all"};
  c.episodes = 8;
  c.workers = static_cast<int>(state.range(0));
  c.record_trajectories = false;
  double episodes = 0, wall = 0, harness = 0, seconds = 0;
  int run = 0;
  for (auto _ : state) {
    const fs::path dir = fs::temp_directory_path() / ("wambench_bench_eval_" + std::to_string(::getpid()) + "_" +
                                                      std::to_string(run++));
    fs::remove_all(dir);
    ResultStore store(dir.string(), false);
    const SweepSummary s = run_sweep(c, store, "");
    episodes += static_cast<double>(s.ran);
    seconds += s.wall_s;
    for (const EpisodeRecord& r : store.records()) {
      wall += r.timing.wall_s;
      harness += r.timing.harness_s;
    }
    fs::remove_all(dir);
  }
  state.counters["episodes_per_s"] = episodes / seconds;
  state.counters["harness_fraction"] = harness / wall;
}
BENCHMARK(BM_Sweep)->ArgName("workers")->Arg(1)->Arg(2)->Unit(benchmark::kSecond)->UseRealTime()->Iterations(1);

void BM_WorkerMemory(benchmark::State& state) {
  EnvConfig ec;  // rendering on, as for a learned policy
  TaskEnv env("pick_place", ec);
  auto policy = make_policy({"scripted", "", 0.0, {}});
  double at50 = 0, at500 = 0;
  for (auto _ : state) {
    for (int64_t i = 0; i < 500; ++i) {
      Trajectory trajectory;
      run_episode(*policy, env, {"scripted", "pick_place", i % 2 ? "train" : "unseen_all", i}, 0, &trajectory, false);
      if (i == 49) at50 = rss_mib();
    }
    at500 = rss_mib();
  }
  state.counters["rss_mib_at_50"] = at50;
  state.counters["rss_mib_at_500"] = at500;
}
BENCHMARK(BM_WorkerMemory)->Unit(benchmark::kSecond)->UseRealTime()->Iterations(1);

}  // namespace
}  // namespace wambench

BENCHMARK_MAIN();
