// The camera pipeline of the sim-to-real bridge: turns a camera's native frame (any size, any of
// the common 8-bit pixel encodings) into the pixels the policy sees in simulation (RGB, row 0 = top,
// the observation's height x width; sim/image.h). Every robot driver (ROS, the twin) runs its frames
// through it, so a policy gets the same kind of image from a real camera as from the simulator.
//
// Steps, in this order (each on the result of the previous one):
//   1. colour order: the native encoding (rgb8 / bgr8 / rgba8 / bgra8 / mono8) -> RGB (alpha dropped,
//      grey copied to the three channels);
//   2. crop: a pixel rectangle of the native frame (default: the largest centred rectangle with the
//      output's aspect ratio, i.e. the centre square for a square observation);
//   3. flips: horizontal (mirror left-right) and / or vertical (upside down), for a camera mounted
//      rotated or mirrored;
//   4. resize to the output size with resize_bilinear (sim/image.h), the resampling the simulator's
//      own images and `wambench serve` use.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "sim/image.h"

namespace wambench {

/// 8-bit pixel encodings a camera frame can arrive in. The names are those of ROS'
/// sensor_msgs/image_encodings.h ("rgb8", "bgr8", "rgba8", "bgra8", "mono8").
enum class PixelEncoding { kRgb8, kBgr8, kRgba8, kBgra8, kMono8 };

/// Parses an encoding name ("rgb8", "bgr8", "rgba8", "bgra8", "mono8"; exact, lower case).
/// @throws std::invalid_argument naming the bad value and listing the valid ones.
PixelEncoding parse_pixel_encoding(const std::string& name);
/// The name of an encoding, e.g. "bgr8".
const char* to_string(PixelEncoding encoding);
/// Bytes per pixel of an encoding: 3 (rgb8, bgr8), 4 (rgba8, bgra8) or 1 (mono8).
int bytes_per_pixel(PixelEncoding encoding);

/// A camera frame as it arrives from the camera driver; the bytes are not owned.
struct CameraFrame {
  int height = 0;                                  ///< rows (pixels), >= 1
  int width = 0;                                   ///< columns (pixels), >= 1
  PixelEncoding encoding = PixelEncoding::kRgb8;   ///< byte order of a pixel
  /// Bytes from the start of one row to the next, >= width * bytes_per_pixel(encoding)
  /// (sensor_msgs/Image's `step`; rows may be padded).
  size_t row_stride_bytes = 0;
  const uint8_t* data = nullptr;                   ///< row 0 = top of the picture
  size_t size_bytes = 0;                           ///< bytes available at data, >= height * row_stride_bytes
};

/// A pixel rectangle of the native frame: columns [x, x + width), rows [y, y + height).
struct PixelRect {
  int x = 0;       ///< first column (pixels from the left edge), >= 0
  int y = 0;       ///< first row (pixels from the top edge), >= 0
  int width = 0;   ///< columns, >= 1
  int height = 0;  ///< rows, >= 1
};

/// Configuration of one camera's pipeline (see the file comment for the order of the steps).
struct CameraPipelineConfig {
  /// Crop rectangle in the native frame's pixels. std::nullopt = the largest rectangle centred in
  /// the frame with the output's aspect ratio (width / height), e.g. the centre 120 x 120 square of
  /// a 160 x 120 frame for a 128 x 128 observation.
  std::optional<PixelRect> crop;
  /// Mirror left-right (column c -> width - 1 - c), after the crop.
  bool flip_horizontal = false;
  /// Upside down (row r -> height - 1 - r), after the crop.
  bool flip_vertical = false;
  /// Size of the policy's image (pixels, >= 1): the simulator's EnvConfig::image_height / width.
  int output_height = 128;
  int output_width = 128;
};

/// Reads a pipeline config from a JSON object with the optional keys
///   "crop": [x, y, width, height] (integers, pixels) or null (centred default),
///   "flip_horizontal": bool, "flip_vertical": bool,
///   "output_height": int >= 1, "output_width": int >= 1.
/// Missing keys keep the defaults of CameraPipelineConfig.
/// @throws std::invalid_argument if `json` is not an object, has a key not in that list (the
/// message lists the valid keys), a value of the wrong type, a crop that is not four integers with
/// x, y >= 0 and width, height >= 1, or an output size < 1. Messages start with `context`.
CameraPipelineConfig camera_pipeline_config_from_json(const nlohmann::json& json,
                                                      const std::string& context = "camera pipeline");

/// The crop rectangle the pipeline uses for a frame of frame_height x frame_width pixels:
/// config.crop if set, else the centred default (its width and height are rounded to the nearest
/// pixel, its offset rounded down).
/// @throws std::invalid_argument if the rectangle does not lie inside the frame (naming both).
PixelRect effective_crop(const CameraPipelineConfig& config, int frame_height, int frame_width);

/// Converts a frame to RGB (step 1 only), keeping its size.
/// @throws std::invalid_argument for a size < 1, a row stride shorter than a row, or fewer bytes
/// than height * row_stride_bytes (the message gives the numbers).
Image frame_to_rgb(const CameraFrame& frame);

/// Runs the whole pipeline on a frame: the policy's output_height x output_width RGB image.
/// @throws std::invalid_argument as frame_to_rgb and effective_crop.
Image run_camera_pipeline(const CameraPipelineConfig& config, const CameraFrame& frame);

}  // namespace wambench
