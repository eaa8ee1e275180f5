#include "bridge/camera_pipeline.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace wambench {
namespace {

constexpr const char* kEncodingNames = "rgb8, bgr8, rgba8, bgra8, mono8";

void check_frame(const CameraFrame& frame) {
  if (frame.height < 1 || frame.width < 1)
    throw std::invalid_argument("camera frame: size " + std::to_string(frame.width) + " x " +
                                std::to_string(frame.height) + " pixels (width x height); both must be >= 1");
  const size_t row_bytes = static_cast<size_t>(frame.width) * bytes_per_pixel(frame.encoding);
  if (frame.row_stride_bytes < row_bytes)
    throw std::invalid_argument("camera frame: row stride " + std::to_string(frame.row_stride_bytes) +
                                " bytes is shorter than a row of " + std::to_string(frame.width) + " " +
                                to_string(frame.encoding) + " pixels (" + std::to_string(row_bytes) + " bytes)");
  const size_t need = static_cast<size_t>(frame.height) * frame.row_stride_bytes;
  if (frame.data == nullptr || frame.size_bytes < need)
    throw std::invalid_argument("camera frame: " + std::to_string(frame.size_bytes) + " bytes of data, but " +
                                std::to_string(frame.height) + " rows of " + std::to_string(frame.row_stride_bytes) +
                                " bytes need " + std::to_string(need));
}

// Colour conversion, crop and flips in one pass over the crop rectangle.
Image extract(const CameraFrame& frame, const PixelRect& rect, bool flip_horizontal, bool flip_vertical) {
  Image out(rect.height, rect.width);
  const int bpp = bytes_per_pixel(frame.encoding);
  for (int r = 0; r < rect.height; ++r) {
    const int src_row = rect.y + (flip_vertical ? rect.height - 1 - r : r);
    const uint8_t* row = frame.data + static_cast<size_t>(src_row) * frame.row_stride_bytes;
    for (int c = 0; c < rect.width; ++c) {
      const int src_col = rect.x + (flip_horizontal ? rect.width - 1 - c : c);
      const uint8_t* p = row + static_cast<size_t>(src_col) * bpp;
      uint8_t* q = out.at(r, c);
      switch (frame.encoding) {
        case PixelEncoding::kRgb8:
        case PixelEncoding::kRgba8:
          q[0] = p[0], q[1] = p[1], q[2] = p[2];
          break;
        case PixelEncoding::kBgr8:
        case PixelEncoding::kBgra8:
          q[0] = p[2], q[1] = p[1], q[2] = p[0];
          break;
        case PixelEncoding::kMono8:
          q[0] = q[1] = q[2] = p[0];
          break;
      }
    }
  }
  return out;
}

int json_int(const nlohmann::json& value, const std::string& what) {
  if (!value.is_number_integer())
    throw std::invalid_argument(what + " must be an integer, got " + value.dump());
  return value.get<int>();
}

bool json_bool(const nlohmann::json& value, const std::string& what) {
  if (!value.is_boolean()) throw std::invalid_argument(what + " must be true or false, got " + value.dump());
  return value.get<bool>();
}

}  // namespace

PixelEncoding parse_pixel_encoding(const std::string& name) {
  if (name == "rgb8") return PixelEncoding::kRgb8;
  if (name == "bgr8") return PixelEncoding::kBgr8;
  if (name == "rgba8") return PixelEncoding::kRgba8;
  if (name == "bgra8") return PixelEncoding::kBgra8;
  if (name == "mono8") return PixelEncoding::kMono8;
  throw std::invalid_argument("unsupported pixel encoding '" + name + "'; valid: " + kEncodingNames);
}

const char* to_string(PixelEncoding encoding) {
  switch (encoding) {
    case PixelEncoding::kRgb8: return "rgb8";
    case PixelEncoding::kBgr8: return "bgr8";
    case PixelEncoding::kRgba8: return "rgba8";
    case PixelEncoding::kBgra8: return "bgra8";
    case PixelEncoding::kMono8: return "mono8";
  }
  return "?";
}

int bytes_per_pixel(PixelEncoding encoding) {
  switch (encoding) {
    case PixelEncoding::kRgb8:
    case PixelEncoding::kBgr8: return 3;
    case PixelEncoding::kRgba8:
    case PixelEncoding::kBgra8: return 4;
    case PixelEncoding::kMono8: return 1;
  }
  return 3;
}

