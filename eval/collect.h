// Demonstration collection (`wambench collect`): the scripted experts on the train split, successful
// episodes only, written as one HDF5 file in the robomimic / LIBERO layout that h5py-based training
// code already reads:
//
//   data                      attrs: env_args (JSON text), total (samples in all demos),
//                                    format = "wambench-demos-1"
//   data/demo_<i>/actions     (T, 7) float64, normalized action labels (DESIGN.md "Actions"): the
//                             expert's clean action at each step
//   data/demo_<i>/executed_actions (T, 7) float64, the actions executed: the labels plus the DART
//                             noise (--noise; equal to actions without noise)
//   data/demo_<i>/obs/front_image, obs/wrist_image   (T, H, W, 3) uint8, gzip, one chunk per frame
//   data/demo_<i>/obs/ee_pos (T, 3), ee_quat (T, 4, w x y z), ee_rot6d (T, 6, sim/env.h),
//                              gripper_opening (T, 1), joint_pos (T, 7)
//                              float64, world frame, SI units: the observation the action answered
//   data/demo_<i>/obs/object_state (T, 10) float64: the privileged object state (tasks/task.h
//                              Task::object_state), for `bc_state` and encoder probes
//   data/demo_<i>/dones       (T,) uint8, 1 at the last step
//   data/demo_<i>/rewards     (T,) float64, the task's latched success after each step (sparse, 0/1)
//   data/demo_<i>/phases      (T,) fixed-length strings: fine state phase labels (reach, grasp, ...;
//                             Task::phase_from_state, the labels every policy is judged with)
//   data/demo_<i>/phases_coarse (T,) uint8: their coarse label, 0 transit, 1 interaction
//   data/demo_<i>/plan_phases (T,) fixed-length strings: the scripted expert's own stage ("expert plan")
//   data/demo_<i>/progress    (T,) int32: furthest sub-goal after each step
//                             attrs: num_samples (T), task, instruction, split, episode_index,
//                                    seed (the episode's seed), base_seed
//
// Demos i = 0.. are ordered by task (the order given), then by episode index. String attributes
// and phases are fixed-length ASCII (h5py returns bytes: .decode()).
//
// Seeds: evaluation uses base seeds in [0, 2^63) (eval/config.h); demonstrations use base seed
// kDemoBaseSeed + --seed, in [2^63, 2^64), so no demonstration episode is an evaluation episode.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace wambench {

/// Base seeds at or above this are reserved for demonstrations.
inline constexpr uint64_t kDemoBaseSeed = uint64_t{1} << 63;

struct CollectConfig {
  std::vector<std::string> tasks;  ///< task names (checked)
  std::string split = "train";     ///< must be "train": held-out splits stay unseen
  int episodes = 50;               ///< successful demonstrations per task, >= 1
  /// DART noise injection (Laskey et al., "DART: Noise Injection for Robust Imitation Learning",
  /// CoRL 2017): N(0, noise_std^2) is added to the six motion components of the executed action
  /// (normalized units, [0, 1]); the label stays the expert's clean action for the state reached,
  /// so the data shows how to recover from small deviations.
  double noise_std = 0.0;
  int workers = 2;                 ///< threads, >= 1 (never changes the file's content)
  uint64_t seed = 0;               ///< demo base seed = kDemoBaseSeed + seed; seed < 2^63
  int image_size = 128;            ///< camera images (pixels, square), 16..512: as evaluation renders them (EvalConfig::image_size)
  /// Give up on a task after this many attempts per requested demonstration (expert failures).
  int max_attempts_per_demo = 4;
  std::string out;                 ///< output .hdf5 path (written to out + ".tmp", then renamed)
};

/// What a collection did, per task and in total.
struct CollectSummary {
  struct Task {
    std::string name;
    int attempts = 0, kept = 0;
    int64_t samples = 0;  ///< control steps in the kept demos
  };
  std::vector<Task> tasks;
  int64_t samples = 0;
  double wall_s = 0;
  uintmax_t file_bytes = 0;
};

/// Runs the collection and writes the file. `on_progress(task, kept, wanted)` is called as demos
/// are kept. @throws std::invalid_argument for a bad config (unknown task, split other than
/// train, out-of-range numbers, existing output file), std::runtime_error if a task's expert fails
/// more than max_attempts_per_demo times per demo or the file cannot be written.
CollectSummary collect_demonstrations(const CollectConfig& config,
                                      const std::function<void(const std::string&, int, int)>& on_progress = nullptr);

}  // namespace wambench
