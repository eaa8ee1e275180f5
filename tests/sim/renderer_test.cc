// Off-screen rendering: size, content, orientation, the wrist view, one context per thread.
#include <algorithm>
#include <cmath>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "sim/env.h"
#include "sim/renderer.h"
#include "tests/sim/test_scenes.h"

namespace wambench {
namespace {

// Two coloured markers: red up and to the robot's right (-y, which the front camera, looking back
// at the robot along -x, shows on the LEFT), blue low on the +y side (shown on the RIGHT).
constexpr char kMarkers[] = R"(
  <body name="marker_left_top" pos="0.55 -0.25 0.40">
    <geom name="marker_left_top" type="box" size="0.03 0.03 0.03" rgba="1 0 0 1" contype="0" conaffinity="0"/>
  </body>
  <body name="marker_right_bottom" pos="0.75 0.25 0.03">
    <geom name="marker_right_bottom" type="box" size="0.03 0.03 0.03" rgba="0 0 1 1" contype="0" conaffinity="0"/>
  </body>)";

EnvConfig render_config(int size) {
  EnvConfig c;
  c.image_height = c.image_width = size;
  return c;
}

struct Centroid {
  double row = 0, col = 0;
  int count = 0;
};

Centroid centroid_of(const std::vector<int>& ids, int width, int geom) {
  Centroid c;
  for (size_t i = 0; i < ids.size(); ++i) {
    if (ids[i] != geom) continue;
    c.row += static_cast<double>(i / width);
    c.col += static_cast<double>(i % width);
    ++c.count;
  }
  if (c.count) {
    c.row /= c.count;
    c.col /= c.count;
  }
  return c;
}

TEST(Renderer, ImagesHaveConfiguredSizeAndAreNotUniform) {
  for (int size : {64, 128, 224}) {
    Env env(render_config(size));
    const Observation obs = env.observe();
    ASSERT_EQ(obs.images.size(), 2u);
    for (const auto& [name, img] : obs.images) {
      EXPECT_EQ(img.height, size) << name;
      EXPECT_EQ(img.width, size) << name;
      ASSERT_EQ(img.rgb.size(), static_cast<size_t>(size) * size * 3);
      // Non-uniform: several distinct colours and real contrast (luminance standard deviation).
      std::set<int> colours;
      double sum = 0, sum2 = 0;
      for (int r = 0; r < size; ++r)
        for (int c = 0; c < size; ++c) {
          const uint8_t* p = img.at(r, c);
          colours.insert((p[0] << 16) | (p[1] << 8) | p[2]);
          const double y = 0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2];
          sum += y;
          sum2 += y * y;
        }
      const double n = static_cast<double>(size) * size;
      const double stddev = std::sqrt(std::max(0.0, sum2 / n - (sum / n) * (sum / n)));
      EXPECT_GE(colours.size(), 8u) << name << " at " << size << " px";
      EXPECT_GT(stddev, 10.0) << name << " at " << size << " px looks uniform";
    }
  }
}

TEST(Renderer, FrontImageIsUprightAndNotMirrored) {
  Env env(testing::scene_with(kMarkers), render_config(128));
  Renderer& r = *env.renderer();
  const int front = r.camera_id("front");
  const std::vector<int> ids = r.render_geom_ids(env.data(), front, 128, 128);
  const Centroid lt = centroid_of(ids, 128, mj_name2id(env.model(), mjOBJ_GEOM, "marker_left_top"));
  const Centroid rb = centroid_of(ids, 128, mj_name2id(env.model(), mjOBJ_GEOM, "marker_right_bottom"));
  ASSERT_GT(lt.count, 10);
  ASSERT_GT(rb.count, 10);
  EXPECT_LT(lt.col, 64) << "high marker on the camera's left appears in the left half";
  EXPECT_LT(lt.row, 64) << "high marker appears in the top half";
  EXPECT_GT(rb.col, 64);
  EXPECT_GT(rb.row, 64);

  // The RGB image agrees with the segmentation: the red marker's pixels are red.
  const Image rgb = r.render(env.data(), "front", 128, 128);
  const uint8_t* p = rgb.at(static_cast<int>(lt.row), static_cast<int>(lt.col));
  EXPECT_GT(p[0], 120);
  EXPECT_LT(p[2], 80);
  const uint8_t* q = rgb.at(static_cast<int>(rb.row), static_cast<int>(rb.col));
  EXPECT_GT(q[2], 120);
  EXPECT_LT(q[0], 80);
}

TEST(Renderer, WristCameraSeesBothFingers) {
  Env env(render_config(128));
  Renderer& r = *env.renderer();
  const std::vector<int> ids = r.render_geom_ids(env.data(), r.camera_id("wrist"), 128, 128);
  const Centroid left = centroid_of(ids, 128, mj_name2id(env.model(), mjOBJ_GEOM, "left_finger_geom"));
  const Centroid right = centroid_of(ids, 128, mj_name2id(env.model(), mjOBJ_GEOM, "right_finger_geom"));
  EXPECT_GT(left.count, 20);
  EXPECT_GT(right.count, 20);
  EXPECT_GT(std::abs(left.col - right.col), 40) << "open fingers appear on opposite sides";
  EXPECT_GT(left.row, 64) << "fingers are in the lower half of the wrist view";
}

TEST(Renderer, UnknownCameraIsAClearError) {
  EnvConfig c = render_config(64);
  c.cameras = {"front", "overhead"};
  try {
    Env env(c);
    FAIL();
  } catch (const std::invalid_argument& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("overhead"), std::string::npos);
    EXPECT_NE(msg.find("front"), std::string::npos) << "lists the valid cameras";
  }
}

TEST(Renderer, WorkerThreadsRenderConcurrentlyWithTheirOwnContexts) {
  Env reference_env(render_config(96));
  const Image reference = reference_env.observe().images.at("front");
  std::vector<Image> results(2);
  std::vector<std::string> errors(2);
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([t, &results, &errors] {
      try {
        Env env(render_config(96));
        for (int i = 0; i < 5; ++i) results[t] = env.observe().images.at("front");
      } catch (const std::exception& e) {
        errors[t] = e.what();
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < 2; ++t) {
    EXPECT_EQ(errors[t], "");
    EXPECT_EQ(results[t].rgb, reference.rgb) << "thread " << t;
  }
}

}  // namespace
}  // namespace wambench
