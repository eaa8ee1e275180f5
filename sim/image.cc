#include "sim/image.h"

#include <algorithm>
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

}  // namespace wambench