CameraPipelineConfig camera_pipeline_config_from_json(const nlohmann::json& json, const std::string& context) {
  if (!json.is_object()) throw std::invalid_argument(context + ": must be a JSON object, got " + json.dump());
  CameraPipelineConfig config;
  for (const auto& [key, value] : json.items()) {
    const std::string what = context + ": \"" + key + "\"";
    if (key == "crop") {
      if (value.is_null()) {
        config.crop.reset();
        continue;
      }
      if (!value.is_array() || value.size() != 4)
        throw std::invalid_argument(what + " must be [x, y, width, height] (pixels) or null, got " + value.dump());
      PixelRect rect{json_int(value[0], what + " x"), json_int(value[1], what + " y"),
                     json_int(value[2], what + " width"), json_int(value[3], what + " height")};
      if (rect.x < 0 || rect.y < 0 || rect.width < 1 || rect.height < 1)
        throw std::invalid_argument(what + " " + value.dump() + " needs x, y >= 0 and width, height >= 1");
      config.crop = rect;
    } else if (key == "flip_horizontal") {
      config.flip_horizontal = json_bool(value, what);
    } else if (key == "flip_vertical") {
      config.flip_vertical = json_bool(value, what);
    } else if (key == "output_height" || key == "output_width") {
      const int v = json_int(value, what);
      if (v < 1) throw std::invalid_argument(what + " must be >= 1 (pixels), got " + std::to_string(v));
      (key == "output_height" ? config.output_height : config.output_width) = v;
    } else {
      throw std::invalid_argument(context + ": unknown key \"" + key +
                                  "\"; valid keys: crop, flip_horizontal, flip_vertical, output_height, output_width");
    }
  }
  return config;
}

PixelRect effective_crop(const CameraPipelineConfig& config, int frame_height, int frame_width) {
  PixelRect rect;
  if (config.crop) {
    rect = *config.crop;
  } else {
    if (config.output_height < 1 || config.output_width < 1)
      throw std::invalid_argument("camera pipeline: output size " + std::to_string(config.output_width) + " x " +
                                  std::to_string(config.output_height) + " (width x height); both must be >= 1");
    const double aspect = static_cast<double>(config.output_width) / config.output_height;
    // The widest rectangle of that aspect that fits: full height, unless that is too wide.
    double w = frame_height * aspect, h = frame_height;
    if (w > frame_width) w = frame_width, h = frame_width / aspect;
    rect.width = std::max(1, static_cast<int>(std::lround(w)));
    rect.height = std::max(1, static_cast<int>(std::lround(h)));
    rect.x = (frame_width - rect.width) / 2;
    rect.y = (frame_height - rect.height) / 2;
  }
  if (rect.x < 0 || rect.y < 0 || rect.width < 1 || rect.height < 1 || rect.x + rect.width > frame_width ||
      rect.y + rect.height > frame_height)
    throw std::invalid_argument("camera pipeline: crop [x " + std::to_string(rect.x) + ", y " + std::to_string(rect.y) +
                                ", width " + std::to_string(rect.width) + ", height " + std::to_string(rect.height) +
                                "] does not lie inside the " + std::to_string(frame_width) + " x " +
                                std::to_string(frame_height) + " frame (width x height)");
  return rect;
}

Image frame_to_rgb(const CameraFrame& frame) {
  check_frame(frame);
  return extract(frame, PixelRect{0, 0, frame.width, frame.height}, false, false);
}

Image run_camera_pipeline(const CameraPipelineConfig& config, const CameraFrame& frame) {
  check_frame(frame);
  const PixelRect rect = effective_crop(config, frame.height, frame.width);
  if (config.output_height < 1 || config.output_width < 1)
    throw std::invalid_argument("camera pipeline: output size " + std::to_string(config.output_width) + " x " +
                                std::to_string(config.output_height) + " (width x height); both must be >= 1");
  Image cropped = extract(frame, rect, config.flip_horizontal, config.flip_vertical);
  return resize_bilinear(cropped, config.output_height, config.output_width);
}

}  // namespace wambench
