#include "sim/image.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>

#include <stb/stb_image.h>
#include <stb/stb_image_write.h>

namespace wambench {

void write_png(const std::string& path, const Image& image) {
  if (image.empty() || image.height <= 0 || image.width <= 0) {
    throw std::runtime_error("refusing to write an empty image to '" + path + "'");
  }
  if (!stbi_write_png(path.c_str(), image.width, image.height, 3, image.rgb.data(), image.width * 3)) {
    throw std::runtime_error("could not write PNG '" + path +
                             "' (does the directory exist and is it writable?)");
  }
}

Image read_png(const std::string& path) {
  int w = 0, h = 0, channels = 0;
  unsigned char* data = stbi_load(path.c_str(), &w, &h, &channels, 3);
  if (data == nullptr) {
    throw std::runtime_error("could not read image '" + path + "': " + stbi_failure_reason());
  }
  Image out(h, w);
  std::memcpy(out.rgb.data(), data, out.rgb.size());
  stbi_image_free(data);
  return out;
}

Image hstack(const std::vector<Image>& images) {
  int height = 0, width = 0;
  for (const Image& im : images) {
    height = std::max(height, im.height);
    width += im.width;
  }
  Image out(height, width);
  int x0 = 0;
  for (const Image& im : images) {
    for (int r = 0; r < im.height; ++r) {
      std::memcpy(out.at(r, x0), im.at(r, 0), static_cast<size_t>(im.width) * 3);
    }
    x0 += im.width;
  }
  return out;
}

Image vstack(const std::vector<Image>& images) {
  int height = 0, width = 0;
  for (const Image& im : images) {
    width = std::max(width, im.width);
    height += im.height;
  }
  Image out(height, width);
  int y0 = 0;
  for (const Image& im : images) {
    for (int r = 0; r < im.height; ++r) {
      std::memcpy(out.at(y0 + r, 0), im.at(r, 0), static_cast<size_t>(im.width) * 3);
    }
    y0 += im.height;
  }
  return out;
}

Image resize_nearest(const Image& image, int height, int width) {
  if (height < 1 || width < 1 || image.empty()) throw std::invalid_argument("resize_nearest: empty image or size");
  Image out(height, width);
  for (int r = 0; r < height; ++r)
    for (int c = 0; c < width; ++c) {
      const size_t src = (static_cast<size_t>(r * image.height / height) * image.width + c * image.width / width) * 3;
      std::copy_n(&image.rgb[src], 3, &out.rgb[(static_cast<size_t>(r) * width + c) * 3]);
    }
  return out;
}

Image resize_bilinear(const Image& image, int height, int width) {
  if (image.empty() || height < 1 || width < 1)
    throw std::invalid_argument("resize_bilinear: empty image or target size < 1");
  if (image.height == height && image.width == width) return image;
  Image out(height, width);
  const double sy = static_cast<double>(image.height) / height, sx = static_cast<double>(image.width) / width;
  for (int r = 0; r < height; ++r) {
    const double fy = std::clamp((r + 0.5) * sy - 0.5, 0.0, image.height - 1.0);
    const int y0 = static_cast<int>(fy), y1 = std::min(y0 + 1, image.height - 1);
    const double wy = fy - y0;
    for (int c = 0; c < width; ++c) {
      const double fx = std::clamp((c + 0.5) * sx - 0.5, 0.0, image.width - 1.0);
      const int x0 = static_cast<int>(fx), x1 = std::min(x0 + 1, image.width - 1);
      const double wx = fx - x0;
      for (int k = 0; k < 3; ++k) {
        const double v = (1 - wy) * ((1 - wx) * image.at(y0, x0)[k] + wx * image.at(y0, x1)[k]) +
                         wy * ((1 - wx) * image.at(y1, x0)[k] + wx * image.at(y1, x1)[k]);
        out.at(r, c)[k] = static_cast<uint8_t>(std::clamp(std::lround(v), 0L, 255L));
      }
    }
  }
  return out;
}

}  // namespace wambench
