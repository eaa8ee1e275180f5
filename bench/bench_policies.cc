// Inference cost of the learned policies: one act() (128 px front, wrist pooled to the network's
// 64 px, proprio, instruction -> an 8 x 7 action chunk) on one core, the way each evaluation worker
// runs it. Goals: vla <= 20 ms per act (>= 50 Hz control from the policy alone); harmowam <= 2 x vla.
// The closed-loop control rate a policy sustains alone is execute_steps / latency (4 actions per act).
//   build/bench/bench_policies [--benchmark_repetitions=5 --benchmark_report_aggregates_only=true]
// Uses policies/checkpoints/<name>.pt when it exists, otherwise a freshly initialized network of the
// same architecture (the cost does not depend on the weights); torchscript runs the example module of
// examples/torchscript/export_policy.py (needs /usr/bin/python3 with PyTorch to export it).
// harmowam_gate_schedule is left out:
// it needs the runner's phase labels and costs what harmowam does.
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <stdexcept>

#include <benchmark/benchmark.h>

#include "policies/policy.h"
#include "policies/vla_model.h"
#include "policies/wam_model.h"
#include "tasks/task_env.h"

namespace {

// The example TorchScript policy (examples/torchscript/export_policy.py: three stride-2 convolutions
// per camera at 64 px, an MLP head, 8 x 7 chunk), exported by PyTorch into a temporary file.
std::string torchscript_module() {
  const std::string out = (std::filesystem::temp_directory_path() /
                           ("wambench_bench_torchscript_" + std::to_string(::getpid()) + ".pt")).string();
  const std::string cmd = "timeout 300 /usr/bin/python3 '" + std::string(WAMBENCH_SOURCE_DIR) +
                          "/examples/torchscript/export_policy.py' --out '" + out + "' > /dev/null";
  if (std::system(cmd.c_str()) != 0) throw std::runtime_error("bench_policies: could not run " + cmd);
  return out;
}

std::string checkpoint(const std::string& name) {
  if (name == "torchscript") return torchscript_module();
  const std::string bundled = std::string(WAMBENCH_SOURCE_DIR) + "/policies/checkpoints/" + name + ".pt";
  if (std::filesystem::is_regular_file(bundled)) return bundled;
  const std::string tmp = (std::filesystem::temp_directory_path() /
                           ("wambench_bench_" + name + "_" + std::to_string(::getpid()) + ".pt")).string();
  wambench::CheckpointInfo info;
  info.policy = name;
  info.normalization.proprio_std.fill(1.0f);
  info.normalization.action_std.fill(1.0f);
  info.normalization.state_std.fill(1.0f);
  if (name == "vla") {
    wambench::save_checkpoint(tmp, wambench::VlaNet(info.config), info);
  } else if (name == "bc_state") {
    wambench::save_checkpoint(tmp, wambench::BcStateNet(info.config), info);
  } else {
    info.config.gate = wambench::wam_gate(name);
    wambench::save_checkpoint(tmp, wambench::WamNet(info.config, wambench::wam_kind(name)), info);
  }
  return tmp;
}

void BM_Act(benchmark::State& state, const std::string& name) {
  const std::string path = checkpoint(name);
  auto policy = wambench::make_policy({name, path, 0.0, {}});  // sets one LibTorch thread
  if (name == "torchscript") std::filesystem::remove(path);    // loaded: the temporary export can go
  wambench::EpisodeInfo info;
  info.instruction = "put the red mug in the bowl";
  wambench::TaskEnv env("pick_place", [] {
    wambench::EnvConfig c;
    c.render = false;
    return c;
  }());
  env.reset(wambench::Split::kTrain, 0, 0);
  info.privileged = &env;  // bc_state reads the object state of episode 0
  policy->reset(info);
  wambench::Observation obs;
  for (const char* cam : {"front", "wrist"}) {
    wambench::Image image(128, 128);
    for (size_t i = 0; i < image.rgb.size(); ++i) image.rgb[i] = static_cast<uint8_t>(i * 31);
    obs.images[cam] = image;
  }
  int execute = 1;
  for (auto _ : state) {
    const auto out = policy->act(obs);
    execute = out.execute_steps;
    benchmark::DoNotOptimize(out);
  }
  state.counters["acts_per_s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["control_hz"] =
      benchmark::Counter(static_cast<double>(state.iterations()) * execute, benchmark::Counter::kIsRate);
}

}  // namespace

BENCHMARK_CAPTURE(BM_Act, bc_state, std::string("bc_state"))->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_Act, vla, std::string("vla"))->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_Act, wam_ite, std::string("wam_ite"))->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_Act, wam_joint, std::string("wam_joint"))->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_Act, harmowam, std::string("harmowam"))->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_Act, harmowam_gate_predictive, std::string("harmowam_gate_predictive"))
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_Act, harmowam_gate_reactive, std::string("harmowam_gate_reactive"))
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_Act, torchscript, std::string("torchscript"))->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_MAIN();
