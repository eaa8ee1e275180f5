// The camera pipeline (bridge/camera_pipeline.h) on typical camera frames: colour order, centre
// crop and bilinear resize to the policy's 128 x 128, per frame. A real arm's driver runs it once
// per camera per control period (10 Hz), in its transport's receive thread.
#include <benchmark/benchmark.h>

#include <vector>

#include "bridge/camera_pipeline.h"

namespace {

void BM_CameraPipeline(benchmark::State& state, wambench::PixelEncoding encoding) {
  const int height = static_cast<int>(state.range(0)), width = static_cast<int>(state.range(1));
  const int bpp = wambench::bytes_per_pixel(encoding);
  std::vector<uint8_t> bytes(static_cast<size_t>(height) * width * bpp);
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<uint8_t>(i * 31 % 251);
  wambench::CameraFrame frame;
  frame.height = height;
  frame.width = width;
  frame.encoding = encoding;
  frame.row_stride_bytes = static_cast<size_t>(width) * bpp;
  frame.data = bytes.data();
  frame.size_bytes = bytes.size();
  const wambench::CameraPipelineConfig config;  // centre square -> 128 x 128
  for (auto _ : state) benchmark::DoNotOptimize(wambench::run_camera_pipeline(config, frame));
  state.SetLabel(std::to_string(width) + "x" + std::to_string(height) + " " + wambench::to_string(encoding));
}

BENCHMARK_CAPTURE(BM_CameraPipeline, rgb8, wambench::PixelEncoding::kRgb8)->Args({120, 160})->Args({480, 640});
BENCHMARK_CAPTURE(BM_CameraPipeline, bgr8, wambench::PixelEncoding::kBgr8)->Args({480, 640})->Args({720, 1280});
BENCHMARK_CAPTURE(BM_CameraPipeline, bgra8, wambench::PixelEncoding::kBgra8)->Args({720, 1280});

}  // namespace

BENCHMARK_MAIN();
