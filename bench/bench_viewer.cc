// Frame rate of `wambench view` at 1280 x 720: the 3-D scene plus every panel (camera images,
// timeline plots, episode table), in each mode. Needs an X display; on a headless machine:
//   xvfb-run -a -s "-screen 0 1920x1080x24 -noreset" build/bench/bench_viewer
// (-noreset: each benchmark opens and closes its own window, and Xvfb otherwise resets when its
// last client leaves, refusing connections meanwhile).
// Each iteration is one frame (input, playback, camera images, scene, panels, buffer swap).
// frames_per_s is the figure to compare with the 30 frames/s goal.
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include <benchmark/benchmark.h>

#include "eval/config.h"
#include "eval/oracle_policy.h"
#include "eval/runner.h"
#include "eval/store.h"
#include "viewer/app.h"

namespace {
namespace fs = std::filesystem;

// make_policy("scripted") needs the evaluation layer's oracle (eval/oracle_policy.h).
const bool kOraclesRegistered = (wambench::register_oracle_policies(), true);

using wambench::viewer::Viewer;
using wambench::viewer::ViewerOptions;

// A small recorded run (scripted expert, pick_place / peg_insert, 2 episodes) for replay / browse.
const std::string& recorded_run() {
  static const std::string dir = [] {
    const fs::path out = fs::temp_directory_path() / ("wambench_bench_viewer_" + std::to_string(::getpid()));
    fs::remove_all(out);
    wambench::EvalConfig config = wambench::parse_eval_config(
        {{"tasks", {"pick_place", "peg_insert"}}, {"splits", {"train"}}, {"episodes", 2}, {"workers", 2}}, "bench");
    wambench::ResultStore store(out.string(), false);
    wambench::run_sweep(config, store, (out / "recordings").string());
    return out.string();
  }();
  return dir;
}

void run_frames(benchmark::State& state, ViewerOptions options) {
  if (std::getenv("DISPLAY") == nullptr) {
    state.SkipWithError("needs an X display: run under xvfb-run -a -s '-screen 0 1920x1080x24 -noreset'");
    return;
  }
  options.frames = 1;   // headless window; playback advances one control step per frame
  options.speed = 1.0;
  Viewer viewer(options);
  viewer.frame();  // uploads the scene's meshes and textures
  for (auto _ : state) {
    if (!viewer.frame()) break;
  }
  state.counters["frames_per_s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

void BM_ViewerLive(benchmark::State& state) {
  ViewerOptions o;
  o.task = "pick_place";
  run_frames(state, o);  // live: the scripted expert steps the simulator every frame until done
}

void BM_ViewerReplay(benchmark::State& state) {
  ViewerOptions o;
  o.replay = recorded_run() + "/recordings/scripted/peg_insert/train/episode_0";
  run_frames(state, o);
}

void BM_ViewerBrowseSideBySide(benchmark::State& state) {
  ViewerOptions o;
  o.runs = {recorded_run(), recorded_run()};  // the same run twice: every episode has a partner
  o.select = 0;
  o.side_by_side = true;
  run_frames(state, o);
}

}  // namespace

BENCHMARK(BM_ViewerLive)->Unit(benchmark::kMillisecond)->Iterations(200)->UseRealTime();
BENCHMARK(BM_ViewerReplay)->Unit(benchmark::kMillisecond)->Iterations(200)->UseRealTime();
BENCHMARK(BM_ViewerBrowseSideBySide)->Unit(benchmark::kMillisecond)->Iterations(200)->UseRealTime();
BENCHMARK_MAIN();
