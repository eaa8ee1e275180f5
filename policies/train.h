// `wambench train`: behaviour cloning of a learned policy from a demonstration file, on CPU with
// LibTorch. This header keeps LibTorch out of its includers.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include <nlohmann/json.hpp>

namespace wambench {

struct TrainConfig {
  std::string policy = "vla";   ///< learned policy type: vla or a WAM (policies/wam_model.h wam_policy_names())
  std::string data;             ///< `wambench collect` file
  std::string out;              ///< checkpoint path
  int steps = 20000;            ///< optimizer steps, >= 1
  int batch = 64;               ///< samples per step, >= 1
  uint64_t seed = 0;            ///< weights, data split and sampling
  double val_fraction = 0.1;    ///< demonstrations held out for the validation loss, [0, 0.5]
  double learning_rate = 3e-4;  ///< AdamW, cosine-decayed to 10 % over the run
  int threads = 2;              ///< LibTorch intra-op threads (results are deterministic per count)
  int eval_every = 500;         ///< steps between validation losses
  bool augment = true;          ///< random image shifts (see train_policy)
  std::string command;          ///< the command line, stored in the checkpoint
};

/// Progress after a validation pass.
struct TrainProgress {
  int step = 0, steps = 0;
  double train_loss = 0;  ///< mean over the steps since the last report
  double val_loss = 0;    ///< on the held-out demonstrations (NaN if none)
  double steps_per_s = 0, eta_s = 0;
};

struct TrainResult {
  double train_loss = 0, val_loss = 0;
  int steps = 0;
  int64_t parameters = 0;
  double wall_s = 0;
  int train_demos = 0, val_demos = 0;
  /// World-action models: prediction quality on the validation demonstrations (null otherwise):
  /// {"samples", "by_offset": [{"offset_steps", "latent_mse", "latent_mse_copy_last", "image_mse",
  /// "image_mse_copy_last", "image_mse_reconstruction"}]} (train.cc world_model_metrics).
  nlohmann::json world_model;
};

/// Trains and writes the checkpoint (policies/vla_model.h: weights, config, normalization,
/// training command, data hash, git commit, final losses).
/// `vla`'s loss is the mean squared error between predicted and demonstrated action chunks, in
/// normalized action units ((a - mean) / std per dimension), the chunk target of step t being
/// actions t..t+H-1 of its demonstration, the last action repeated past the end. Augmentation:
/// random image shifts of up to 4 px (replicate padding, DrQ-style). World-action models add their
/// world-model and expert losses (policies/wam_model.h wam_loss). The validation loss is the same for
/// every policy: the MSE of the chunk the policy would execute.
/// @throws std::invalid_argument for bad settings (unknown policy, ranges),
/// std::runtime_error for an unreadable / incomplete data file or an unwritable checkpoint.
TrainResult train_policy(const TrainConfig& config, const std::function<void(const TrainProgress&)>& on_progress = nullptr);

}  // namespace wambench
