// Demonstration datasets (`wambench collect` files, layout in eval/collect.h) read into memory for
// training. No LibTorch here: the trainer turns these arrays into tensors.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace wambench {

/// Proprioception vector of one step: ee_pos (3, m, world frame), ee_rot6d (6, the first two
/// columns of the EE rotation matrix, Zhou et al. 2019: continuous, unlike the quaternion whose sign
/// flips near w = 0), gripper_opening (1, m), joint_pos (7, rad), in that order.
inline constexpr int kProprioDim = 17;
/// Size of the privileged object state (sim/privileged.h PrivilegedState::object_state, kObjectStateDim).
inline constexpr int kStateDim = 11;
/// Size of the state features bc_state reads: the object state, then the object's and the
/// target's positions relative to the end effector (m, world frame). The servo a scripted expert
/// runs is a clipped linear function of exactly these differences, so giving them directly (as
/// egocentric / relative observations do, e.g. robosuite's "object-to-eef" features) spares the
/// network learning a subtraction of two separately normalized inputs.
inline constexpr int kStateFeatureDim = kStateDim + 6;

/// The state features (kStateFeatureDim floats): object_state (kStateDim) followed by
/// object_state[0:3] - ee_pos and object_state[5:8] - ee_pos (m, world frame).
std::array<float, kStateFeatureDim> state_features(const double* object_state, const double* ee_pos);

/// One demonstration: T steps.
struct Demo {
  std::string task, instruction;
  int steps = 0;                ///< T
  int front_size = 0;           ///< front images are front_size x front_size (pixels)
  int image_size = 0;           ///< wrist images are image_size x image_size (pixels)
  std::vector<uint8_t> front;   ///< T x front_size x front_size x 3, row 0 = top
  std::vector<uint8_t> wrist;   ///< T x image_size x image_size x 3
  std::vector<float> proprio;   ///< T x kProprioDim
  /// T x 7 action labels in [-1, 1]: the clean expert action of each step (with DART noise
  /// injection the executed action differed; it is stored separately in the file).
  std::vector<float> actions;
  /// T x kStateFeatureDim state features (state_features of obs/object_state and obs/ee_pos);
  /// empty if the file has no obs/object_state.
  std::vector<float> state_features;
  /// T coarse phase labels of the scripted expert (1 = interaction, 0 = transit), from
  /// data/demo_<i>/phases_coarse; empty if the file has none.
  std::vector<uint8_t> interaction;
};

/// Reads every data/demo_<i> of a collect file, pooling front images down to `front_size` and wrist
/// images down to `image_size` pixels by averaging k x k blocks (the stored size must be a multiple
/// k of each, k >= 1).
/// @throws std::runtime_error naming the file and, for a file missing required keys, every missing
/// key (e.g. "data/demo_3/obs/wrist_image"); std::invalid_argument if the stored image size is not a
/// multiple of `image_size`. `images` false: the image datasets must exist but are not read, and
/// every Demo's front / wrist stay empty (for policies without cameras, e.g. bc_state).
std::vector<Demo> read_demos(const std::string& path, int front_size, int image_size, bool images = true);

struct Observation;
/// The proprioception vector (kProprioDim, order above) of an observation.
std::vector<float> proprio_vector(const Observation& obs);

/// SHA-256 (hex) of a file's bytes, for checkpoints' provenance. @throws std::runtime_error if
/// unreadable.
std::string file_sha256(const std::string& path);

/// Averages k x k pixel blocks: `src` is n images of (size * k) x (size * k) x 3, the result n
/// images of size x size x 3 (rounded to nearest).
std::vector<uint8_t> pool_images(const uint8_t* src, int n, int size, int k);

}  // namespace wambench
