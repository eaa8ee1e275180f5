// Training throughput: optimizer steps per second of `wambench train` for each learned policy
// family, one LibTorch thread (how scripts/train_all.sh runs two trainings side by side on two
// cores). Counter "steps/s" is the training loop alone (TrainResult::steps_per_s: batches, forward,
// backward, AdamW, EMA), without loading the data or the final diagnostics. The *_frozen_encoders
// cases train the encoders for one step, then the rest on cached features (TrainConfig::
// encoder_steps; the caching of the small file's features is inside the timed loop).
//   build/bench/bench_train [--benchmark_filter=bc_state]
// Data: a small demonstration file collected once at start-up (2 per task, 128 px, in the temp
// directory), so the benchmark needs nothing from data/.
#include <unistd.h>

#include <filesystem>

#include <benchmark/benchmark.h>

#include "eval/collect.h"
#include "policies/train.h"
#include "tasks/registry.h"

namespace {

bool collected = false;

const std::string& demo_file() {
  static const std::string path = [] {
    collected = true;
    const std::string p = (std::filesystem::temp_directory_path() /
                           ("wambench_bench_train_" + std::to_string(::getpid()) + ".hdf5")).string();
    wambench::CollectConfig c;
    c.tasks = wambench::task_names();
    c.episodes = 2;
    c.workers = 2;
    c.out = p;
    wambench::collect_demonstrations(c);
    return p;
  }();
  return path;
}

void BM_TrainSteps(benchmark::State& state, const std::string& policy) {
  const std::string out = (std::filesystem::temp_directory_path() /
                           ("wambench_bench_train_" + policy + "_" + std::to_string(::getpid()) + ".pt")).string();
  wambench::TrainConfig c;
  c.policy = policy;
  c.data = demo_file();
  c.out = out;
  c.steps = static_cast<int>(state.range(0));
  c.batch = 64;
  c.threads = 1;
  c.val_fraction = 0.0;
  c.eval_every = c.steps;
  c.encoder_steps = static_cast<int>(state.range(1));
  double steps_per_s = 0;
  for (auto _ : state) steps_per_s = wambench::train_policy(c, {}).steps_per_s;
  state.counters["steps/s"] = steps_per_s;
  std::filesystem::remove(out);
}

}  // namespace

// Args: {steps, encoder_steps}.
BENCHMARK_CAPTURE(BM_TrainSteps, bc_state, std::string("bc_state"))->Args({300, 0})->Unit(benchmark::kSecond)->UseRealTime()->Iterations(1);
BENCHMARK_CAPTURE(BM_TrainSteps, vla, std::string("vla"))->Args({20, 0})->Unit(benchmark::kSecond)->UseRealTime()->Iterations(1);
BENCHMARK_CAPTURE(BM_TrainSteps, vla_frozen_encoders, std::string("vla"))->Args({300, 1})->Unit(benchmark::kSecond)->UseRealTime()->Iterations(1);
BENCHMARK_CAPTURE(BM_TrainSteps, wam_ite_frozen_encoders, std::string("wam_ite"))->Args({100, 1})->Unit(benchmark::kSecond)->UseRealTime()->Iterations(1);
BENCHMARK_CAPTURE(BM_TrainSteps, harmowam, std::string("harmowam"))->Args({10, 0})->Unit(benchmark::kSecond)->UseRealTime()->Iterations(1);
BENCHMARK_CAPTURE(BM_TrainSteps, harmowam_frozen_encoders, std::string("harmowam"))->Args({100, 1})->Unit(benchmark::kSecond)->UseRealTime()->Iterations(1);

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  if (collected) std::filesystem::remove(demo_file());
  return 0;
}
