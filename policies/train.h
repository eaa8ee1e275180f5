// `wambench train`: behaviour cloning of a learned policy from a demonstration file, on CPU with
// LibTorch. This header keeps LibTorch out of its includers.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "policies/validation_split.h"

namespace wambench {

/// Learned policy types `wambench train` can train: vla, bc_state, then the WAMs
/// (policies/wam_model.h wam_policy_names()).
const std::vector<std::string>& learned_policy_types();

struct TrainConfig {
  std::string policy = "vla";   ///< learned policy type (learned_policy_types())
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
  /// Image policies: train everything end to end for this many steps, then freeze the two image
  /// encoders (at their averaged weights), compute their features once for every training sample
  /// and train the rest of the network on those cached features for the remaining steps (no image
  /// shifts then). A frozen-encoder step costs a small fraction of an end-to-end step, so the
  /// action head gets the step budget a state-based policy needs. 0, or >= steps: end to end
  /// throughout. Staged training as in Levine et al., "End-to-End Training of Deep Visuomotor
  /// Policies", JMLR 2016 (vision layers trained first, with pose regression, then the policy).
  int encoder_steps = 0;
  /// Image policies, while the encoders train: weight of the auxiliary loss that regresses the
  /// normalized privileged state features (demo_dataset.h state_features: object poses, the
  /// indicator, object and target relative to the end effector) from the two encoders' features and
  /// the proprioception (a training-only MLP head, not stored; Levine et al. 2016's pose
  /// regression). The policy never sees the state when acting. 0: off; ignored (and recorded as 0)
  /// when the data file has no object states. >= 0.
  double aux_state_weight = 1.0;
  /// Decay of the exponential moving average of the weights, [0, 1) (0: the last weights). The
  /// checkpoint holds the averaged weights.
  double ema_decay = 0.999;
  /// Checkpoint selection: every `select_every` steps (and at the end) the averaged weights are
  /// written to a temporary checkpoint and `rollout_success(path)` returns their success rate in
  /// short rollouts (the CLI runs episodes from the demonstration seed range, never evaluation
  /// seeds); the best one is kept. 0 or no callback: the final averaged weights are kept.
  int select_every = 0;
  std::function<double(const std::string& checkpoint)> rollout_success;
  /// Called once, before the first optimizer step, when the validation split holds out no or few
  /// demonstrations (ValidationSplit::note: how many, the fraction, the flag that changes it).
  std::function<void(const std::string& note)> on_validation_note;
  std::string command;          ///< the command line, stored in the checkpoint
};

/// Progress after a validation pass.
struct TrainProgress {
  int step = 0, steps = 0;
  double train_loss = 0;  ///< mean over the steps since the last report
  /// Auxiliary state regression (TrainConfig::aux_state_weight), unweighted MSE of the normalized
  /// state features, mean over the steps since the last report that ran it (NaN: none did).
  double aux_state_loss = 0;
  double val_loss = 0;    ///< on the held-out demonstrations (NaN if none), averaged weights
  double rollout_success = -1;  ///< success rate of the selection rollouts at this step (-1: none)
  double steps_per_s = 0, eta_s = 0;
};

struct TrainResult {
  double train_loss = 0, val_loss = 0;
  int steps = 0;
  int64_t parameters = 0;
  double wall_s = 0;
  int train_demos = 0, val_demos = 0;
  double steps_per_s = 0;  ///< optimizer steps per second of wall time (training loop only)
  int selected_step = 0;   ///< the step whose averaged weights the checkpoint holds
  /// Validation of the kept weights: {"loss", "motion_mse", "gripper_bce", "gripper_accuracy",
  /// "motion_mse_by_dim", "motion_mse_by_task"}, for image policies also "blind" (the same with
  /// every image replaced by the training set's mean image) and, when the data has object states,
  /// "linear_probe" ({"r2_val", "r2_train"}: ridge regression from the frozen encoder features to
  /// the object position). Null without validation demonstrations.
  nlohmann::json validation;
  /// World-action models: prediction quality on the validation demonstrations (null otherwise):
  /// {"samples", "by_offset": [{"offset_steps", "latent_mse", "latent_mse_copy_last", "image_mse",
  /// "image_mse_copy_last", "image_mse_copy_last_decoded", "image_mse_reconstruction"}]} (train.cc
  /// world_model_metrics; "image_mse_copy_last_decoded" is the decoded latent of frame t).
  nlohmann::json world_model;
};

/// Trains and writes the checkpoint (policies/vla_model.h: weights, config, normalization,
/// training command, data hash, git commit, final losses).
/// `vla`'s and `bc_state`'s loss (policies/vla_model.h action_loss) is the mean squared error of the
/// six motion components plus the binary cross-entropy of the gripper logit against the
/// demonstrated open / close command, the chunk target of step t being actions t..t+H-1 of its
/// demonstration, the last action repeated past the end. Batches are balanced over tasks (a task
/// uniformly, then a step of it uniformly). Augmentation: random image shifts of up to S / 16 px
/// (replicate padding, DrQ-style). World-action models add their world-model and expert losses
/// (policies/wam_model.h wam_loss). The validation loss is the same for every policy: motion MSE +
/// gripper BCE of the chunk the policy would execute, with the averaged (EMA) weights.
/// @throws std::invalid_argument for bad settings (unknown policy, ranges),
/// std::runtime_error for an unreadable / incomplete data file or an unwritable checkpoint.
TrainResult train_policy(const TrainConfig& config, const std::function<void(const TrainProgress&)>& on_progress = nullptr);

}  // namespace wambench
