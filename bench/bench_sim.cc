// Physics and control cost of the default scene.
//
//   build/bench/bench_sim
//
// BM_RawMjStep50 and BM_EnvStep both advance one control period (50 physics steps of 2 ms); their
// ratio is the controller's overhead (IK solve, interpolation, feed-forward forces). Target:
// EnvStep <= 1.2 x RawMjStep50.
#include <cmath>

#include <benchmark/benchmark.h>

#include "sim/env.h"

namespace wambench {
namespace {

EnvConfig physics_only() {
  EnvConfig c;
  c.render = false;
  return c;
}

// A moving action sequence so the IK does real work every step.
Action moving_action(int t) {
  Action a{};
  for (int i = 0; i < 6; ++i) a[i] = 0.6 * std::sin(0.07 * t * (1.0 + 0.3 * i) + i);
  a[6] = (t / 30) % 2 ? 1.0 : -1.0;
  return a;
}

void BM_RawMjStep50(benchmark::State& state) {
  Env env(physics_only());
  mjModel* m = env.mutable_model();
  mjData* d = env.mutable_data();
  const int n = env.physics_steps_per_control();
  for (auto _ : state) {
    for (int k = 0; k < n; ++k) mj_step(m, d);
    benchmark::DoNotOptimize(d->qpos[0]);
  }
  state.counters["physics_steps/s"] =
      benchmark::Counter(static_cast<double>(n), benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_RawMjStep50)->Unit(benchmark::kMicrosecond);

void BM_EnvStep(benchmark::State& state) {
  Env env(physics_only());
  int t = 0;
  for (auto _ : state) {
    env.step(moving_action(t++));
    if (t % 200 == 0) {
      state.PauseTiming();
      env.reset();
      state.ResumeTiming();
    }
  }
  state.counters["control_steps/s"] = benchmark::Counter(1.0, benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_EnvStep)->Unit(benchmark::kMicrosecond);

void BM_EnvReset(benchmark::State& state) {
  Env env(physics_only());
  for (auto _ : state) env.reset();
}
BENCHMARK(BM_EnvReset)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace wambench

BENCHMARK_MAIN();
