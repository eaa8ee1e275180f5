// Rendering cost under the process's OpenGL backend (MUJOCO_GL=egl|osmesa; software llvmpipe on a
// machine without a GPU).
//
//   build/bench/bench_render
//
// Run with --benchmark_repetitions=5 --benchmark_report_aggregates_only=true for medians.
// BM_RenderCamera/N: one `front` render + readback at N x N (target: <= 3 ms median at 128).
// BM_RenderShadowSize/S: the same at 128 x 128 with shadow map S (0 = shadows off), the measurement
// behind RenderConfig's defaults. BM_StepObserve: a full control step plus both cameras at 128.
#include <cmath>

#include <benchmark/benchmark.h>

#include "sim/env.h"

namespace wambench {
namespace {

void BM_RenderCamera(benchmark::State& state) {
  const int size = static_cast<int>(state.range(0));
  EnvConfig c;
  c.image_height = c.image_width = size;
  Env env(c);
  Renderer& r = *env.renderer();
  const int cam = r.camera_id("front");
  Image img;
  for (auto _ : state) {
    r.render(env.data(), cam, size, size, &img);
    benchmark::DoNotOptimize(img.rgb.data());
  }
  state.SetLabel(r.context().renderer());
}
BENCHMARK(BM_RenderCamera)->Arg(64)->Arg(128)->Arg(224)->Unit(benchmark::kMillisecond);

void BM_RenderShadowSize(benchmark::State& state) {
  const int shadow = static_cast<int>(state.range(0));
  const int msaa = static_cast<int>(state.range(1));
  EnvConfig c;
  c.render_config.shadows = shadow > 0;
  c.render_config.shadow_size = shadow > 0 ? shadow : 64;
  c.render_config.msaa_samples = msaa;
  Env env(c);
  Renderer& r = *env.renderer();
  const int cam = r.camera_id("front");
  Image img;
  for (auto _ : state) {
    r.render(env.data(), cam, 128, 128, &img);
    benchmark::DoNotOptimize(img.rgb.data());
  }
}
BENCHMARK(BM_RenderShadowSize)
    ->ArgsProduct({{0, 512, 1024, 2048, 4096}, {0}})
    ->Args({512, 4})
    ->ArgNames({"shadow", "msaa"})
    ->Unit(benchmark::kMillisecond);

void BM_StepObserve(benchmark::State& state) {
  Env env;  // defaults: both cameras at 128 x 128
  int t = 0;
  for (auto _ : state) {
    Action a{};
    for (int i = 0; i < 6; ++i) a[i] = 0.6 * std::sin(0.07 * t * (1.0 + 0.3 * i) + i);
    env.step(a);
    benchmark::DoNotOptimize(env.observe());
    if (++t % 200 == 0) {
      state.PauseTiming();
      env.reset();
      state.ResumeTiming();
    }
  }
}
BENCHMARK(BM_StepObserve)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace wambench

BENCHMARK_MAIN();
