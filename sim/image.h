// RGB images as the project passes them around (DESIGN.md "Images").
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace wambench {

/// An H x W x 3 uint8 RGB image, row-major, row 0 is the TOP of the picture.
struct Image {
  int height = 0;             ///< rows (pixels)
  int width = 0;              ///< columns (pixels)
  std::vector<uint8_t> rgb;   ///< height * width * 3 bytes, [row][col][channel]

  Image() = default;
  Image(int h, int w) : height(h), width(w), rgb(static_cast<size_t>(h) * w * 3, 0) {}

  bool empty() const { return rgb.empty(); }
  /// Pointer to the 3 bytes of pixel (row, col); no bounds check.
  uint8_t* at(int row, int col) { return &rgb[(static_cast<size_t>(row) * width + col) * 3]; }
  const uint8_t* at(int row, int col) const {
    return &rgb[(static_cast<size_t>(row) * width + col) * 3];
  }
};

/// Writes `image` as an 8-bit RGB PNG (stb_image_write).
/// @throws std::runtime_error naming the path if the image is empty or the file cannot be written.
void write_png(const std::string& path, const Image& image);

/// Reads an 8-bit PNG as RGB (alpha dropped). @throws std::runtime_error naming the path.
Image read_png(const std::string& path);

/// Places images side by side (left to right) on a black canvas as tall as the tallest one.
Image hstack(const std::vector<Image>& images);

/// Nearest-neighbour resampling of `image` to height x width pixels (both >= 1).
Image resize_nearest(const Image& image, int height, int width);

/// Bilinear resampling of `image` to height x width pixels (pixel centres aligned, as PIL's
/// BILINEAR when upscaling; each channel rounded to the nearest integer). An image already that size
/// is returned unchanged. @throws std::invalid_argument for an empty image or a size < 1.
Image resize_bilinear(const Image& image, int height, int width);

/// Places images one above the other (top to bottom) on a black canvas as wide as the widest one.
Image vstack(const std::vector<Image>& images);

}  // namespace wambench
