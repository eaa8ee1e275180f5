// Per-task episode reset and control-step cost, with rendering as the policies see it.
//
//   build/bench/bench_tasks --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
//
// BM_TaskReset/<task>: a new episode (variation sampled and applied to the compiled scene, ready to
// step); target <= 20 ms median. BM_TaskStepObserve/<task>: one control step (a scripted-expert
// action) plus both 128 x 128 cameras; target <= 8 ms median with software GL.
#include <memory>

#include <benchmark/benchmark.h>

#include "tasks/registry.h"
#include "tasks/task_env.h"

namespace wambench {
namespace {

void BM_TaskReset(benchmark::State& state, const std::string& task) {
  EnvConfig config;  // rendering on: a reset must not rebuild GL resources
  TaskEnv env(task, config);
  int64_t i = 0;
  const auto& splits = all_splits();
  for (auto _ : state) {
    env.reset(splits[i % splits.size()], i, 0);
    ++i;
  }
}

void BM_TaskStepObserve(benchmark::State& state, const std::string& task) {
  TaskEnv env(task, EnvConfig{});
  int64_t episode = 0;
  Variation v = env.reset(Split::kTrain, episode, 0);
  auto expert = env.task().make_expert(v, 0.0, 1);
  for (auto _ : state) {
    PhaseLabel phase;
    env.step(expert->act(env.env(), &phase));
    benchmark::DoNotOptimize(env.observe());
    if (env.done()) {
      state.PauseTiming();
      v = env.reset(Split::kTrain, ++episode, 0);
      expert = env.task().make_expert(v, 0.0, 1);
      state.ResumeTiming();
    }
  }
}

const bool kRegistered = [] {
  for (const std::string& task : task_names()) {
    benchmark::RegisterBenchmark(("BM_TaskReset/" + task).c_str(), BM_TaskReset, task)->Unit(benchmark::kMillisecond);
    // At least 3 s per run, so the mean covers several whole expert episodes (every phase of the
    // task), not just the first steps of episode 0.
    benchmark::RegisterBenchmark(("BM_TaskStepObserve/" + task).c_str(), BM_TaskStepObserve, task)
        ->Unit(benchmark::kMillisecond)
        ->MinTime(3.0);
  }
  return true;
}();

}  // namespace
}  // namespace wambench

BENCHMARK_MAIN();
