// Demonstration datasets (`wambench collect` files, layout in eval/collect.h) read into memory for
// training. No LibTorch here: the trainer turns these arrays into tensors.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace wambench {

/// Proprioception vector of one step: ee_pos (3, m), ee_quat (4, w x y z), gripper_opening (1, m),
/// joint_pos (7, rad), in that order.
inline constexpr int kProprioDim = 15;

/// One demonstration: T steps.
struct Demo {
  std::string task, instruction;
  int steps = 0;                ///< T
  int image_size = 0;           ///< images are image_size x image_size (pixels)
  std::vector<uint8_t> front;   ///< T x H x W x 3, row 0 = top
  std::vector<uint8_t> wrist;   ///< T x H x W x 3
  std::vector<float> proprio;   ///< T x kProprioDim
  std::vector<float> actions;   ///< T x 7, normalized actions in [-1, 1]
  /// T coarse phase labels of the scripted expert (1 = interaction, 0 = transit), from
  /// data/demo_<i>/phases_coarse; empty if the file has none.
  std::vector<uint8_t> interaction;
};

/// Reads every data/demo_<i> of a collect file, pooling images down to `image_size` pixels by
/// averaging k x k blocks (the stored size must be a multiple k of it, k >= 1).
/// @throws std::runtime_error naming the file and, for a file missing required keys, every missing
/// key (e.g. "data/demo_3/obs/wrist_image"); std::invalid_argument if the stored image size is not a
/// multiple of `image_size`.
std::vector<Demo> read_demos(const std::string& path, int image_size);

/// SHA-256 (hex) of a file's bytes, for checkpoints' provenance. @throws std::runtime_error if
/// unreadable.
std::string file_sha256(const std::string& path);

/// Averages k x k pixel blocks: `src` is n images of (size * k) x (size * k) x 3, the result n
/// images of size x size x 3 (rounded to nearest).
std::vector<uint8_t> pool_images(const uint8_t* src, int n, int size, int k);

}  // namespace wambench
