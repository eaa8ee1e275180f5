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
  int image_size = 64;          ///< network input (pixels, square); observations are pooled down to it
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
/// floored at 1e-3 so constant dimensions stay finite).
struct Normalization {
  std::array<float, kProprioDim> proprio_mean{}, proprio_std{};
  std::array<float, 7> action_mean{}, action_std{};
};
nlohmann::json to_json(const Normalization& n);
Normalization normalization_from_json(const nlohmann::json& j);
/// Statistics over every step of `demos`.
Normalization compute_normalization(const std::vector<Demo>& demos);

/// Hashed bag of words: lower-cased alphanumeric words of `text`, each hashed (FNV-1a, 64-bit) into
/// 0..buckets-1. Unseen words get a bucket like any other, so no instruction is out of vocabulary.
std::vector<int64_t> instruction_tokens(const std::string& text, int buckets);

/// Convolutional image encoder: [B, 3, S, S] float in [0, 1] -> [B, 128]. Four 3x3 stride-2
/// convolutions (32, 64, 128, 128 channels) with GroupNorm(8) and ReLU, then global average pooling.
struct ImageEncoderImpl : torch::nn::Module {
  ImageEncoderImpl();
  torch::Tensor forward(torch::Tensor images);
  torch::nn::Sequential net{nullptr};
};
TORCH_MODULE(ImageEncoder);

/// Proprioception encoder of every learned policy: [B, 15] -> Linear 64, ReLU, Linear 64, ReLU -> [B, 64].
torch::nn::Sequential make_proprio_encoder();
/// Instruction embedding of every learned policy: hashed bag-of-words bags (instruction_tokens) ->
/// mean of 64-d embeddings, [B, 64].
torch::nn::EmbeddingBag make_instruction_embedding(int buckets);

/// The `vla` network: (front, wrist, proprio, instruction) -> action chunk. Separate encoders for
/// the two cameras (128 each), proprio MLP (15 -> 64), instruction EmbeddingBag (mean, 64), concatenated
/// (384) into a 2-layer MLP (width) and a linear head to H x 7 normalized actions.
struct VlaNetImpl : torch::nn::Module {
  explicit VlaNetImpl(const ModelConfig& config);
  /// front, wrist: [B, 3, S, S] float in [0, 1]; proprio: [B, 15] normalized; tokens: 1-D int64
  /// (all instructions' tokens concatenated), offsets: [B] start of each instruction's tokens.
  /// Returns [B, H, 7] normalized actions.
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

/// A learned policy's network inputs from one observation.
struct ObservationTensors {
  torch::Tensor front, wrist;  ///< [1, 3, S, S] float in [0, 1]
  torch::Tensor proprio;       ///< [1, 15] normalized with the checkpoint's statistics
};
/// Converts an observation: the `front` and `wrist` images (square, a multiple k of S = image_size
/// pixels; k x k average-pooled down to S) and the proprioception (demo_dataset.h order).
/// @throws std::runtime_error naming `policy` for a missing camera or an image of another size.
ObservationTensors observation_tensors(const Observation& obs, int image_size, const Normalization& norm,
                                       const std::string& policy);

/// Un-normalizes a predicted chunk [H, 7] into actions clipped to [-1, 1].
/// @throws std::runtime_error naming `policy` if any value is not finite.
std::vector<Action> chunk_to_actions(const torch::Tensor& chunk, const Normalization& norm, const std::string& policy);

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

/// read_checkpoint + load_weights for the `vla` network.
/// @throws std::runtime_error as read_checkpoint and load_weights.
VlaNet load_checkpoint(const std::string& path, const std::string& expected_policy, CheckpointInfo* info);

}  // namespace wambench
