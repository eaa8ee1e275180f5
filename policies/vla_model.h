// The learned policies' shared building blocks (LibTorch; only policies/ includes this header):
// image encoder for `front` + `wrist`, proprioception encoder, instruction embedding, action-chunk
// head, and the `vla` network built from them; its checkpoint format.
#pragma once

#include <torch/torch.h>

#include <array>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "policies/demo_dataset.h"
#include "sim/env.h"

namespace wambench {

/// Architecture of a learned policy (stored in its checkpoint).
struct ModelConfig {
  /// `front` camera input (pixels, square): the full 128 px render, since a 4 cm object spans only
  /// 3-5 px at 64 px; the encoder's first layer is a stride-4 patch convolution, so it costs no more
  /// than a 64 px image with a stride-2 stem.
  int front_size = 128;
  int image_size = 64;          ///< `wrist` camera input and the WAM decoder's output (pixels, square); observations are pooled down
  int chunk = 8;                ///< H: actions predicted per query, [B, H, 7]
  int execute = 4;              ///< actions executed per query (receding horizon), 1..H
  int instruction_buckets = 1024;  ///< hashed bag-of-words vocabulary size
  int width = 256;              ///< hidden width of the fusion MLP
  // World-action models only (policies/wam_model.h); ignored by `vla`.
  int latent_dim = 64;          ///< D: size of the world model's visual latent
  int refine_iters = 3;         ///< harmowam: refinement iterations of the predictive expert, >= 0
  /// harmowam: which expert acts: "learned" (the process-adaptive gate), "predictive" or "reactive"
  /// (gate fixed, ablations), "schedule" (oracle phase schedule, ablation).
  std::string gate = "learned";
};
nlohmann::json to_json(const ModelConfig& c);
/// @throws std::runtime_error naming the bad field.
ModelConfig model_config_from_json(const nlohmann::json& j);

/// Normalization statistics computed from the training data (per-dimension mean and std; std is
/// floored at 1e-3 so constant dimensions stay finite). Actions are not standardized (mean 0,
/// std 1 stored): they are already in [-1, 1], and per-dimension standardization turned the rare
/// saturated rotations into ~10 sigma targets that dominated the loss.
struct Normalization {
  std::array<float, kProprioDim> proprio_mean{}, proprio_std{};
  std::array<float, 7> action_mean{}, action_std{};
  /// State features (demo_dataset.h state_features; bc_state only, 0 / 1 otherwise).
  std::array<float, kStateFeatureDim> state_mean{}, state_std{};
  /// Size of the state statistics as stored; a checkpoint of older state features (10 elements,
  /// before the indicator and the relative positions) reads with state_mean / state_std left at
  /// 0 / 1, which only bc_state uses (its loader refuses such a checkpoint).
  int stored_state_dim = kStateFeatureDim;
};
nlohmann::json to_json(const Normalization& n);
Normalization normalization_from_json(const nlohmann::json& j);
/// Statistics over every step of `demos`.
Normalization compute_normalization(const std::vector<Demo>& demos);

/// Hashed bag of words: lower-cased alphanumeric words of `text`, each hashed (FNV-1a, 64-bit) into
/// 0..buckets-1. Unseen words get a bucket like any other, so no instruction is out of vocabulary.
std::vector<int64_t> instruction_tokens(const std::string& text, int buckets);

/// Output size of ImageEncoder.
inline constexpr int kImageFeatureDim = 128;
/// Keypoints of the spatial softmax.
inline constexpr int kKeypoints = 32;

/// Convolutional image encoder that keeps where things are: [B, 3, S, S] float in [0, 1] ->
/// [B, 128]. The image gets two coordinate channels (x, y in [-1, 1]; CoordConv, Liu et al.,
/// NeurIPS 2018); a stem convolution with kernel = stride = S / 32 maps it to 32 x 32 x 32; a 3x3
/// stride-2 and a 3x3 stride-1 convolution (64 channels, GroupNorm(8), ReLU) give a 16 x 16 map;
/// a 1x1 convolution to 32 heat maps and a spatial softmax with a learned temperature give 32
/// expected image positions (x, y) (Levine et al., JMLR 2016; robomimic's SpatialSoftmax, Mandlekar
/// et al. 2021); these 64 numbers are concatenated with the 64 channels' global average (what is
/// there: colours, shapes). S must be 32 x a power of two (32, 64, 128, ...).
/// @throws std::invalid_argument for another S.
struct ImageEncoderImpl : torch::nn::Module {
  explicit ImageEncoderImpl(int size);
  /// [B, 3, S, S] images -> [B, 128] features. A [B, 128] tensor is taken as this encoder's
  /// features computed earlier and returned unchanged: the trainer's frozen-encoder stage feeds
  /// cached features through the same networks (policies/train.h TrainConfig::encoder_steps).
  /// @throws std::invalid_argument for a 2-D input whose width is not 128.
  torch::Tensor forward(torch::Tensor images);
  /// The 16 x 16 keypoint heat maps' softmax, [B, 32, 16, 16] (for inspection).
  torch::Tensor attention(torch::Tensor images);
  /// The trunk's output (coordinate channels added), [B, 64, 16, 16].
  torch::Tensor feature_map(const torch::Tensor& images);
  /// Softmax over positions of the keypoint maps of a feature map, [B, 32, 256].
  torch::Tensor softmax_maps(const torch::Tensor& features);
  int size;
  torch::nn::Sequential trunk{nullptr};
  torch::nn::Conv2d keypoints{nullptr};
  torch::Tensor log_temperature;
};
TORCH_MODULE(ImageEncoder);

/// Proprioception encoder of every learned policy: [B, 17] -> Linear 64, ReLU, Linear 64, ReLU -> [B, 64].
torch::nn::Sequential make_proprio_encoder();
/// Instruction embedding of every learned policy: hashed bag-of-words bags (instruction_tokens) ->
/// mean of 64-d embeddings, [B, 64].
torch::nn::EmbeddingBag make_instruction_embedding(int buckets);
/// Action-chunk head of every learned policy: in -> Linear(width), ReLU, Linear(width), ReLU,
/// Linear(H x 7).
torch::nn::Sequential make_chunk_head(int in, const ModelConfig& config);

/// The `vla` network: (front, wrist, proprio, instruction) -> action chunk. Separate encoders for
/// the two cameras (128 each), proprio MLP (17 -> 64), instruction EmbeddingBag (mean, 64), concatenated
/// (384) into a 2-layer MLP (width) and a linear head to H x 7 outputs: six motion components
/// (normalized action units) and the gripper's logit (> 0: close).
struct VlaNetImpl : torch::nn::Module {
  explicit VlaNetImpl(const ModelConfig& config);
  /// front: [B, 3, front_size, front_size], wrist: [B, 3, S, S], float in [0, 1]; proprio: [B, 17] normalized; tokens: 1-D int64
  /// (all instructions' tokens concatenated), offsets: [B] start of each instruction's tokens.
  /// Returns [B, H, 7]: normalized motion components and the gripper logit.
  torch::Tensor forward(torch::Tensor front, torch::Tensor wrist, torch::Tensor proprio, torch::Tensor tokens,
                        torch::Tensor offsets);
  ModelConfig config;
  ImageEncoder front_encoder{nullptr}, wrist_encoder{nullptr};
  torch::nn::Sequential proprio_encoder{nullptr};
  torch::nn::EmbeddingBag instruction{nullptr};
  torch::nn::Sequential head{nullptr};
};
TORCH_MODULE(VlaNet);

/// Batches uint8 images (n x S x S x 3, row 0 = top) into a [n, 3, S, S] float tensor in [0, 1].
torch::Tensor images_to_tensor(const uint8_t* images, int n, int size);

/// The privileged `bc_state` network (an upper bound for learners once vision is solved): proprio
/// MLP (17 -> 64), object state MLP (10 -> 64, Linear ReLU Linear ReLU), instruction EmbeddingBag
/// (64), concatenated (192) into the same head as `vla` (2-layer MLP of `width`, H x 7 outputs).
struct BcStateNetImpl : torch::nn::Module {
  explicit BcStateNetImpl(const ModelConfig& config);
  /// proprio: [B, 17] normalized; state: [B, kStateFeatureDim] normalized state features; tokens /
  /// offsets as VlaNetImpl.
  torch::Tensor forward(torch::Tensor proprio, torch::Tensor state, torch::Tensor tokens, torch::Tensor offsets);
  ModelConfig config;
  torch::nn::Sequential proprio_encoder{nullptr}, state_encoder{nullptr};
  torch::nn::EmbeddingBag instruction{nullptr};
  torch::nn::Sequential head{nullptr};
};
TORCH_MODULE(BcStateNet);

/// A learned policy's network inputs from one observation.
struct ObservationTensors {
  torch::Tensor front;    ///< [1, 3, front_size, front_size] float in [0, 1]
  torch::Tensor wrist;    ///< [1, 3, S, S] float in [0, 1]
  torch::Tensor proprio;  ///< [1, 17] normalized with the checkpoint's statistics
};
/// Converts an observation: the `front` and `wrist` images (square, a multiple k of front_size /
/// image_size pixels; k x k average-pooled down) and the proprioception (demo_dataset.h order).
/// @throws std::runtime_error naming `policy` for a missing camera or an image of another size.
ObservationTensors observation_tensors(const Observation& obs, const ModelConfig& config, const Normalization& norm,
                                       const std::string& policy);

/// A predicted chunk [H, 7] as actions: motion components un-normalized and clipped to [-1, 1]; the
/// gripper logit as the binary command, +1 (close) if > 0, else -1 (open).
/// @throws std::runtime_error naming `policy` if any value is not finite.
std::vector<Action> chunk_to_actions(const torch::Tensor& chunk, const Normalization& norm, const std::string& policy);

/// Per-action errors of predicted chunks [B, H, 7] (motion components normalized, gripper as a
/// logit) against demonstrated ones (normalized motion, gripper in {-1, +1}): `squared` [B, H], the
/// squared error summed over the six motion components; `gripper` [B, H], the binary cross-entropy
/// of the logit against "closed" (target > 0).
struct ActionErrors {
  torch::Tensor squared, gripper;
  /// Negative log-likelihood per action [B, H] up to a constant: unit-variance Gaussian motion
  /// (squared / 2) plus the Bernoulli gripper (gripper).
  torch::Tensor nll() const { return 0.5 * squared + gripper; }
};
ActionErrors action_errors(const torch::Tensor& predicted, const torch::Tensor& target);
/// Behaviour-cloning loss of every learned policy: mean squared error of the motion components
/// (mean over the six) plus the gripper's binary cross-entropy, averaged over batch and chunk.
torch::Tensor action_loss(const torch::Tensor& predicted, const torch::Tensor& target);
/// The gripper logit mapped to [-1, 1] (tanh(logit / 2) = 2 sigmoid(logit) - 1), so a predicted
/// chunk can be fed where demonstrated chunks (gripper -1 / +1) are (e.g. the latent dynamics).
torch::Tensor chunk_as_commands(const torch::Tensor& chunk);

/// Everything a checkpoint holds besides the weights.
struct CheckpointInfo {
  std::string policy = "vla";  ///< which policy type wrote it
  ModelConfig config;
  Normalization normalization;  ///< loading rejects a std that is not positive and finite
  nlohmann::json training = nlohmann::json::object();  ///< command, data hash, git commit, losses, steps
};

/// Writes weights + info (LibTorch archive; written to path + ".tmp", then renamed).
/// @throws std::runtime_error naming the file on an I/O error.
void save_checkpoint(const std::string& path, const torch::nn::Module& net, const CheckpointInfo& info);
template <typename M>
void save_checkpoint(const std::string& path, const torch::nn::ModuleHolder<M>& net, const CheckpointInfo& info) {
  save_checkpoint(path, *net, info);
}

/// Opens a checkpoint written by save_checkpoint for `expected_policy` and returns its info; the
/// weights stay in `archive` for load_weights.
/// @throws std::runtime_error naming the file: missing, truncated / not a checkpoint, written by
/// another policy type ("a 'wam_joint' checkpoint, not 'vla'"), malformed metadata, or a
/// normalization std that is not positive and finite.
CheckpointInfo read_checkpoint(const std::string& path, const std::string& expected_policy,
                               torch::serialize::InputArchive* archive);

/// Loads the weights of `archive` into `net` (built from the checkpoint's config) and puts it in
/// eval mode. @throws std::runtime_error naming `path` if the weights do not fit the architecture.
void load_weights(torch::serialize::InputArchive& archive, torch::nn::Module& net, const std::string& path,
                  const ModelConfig& config);

/// read_checkpoint + load_weights for the `bc_state` network.
BcStateNet load_bc_state_checkpoint(const std::string& path, CheckpointInfo* info);

/// read_checkpoint + load_weights for the `vla` network.
/// @throws std::runtime_error as read_checkpoint and load_weights.
VlaNet load_checkpoint(const std::string& path, const std::string& expected_policy, CheckpointInfo* info);

}  // namespace wambench
