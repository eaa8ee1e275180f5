// Inference cost of the learned policies: one act() (128 px front + wrist pooled to the network's
// 64 px, proprio, instruction -> an 8 x 7 action chunk) on one core, the way each evaluation worker
// runs it. Goal: <= 20 ms per act (>= 50 Hz control from the policy alone).
//   build/bench/bench_policies [--benchmark_repetitions=5 --benchmark_report_aggregates_only=true]
// Uses policies/checkpoints/vla.pt when it exists, otherwise a freshly initialized network of the
// same architecture (the cost does not depend on the weights).
#include <unistd.h>

#include <filesystem>

#include <benchmark/benchmark.h>

#include "policies/policy.h"
#include "policies/vla_model.h"

namespace {

std::string checkpoint() {
  const std::string bundled = std::string(WAMBENCH_SOURCE_DIR) + "/policies/checkpoints/vla.pt";
  if (std::filesystem::is_regular_file(bundled)) return bundled;
  const std::string tmp = (std::filesystem::temp_directory_path() /
                           ("wambench_bench_vla_" + std::to_string(::getpid()) + ".pt")).string();
  wambench::CheckpointInfo info;
  info.normalization.proprio_std.fill(1.0f);
  info.normalization.action_std.fill(1.0f);
  wambench::VlaNet net(info.config);
  wambench::save_checkpoint(tmp, net, info);
  return tmp;
}

void BM_VlaAct(benchmark::State& state) {
  auto policy = wambench::make_policy({"vla", checkpoint(), 0.0});  // sets one LibTorch thread
  wambench::EpisodeInfo info;
  info.instruction = "put the red mug in the bowl";
  policy->reset(info);
  wambench::Observation obs;
  for (const char* cam : {"front", "wrist"}) {
    wambench::Image image(128, 128);
    for (size_t i = 0; i < image.rgb.size(); ++i) image.rgb[i] = static_cast<uint8_t>(i * 31);
    obs.images[cam] = image;
  }
  for (auto _ : state) benchmark::DoNotOptimize(policy->act(obs));
  state.counters["acts_per_s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

}  // namespace

BENCHMARK(BM_VlaAct)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_MAIN();
