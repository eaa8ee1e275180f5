#include "bridge/camera_pipeline.h"

#include <gtest/gtest.h>

#include <vector>

namespace wambench {
namespace {

// A frame over `bytes`, rows packed unless a stride is given.
CameraFrame make_frame(const std::vector<uint8_t>& bytes, int height, int width, PixelEncoding encoding,
                       size_t stride = 0) {
  CameraFrame f;
  f.height = height;
  f.width = width;
  f.encoding = encoding;
  f.row_stride_bytes = stride ? stride : static_cast<size_t>(width) * bytes_per_pixel(encoding);
  f.data = bytes.data();
  f.size_bytes = bytes.size();
  return f;
}

std::vector<uint8_t> pixel(const Image& image, int row, int col) {
  const uint8_t* p = image.at(row, col);
  return {p[0], p[1], p[2]};
}

// An rgb8 frame whose pixel (r, c) is (r, c, 100 + 10 r + c): every pixel tells where it came from.
std::vector<uint8_t> coordinate_frame(int height, int width) {
  std::vector<uint8_t> bytes;
  for (int r = 0; r < height; ++r)
    for (int c = 0; c < width; ++c)
      bytes.insert(bytes.end(), {static_cast<uint8_t>(r), static_cast<uint8_t>(c), static_cast<uint8_t>(100 + 10 * r + c)});
  return bytes;
}

TEST(CameraPipeline, ParsesEncodingNames) {
  EXPECT_EQ(parse_pixel_encoding("rgb8"), PixelEncoding::kRgb8);
  EXPECT_EQ(parse_pixel_encoding("bgr8"), PixelEncoding::kBgr8);
  EXPECT_EQ(parse_pixel_encoding("rgba8"), PixelEncoding::kRgba8);
  EXPECT_EQ(parse_pixel_encoding("bgra8"), PixelEncoding::kBgra8);
  EXPECT_EQ(parse_pixel_encoding("mono8"), PixelEncoding::kMono8);
  for (auto e : {PixelEncoding::kRgb8, PixelEncoding::kBgr8, PixelEncoding::kRgba8, PixelEncoding::kBgra8, PixelEncoding::kMono8})
    EXPECT_EQ(parse_pixel_encoding(to_string(e)), e);
  try {
    parse_pixel_encoding("yuv422");
    FAIL() << "yuv422 accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("'yuv422'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("rgb8, bgr8, rgba8, bgra8, mono8"), std::string::npos) << e.what();
  }
}

TEST(CameraPipeline, ConvertsEveryEncodingToRgb) {
  // One row of two pixels: red-ish (200, 10, 20) and blue-ish (5, 6, 250), in each byte order.
  const std::vector<uint8_t> rgb8 = {200, 10, 20, 5, 6, 250};
  const std::vector<uint8_t> bgr8 = {20, 10, 200, 250, 6, 5};
  const std::vector<uint8_t> rgba8 = {200, 10, 20, 255, 5, 6, 250, 0};
  const std::vector<uint8_t> bgra8 = {20, 10, 200, 255, 250, 6, 5, 0};
  for (const auto& [bytes, encoding] : std::vector<std::pair<std::vector<uint8_t>, PixelEncoding>>{
           {rgb8, PixelEncoding::kRgb8}, {bgr8, PixelEncoding::kBgr8}, {rgba8, PixelEncoding::kRgba8}, {bgra8, PixelEncoding::kBgra8}}) {
    SCOPED_TRACE(to_string(encoding));
    const Image image = frame_to_rgb(make_frame(bytes, 1, 2, encoding));
    ASSERT_EQ(image.height, 1);
    ASSERT_EQ(image.width, 2);
    EXPECT_EQ(pixel(image, 0, 0), (std::vector<uint8_t>{200, 10, 20}));
    EXPECT_EQ(pixel(image, 0, 1), (std::vector<uint8_t>{5, 6, 250}));
  }
  const std::vector<uint8_t> mono = {7, 99};
  const Image grey = frame_to_rgb(make_frame(mono, 1, 2, PixelEncoding::kMono8));
  EXPECT_EQ(pixel(grey, 0, 0), (std::vector<uint8_t>{7, 7, 7}));
  EXPECT_EQ(pixel(grey, 0, 1), (std::vector<uint8_t>{99, 99, 99}));
}

TEST(CameraPipeline, HonoursPaddedRows) {
  // Two rows of one bgr8 pixel, each row padded to 8 bytes (the padding must be skipped).
  const std::vector<uint8_t> bytes = {3, 2, 1, 0xEE, 0xEE, 0xEE, 0xEE, 0xEE, 6, 5, 4, 0xEE, 0xEE, 0xEE, 0xEE, 0xEE};
  const Image image = frame_to_rgb(make_frame(bytes, 2, 1, PixelEncoding::kBgr8, 8));
  EXPECT_EQ(pixel(image, 0, 0), (std::vector<uint8_t>{1, 2, 3}));
  EXPECT_EQ(pixel(image, 1, 0), (std::vector<uint8_t>{4, 5, 6}));
}

TEST(CameraPipeline, DefaultCropIsTheCentredRectangleOfTheOutputAspect) {
  CameraPipelineConfig config;  // 128 x 128 output
  const PixelRect square = effective_crop(config, 120, 160);
  EXPECT_EQ(square.x, 20);
  EXPECT_EQ(square.y, 0);
  EXPECT_EQ(square.width, 120);
  EXPECT_EQ(square.height, 120);
  // A portrait frame: full width, centred vertically.
  const PixelRect portrait = effective_crop(config, 200, 100);
  EXPECT_EQ(portrait.x, 0);
  EXPECT_EQ(portrait.y, 50);
  EXPECT_EQ(portrait.width, 100);
  EXPECT_EQ(portrait.height, 100);
  // A 2:1 output from a 4:3 frame: full width, height = width / 2.
  config.output_height = 64;
  config.output_width = 128;
  const PixelRect wide = effective_crop(config, 480, 640);
  EXPECT_EQ(wide.x, 0);
  EXPECT_EQ(wide.y, 80);
  EXPECT_EQ(wide.width, 640);
  EXPECT_EQ(wide.height, 320);
}

TEST(CameraPipeline, CentreSquareKeepsTheMiddleColumns) {
  // 6 x 4 frame, 4 x 4 output: the centre square is columns 1..4, no resampling (same size).
  const std::vector<uint8_t> bytes = coordinate_frame(4, 6);
  CameraPipelineConfig config;
  config.output_height = config.output_width = 4;
  const Image image = run_camera_pipeline(config, make_frame(bytes, 4, 6, PixelEncoding::kRgb8));
  ASSERT_EQ(image.height, 4);
  ASSERT_EQ(image.width, 4);
  for (int r = 0; r < 4; ++r)
    for (int c = 0; c < 4; ++c)
      EXPECT_EQ(pixel(image, r, c), (std::vector<uint8_t>{uint8_t(r), uint8_t(c + 1), uint8_t(100 + 10 * r + c + 1)}));
}

TEST(CameraPipeline, ExplicitCropAndFlips) {
  const std::vector<uint8_t> bytes = coordinate_frame(5, 7);
  CameraPipelineConfig config;
  config.crop = PixelRect{2, 1, 3, 2};  // columns 2..4, rows 1..2
  config.output_height = 2;
  config.output_width = 3;
  const CameraFrame frame = make_frame(bytes, 5, 7, PixelEncoding::kRgb8);
  const Image plain = run_camera_pipeline(config, frame);
  EXPECT_EQ(pixel(plain, 0, 0), (std::vector<uint8_t>{1, 2, 112}));
  EXPECT_EQ(pixel(plain, 1, 2), (std::vector<uint8_t>{2, 4, 124}));
  config.flip_horizontal = true;
  const Image mirrored = run_camera_pipeline(config, frame);
  EXPECT_EQ(pixel(mirrored, 0, 0), (std::vector<uint8_t>{1, 4, 114}));
  EXPECT_EQ(pixel(mirrored, 1, 2), (std::vector<uint8_t>{2, 2, 122}));
  config.flip_vertical = true;
  const Image rotated = run_camera_pipeline(config, frame);  // both flips = 180 degrees
  EXPECT_EQ(pixel(rotated, 0, 0), (std::vector<uint8_t>{2, 4, 124}));
  EXPECT_EQ(pixel(rotated, 1, 2), (std::vector<uint8_t>{1, 2, 112}));
  config.flip_horizontal = false;
  const Image upside_down = run_camera_pipeline(config, frame);
  EXPECT_EQ(pixel(upside_down, 0, 0), (std::vector<uint8_t>{2, 2, 122}));
}

TEST(CameraPipeline, ResizesBilinearly) {
  // bgr8 4 x 4 frame -> 2 x 2: with pixel centres aligned each output pixel samples the point
  // between source pixels (2i, 2i+1) in both axes, i.e. the mean of a 2 x 2 block, rounded.
  // Block values (red channel): top-left {10, 20, 30, 40} -> 25; top-right {0, 0, 0, 1} -> 0.25 -> 0;
  // bottom-left {100, 101, 100, 101} -> 100.5 -> 101 (lround: half away from zero); bottom-right 255.
  const int red[4][4] = {{10, 20, 0, 0}, {30, 40, 0, 1}, {100, 101, 255, 255}, {100, 101, 255, 255}};
  std::vector<uint8_t> bytes;
  for (auto& row : red)
    for (int v : row) bytes.insert(bytes.end(), {7, 8, static_cast<uint8_t>(v)});  // b, g, r
  CameraPipelineConfig config;
  config.output_height = config.output_width = 2;
  const Image image = run_camera_pipeline(config, make_frame(bytes, 4, 4, PixelEncoding::kBgr8));
  EXPECT_EQ(pixel(image, 0, 0), (std::vector<uint8_t>{25, 8, 7}));
  EXPECT_EQ(pixel(image, 0, 1), (std::vector<uint8_t>{0, 8, 7}));
  EXPECT_EQ(pixel(image, 1, 0), (std::vector<uint8_t>{101, 8, 7}));
  EXPECT_EQ(pixel(image, 1, 1), (std::vector<uint8_t>{255, 8, 7}));
}

TEST(CameraPipeline, RejectsBadFramesAndCrops) {
  const std::vector<uint8_t> bytes = coordinate_frame(4, 4);
  CameraPipelineConfig config;
  config.crop = PixelRect{2, 0, 3, 4};  // reaches column 5 of a 4-wide frame
  try {
    run_camera_pipeline(config, make_frame(bytes, 4, 4, PixelEncoding::kRgb8));
    FAIL() << "crop outside the frame accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("does not lie inside the 4 x 4 frame"), std::string::npos) << e.what();
  }
  try {
    frame_to_rgb(make_frame(bytes, 4, 4, PixelEncoding::kRgb8, 6));
    FAIL() << "short stride accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("row stride 6 bytes is shorter than a row"), std::string::npos) << e.what();
  }
  try {
    frame_to_rgb(make_frame(bytes, 5, 4, PixelEncoding::kRgb8));
    FAIL() << "short data accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("48 bytes of data, but 5 rows of 12 bytes need 60"), std::string::npos) << e.what();
  }
  EXPECT_THROW(frame_to_rgb(make_frame(bytes, 0, 4, PixelEncoding::kRgb8)), std::invalid_argument);
}

TEST(CameraPipeline, ReadsItsConfigFromJson) {
  const auto config = camera_pipeline_config_from_json(nlohmann::json::parse(
      R"({"crop": [10, 20, 300, 200], "flip_horizontal": true, "flip_vertical": false, "output_height": 96, "output_width": 144})"));
  ASSERT_TRUE(config.crop.has_value());
  EXPECT_EQ(config.crop->x, 10);
  EXPECT_EQ(config.crop->y, 20);
  EXPECT_EQ(config.crop->width, 300);
  EXPECT_EQ(config.crop->height, 200);
  EXPECT_TRUE(config.flip_horizontal);
  EXPECT_FALSE(config.flip_vertical);
  EXPECT_EQ(config.output_height, 96);
  EXPECT_EQ(config.output_width, 144);
  const auto defaults = camera_pipeline_config_from_json(nlohmann::json::object());
  EXPECT_FALSE(defaults.crop.has_value());
  EXPECT_EQ(defaults.output_height, 128);
  EXPECT_FALSE(camera_pipeline_config_from_json(nlohmann::json::parse(R"({"crop": null})")).crop.has_value());
}

TEST(CameraPipeline, JsonErrorsNameTheKeyAndTheValidValues) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"crp": [0, 0, 1, 1]})", "unknown key \"crp\"; valid keys: crop, flip_horizontal, flip_vertical, output_height, output_width"},
      {R"({"crop": [0, 0, 1]})", "\"crop\" must be [x, y, width, height] (pixels) or null"},
      {R"({"crop": [-1, 0, 5, 5]})", "needs x, y >= 0 and width, height >= 1"},
      {R"({"crop": [0, 0, 0, 5]})", "needs x, y >= 0 and width, height >= 1"},
      {R"({"crop": [0, 0, 1.5, 5]})", "\"crop\" width must be an integer"},
      {R"({"flip_vertical": 1})", "\"flip_vertical\" must be true or false"},
      {R"({"output_width": 0})", "\"output_width\" must be >= 1 (pixels), got 0"},
      {R"([1, 2])", "must be a JSON object"},
  };
  for (const auto& [json, message] : cases) {
    try {
      camera_pipeline_config_from_json(nlohmann::json::parse(json), "front pipeline");
      ADD_FAILURE() << json << " accepted";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(message), std::string::npos) << json << ": " << e.what();
      EXPECT_EQ(std::string(e.what()).rfind("front pipeline", 0), 0u) << e.what();
    }
  }
}

}  // namespace
}  // namespace wambench
