// The Python package's step overhead: `env.step(action)` of wambench.make_env (Python, no rendering)
// against TaskEnv::step + observe in C++, on the same task, episodes and actions, in one run.
//
//   build/bench/bench_python --benchmark_repetitions=5 --benchmark_enable_random_interleaving=true
//       --benchmark_report_aggregates_only=true   (one line)
//
// Both replay the scripted expert's actions of the first 4 train episodes of pick_place (recorded
// once in C++ before timing); the episode resets are excluded from the timing. Time per control
// step = 1 / items_per_second. Goal: the Python step costs at most 10 % more than the C++ one.
// The interpreter is embedded (pybind11::embed) and imports the package from build/python.
#include <vector>

#include <benchmark/benchmark.h>
#include <pybind11/embed.h>
#include <pybind11/numpy.h>

#include "tasks/registry.h"
#include "tasks/task_env.h"

namespace py = pybind11;

namespace wambench {
namespace {

constexpr const char* kTask = "pick_place";
constexpr int kEpisodes = 4;

EnvConfig no_render() {
  EnvConfig config;
  config.render = false;
  return config;
}

// The scripted expert's actions of episodes 0..kEpisodes-1 (train split, base seed 0).
const std::vector<std::vector<Action>>& expert_actions() {
  static const std::vector<std::vector<Action>> episodes = [] {
    std::vector<std::vector<Action>> out;
    TaskEnv env(kTask, no_render());
    for (int e = 0; e < kEpisodes; ++e) {
      const Variation v = env.reset(Split::kTrain, e, 0);
      auto expert = env.task().make_expert(v, 0.0, 1);
      out.emplace_back();
      while (!env.done()) {
        PhaseLabel phase;
        out.back().push_back(expert->act(env.env(), &phase));
        env.step(out.back().back());
      }
    }
    return out;
  }();
  return episodes;
}

void BM_CppStep(benchmark::State& state) {
  const auto& episodes = expert_actions();
  TaskEnv env(kTask, no_render());
  int64_t steps = 0, e = 0;
  for (auto _ : state) {
    state.PauseTiming();
    const auto& actions = episodes[e % kEpisodes];
    env.reset(Split::kTrain, e++ % kEpisodes, 0);
    state.ResumeTiming();
    for (const Action& a : actions) {
      env.step(a);
      Observation obs = env.observe();
      benchmark::DoNotOptimize(obs);
    }
    steps += static_cast<int64_t>(actions.size());
  }
  state.SetItemsProcessed(steps);
}

void BM_PythonStep(benchmark::State& state) {
  const auto& episodes = expert_actions();
  py::gil_scoped_acquire gil;
  py::module_ wambench = py::module_::import("wambench");
  py::object env = wambench.attr("make_env")(kTask, "train", 0, 0, false);
  // The actions as Python sees them: one (7,) float64 array per step.
  std::vector<py::list> actions;
  for (const auto& episode : episodes) {
    py::list rows;
    for (const Action& a : episode) {
      py::array_t<double> row(kActionDim);
      std::copy(a.begin(), a.end(), row.mutable_data());
      rows.append(row);
    }
    actions.push_back(rows);
  }
  py::dict scope;
  py::exec(R"(
def run(env, actions):
    step = env.step
    for a in actions:
        obs, reward, terminated, truncated, info = step(a)
)", scope);
  py::object run = scope["run"];
  int64_t steps = 0, e = 0;
  for (auto _ : state) {
    state.PauseTiming();
    const py::list& rows = actions[e % kEpisodes];
    env.attr("reset")(py::arg("options") = py::dict(py::arg("episode") = e++ % kEpisodes));
    state.ResumeTiming();
    run(env, rows);
    steps += static_cast<int64_t>(py::len(rows));
  }
  state.SetItemsProcessed(steps);
}

BENCHMARK(BM_CppStep)->Unit(benchmark::kMillisecond)->MinTime(2.0);
BENCHMARK(BM_PythonStep)->Unit(benchmark::kMillisecond)->MinTime(2.0);

}  // namespace
}  // namespace wambench

int main(int argc, char** argv) {
  py::scoped_interpreter interpreter;
  py::module_::import("sys").attr("path").attr("insert")(0, WAMBENCH_PYTHON_DIR);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  {
    py::gil_scoped_release release;  // each benchmark takes the GIL it needs
    benchmark::RunSpecifiedBenchmarks();
  }
  benchmark::Shutdown();
  return 0;
}
