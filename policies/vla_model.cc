#include "policies/vla_model.h"

#include "policies/policy.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <map>
#include <stdexcept>

namespace wambench {
namespace nn = torch::nn;

nlohmann::json to_json(const ModelConfig& c) {
  return {{"front_size", c.front_size},
          {"image_size", c.image_size},
          {"chunk", c.chunk},
          {"execute", c.execute},
          {"instruction_buckets", c.instruction_buckets},
          {"width", c.width},
          {"latent_dim", c.latent_dim},
          {"refine_iters", c.refine_iters},
          {"gate", c.gate}};
}

ModelConfig model_config_from_json(const nlohmann::json& j) {
  ModelConfig c;
  try {
    c.front_size = j.at("front_size").get<int>();
    c.image_size = j.at("image_size").get<int>();
    c.chunk = j.at("chunk").get<int>();
    c.execute = j.at("execute").get<int>();
    c.instruction_buckets = j.at("instruction_buckets").get<int>();
    c.width = j.at("width").get<int>();
    c.latent_dim = j.value("latent_dim", c.latent_dim);
    c.refine_iters = j.value("refine_iters", c.refine_iters);
    c.gate = j.value("gate", c.gate);
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error(std::string("model config: ") + e.what());
  }
  if (c.image_size < 16 || c.front_size < 16 || c.chunk < 1 || c.execute < 1 || c.execute > c.chunk || c.instruction_buckets < 1 ||
      c.width < 8 || c.latent_dim < 4 || c.refine_iters < 0 || c.refine_iters > 32 ||
      (c.gate != "learned" && c.gate != "predictive" && c.gate != "reactive" && c.gate != "schedule"))
    throw std::runtime_error("model config out of range: " + to_json(c).dump());
  return c;
}

nlohmann::json to_json(const Normalization& n) {
  return {{"proprio_mean", n.proprio_mean}, {"proprio_std", n.proprio_std},
          {"action_mean", n.action_mean},   {"action_std", n.action_std},
          {"state_mean", n.state_mean},     {"state_std", n.state_std}};
}

Normalization normalization_from_json(const nlohmann::json& j) {
  Normalization n;
  try {
    n.proprio_mean = j.at("proprio_mean").get<std::array<float, kProprioDim>>();
    n.proprio_std = j.at("proprio_std").get<std::array<float, kProprioDim>>();
    n.action_mean = j.at("action_mean").get<std::array<float, 7>>();
    n.action_std = j.at("action_std").get<std::array<float, 7>>();
    const auto state_mean = j.at("state_mean").get<std::vector<float>>();
    const auto state_std = j.at("state_std").get<std::vector<float>>();
    n.stored_state_dim = static_cast<int>(state_mean.size());
    if (state_mean.size() == kStateFeatureDim && state_std.size() == kStateFeatureDim) {
      std::copy(state_mean.begin(), state_mean.end(), n.state_mean.begin());
      std::copy(state_std.begin(), state_std.end(), n.state_std.begin());
    } else {
      n.state_mean.fill(0.0f);
      n.state_std.fill(1.0f);
    }
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error(std::string("normalization: ") + e.what());
  }
  return n;
}

Normalization compute_normalization(const std::vector<Demo>& demos) {
  Normalization n;
  auto stats = [&](auto get, int dim, float* mean, float* stddev) {
    std::vector<double> sum(dim, 0.0), sq(dim, 0.0);
    double count = 0;
    for (const Demo& d : demos)
      for (int t = 0; t < d.steps; ++t) {
        for (int k = 0; k < dim; ++k) {
          const double v = get(d, t, k);
          sum[k] += v;
          sq[k] += v * v;
        }
        count += 1;
      }
    for (int k = 0; k < dim; ++k) {
      const double m = count > 0 ? sum[k] / count : 0.0;
      const double var = count > 0 ? std::max(0.0, sq[k] / count - m * m) : 1.0;
      mean[k] = static_cast<float>(m);
      stddev[k] = static_cast<float>(std::max(1e-3, std::sqrt(var)));
    }
  };
  stats([](const Demo& d, int t, int k) { return d.proprio[static_cast<size_t>(t) * kProprioDim + k]; }, kProprioDim,
        n.proprio_mean.data(), n.proprio_std.data());
  n.action_mean.fill(0.0f);  // actions are not standardized (vla_model.h Normalization)
  n.action_std.fill(1.0f);
  n.state_mean.fill(0.0f);
  n.state_std.fill(1.0f);
  const bool has_state =
      !demos.empty() && std::all_of(demos.begin(), demos.end(), [](const Demo& d) { return !d.state_features.empty(); });
  if (has_state)
    stats([](const Demo& d, int t, int k) { return d.state_features[static_cast<size_t>(t) * kStateFeatureDim + k]; },
          kStateFeatureDim, n.state_mean.data(), n.state_std.data());
  return n;
}

std::vector<int64_t> instruction_tokens(const std::string& text, int buckets) {
  std::vector<int64_t> tokens;
  std::string word;
  auto flush = [&] {
    if (word.empty()) return;
    uint64_t h = 1469598103934665603ULL;  // FNV-1a 64-bit offset basis
    for (unsigned char ch : word) {
      h ^= ch;
      h *= 1099511628211ULL;  // FNV prime
    }
    tokens.push_back(static_cast<int64_t>(h % static_cast<uint64_t>(buckets)));
    word.clear();
  };
  for (unsigned char ch : text) {
    if (std::isalnum(ch)) word += static_cast<char>(std::tolower(ch));
    else flush();
  }
  flush();
  if (tokens.empty()) tokens.push_back(0);  // EmbeddingBag needs at least one index per bag
  return tokens;
}

ImageEncoderImpl::ImageEncoderImpl(int s) : size(s) {
  if (s < 32 || s % 32 != 0 || ((s / 32) & (s / 32 - 1)) != 0)
    throw std::invalid_argument("image encoder: the input size must be 32 x a power of two (32, 64, 128, ...), got " +
                                std::to_string(s));
  const int patch = s / 32;
  trunk = nn::Sequential(nn::Conv2d(nn::Conv2dOptions(5, 32, patch).stride(patch)),  // -> 32 x 32
                         nn::GroupNorm(nn::GroupNormOptions(8, 32)), nn::ReLU(),
                         nn::Conv2d(nn::Conv2dOptions(32, 64, 3).stride(2).padding(1)),  // -> 16 x 16
                         nn::GroupNorm(nn::GroupNormOptions(8, 64)), nn::ReLU(),
                         nn::Conv2d(nn::Conv2dOptions(64, 64, 3).stride(1).padding(1)),
                         nn::GroupNorm(nn::GroupNormOptions(8, 64)), nn::ReLU());
  register_module("trunk", trunk);
  keypoints = register_module("keypoints", nn::Conv2d(nn::Conv2dOptions(64, kKeypoints, 1)));
  log_temperature = register_parameter("log_temperature", torch::zeros({1}));
}

namespace {
// Coordinate grid in [-1, 1] over n pixel centres.
torch::Tensor coordinates(int64_t n) { return torch::linspace(-1.0 + 1.0 / n, 1.0 - 1.0 / n, n); }
}  // namespace

torch::Tensor ImageEncoderImpl::feature_map(const torch::Tensor& images) {
  const int64_t B = images.size(0), S = images.size(2);
  const auto c = coordinates(S);
  const auto xs = c.view({1, 1, 1, S}).expand({B, 1, S, S});
  const auto ys = c.view({1, 1, S, 1}).expand({B, 1, S, S});
  return trunk->forward(torch::cat({images, xs, ys}, 1));  // [B, 64, 16, 16]
}

torch::Tensor ImageEncoderImpl::softmax_maps(const torch::Tensor& features) {
  return torch::softmax(keypoints->forward(features).flatten(2) / torch::exp(log_temperature), 2);  // [B, K, M*M]
}

torch::Tensor ImageEncoderImpl::attention(torch::Tensor images) {
  const auto features = feature_map(images);
  const int64_t M = features.size(2);
  return softmax_maps(features).view({images.size(0), kKeypoints, M, M});
}

torch::Tensor ImageEncoderImpl::forward(torch::Tensor images) {
  if (images.dim() == 2) {
    if (images.size(1) != kImageFeatureDim)
      throw std::invalid_argument("image encoder: precomputed features must be [B, " + std::to_string(kImageFeatureDim) +
                                  "], got [" + std::to_string(images.size(0)) + ", " + std::to_string(images.size(1)) + "]");
    return images;
  }
  const auto features = feature_map(images);
  const auto attention = softmax_maps(features);
  const int64_t M = features.size(2);
  const auto grid = coordinates(M);
  const auto px = grid.view({1, M}).expand({M, M}).reshape({M * M});  // x of each flattened cell
  const auto py = grid.view({M, 1}).expand({M, M}).reshape({M * M});
  const auto kx = (attention * px).sum(2), ky = (attention * py).sum(2);  // [B, K]
  return torch::cat({kx, ky, features.mean({2, 3})}, 1);                 // [B, 2K + 64] = [B, 128]
}

nn::Sequential make_proprio_encoder() {
  return nn::Sequential(nn::Linear(kProprioDim, 64), nn::ReLU(), nn::Linear(64, 64), nn::ReLU());
}

nn::EmbeddingBag make_instruction_embedding(int buckets) {
  return nn::EmbeddingBag(nn::EmbeddingBagOptions(buckets, 64).mode(torch::kMean));
}

nn::Sequential make_chunk_head(int in, const ModelConfig& c) {
  return nn::Sequential(nn::Linear(in, c.width), nn::ReLU(), nn::Linear(c.width, c.width), nn::ReLU(),
                        nn::Linear(c.width, c.chunk * 7));
}

ActionErrors action_errors(const torch::Tensor& predicted, const torch::Tensor& target) {
  ActionErrors e;
  e.squared = (predicted.narrow(2, 0, 6) - target.narrow(2, 0, 6)).pow(2).sum(2);
  const auto closed = (target.select(2, 6) > 0).to(torch::kFloat32);
  e.gripper = torch::binary_cross_entropy_with_logits(predicted.select(2, 6), closed, {}, {},
                                                      at::Reduction::None);
  return e;
}

torch::Tensor action_loss(const torch::Tensor& predicted, const torch::Tensor& target) {
  const ActionErrors e = action_errors(predicted, target);
  return e.squared.mean() / 6.0 + e.gripper.mean();
}

torch::Tensor chunk_as_commands(const torch::Tensor& chunk) {
  return torch::cat({chunk.narrow(2, 0, 6), torch::tanh(0.5 * chunk.narrow(2, 6, 1))}, 2);
}

VlaNetImpl::VlaNetImpl(const ModelConfig& c) : config(c) {
  front_encoder = register_module("front_encoder", ImageEncoder(c.front_size));
  wrist_encoder = register_module("wrist_encoder", ImageEncoder(c.image_size));
  proprio_encoder = register_module("proprio_encoder", make_proprio_encoder());
  instruction = register_module("instruction", make_instruction_embedding(c.instruction_buckets));
  head = register_module("head", make_chunk_head(2 * kImageFeatureDim + 64 + 64, c));
}

BcStateNetImpl::BcStateNetImpl(const ModelConfig& c) : config(c) {
  proprio_encoder = register_module("proprio_encoder", make_proprio_encoder());
  state_encoder = register_module("state_encoder",
                                  nn::Sequential(nn::Linear(kStateFeatureDim, 64), nn::ReLU(), nn::Linear(64, 64), nn::ReLU()));
  instruction = register_module("instruction", make_instruction_embedding(c.instruction_buckets));
  head = register_module("head", make_chunk_head(64 + 64 + 64, c));
}

torch::Tensor BcStateNetImpl::forward(torch::Tensor proprio, torch::Tensor state, torch::Tensor tokens,
                                      torch::Tensor offsets) {
  const auto features = torch::cat({proprio_encoder->forward(proprio), state_encoder->forward(state),
                                    instruction->forward(tokens, offsets)},
                                   1);
  return head->forward(features).view({-1, config.chunk, 7});
}

torch::Tensor VlaNetImpl::forward(torch::Tensor front, torch::Tensor wrist, torch::Tensor proprio, torch::Tensor tokens,
                                  torch::Tensor offsets) {
  const auto features = torch::cat({front_encoder->forward(front), wrist_encoder->forward(wrist),
                                    proprio_encoder->forward(proprio), instruction->forward(tokens, offsets)},
                                   1);
  return head->forward(features).view({-1, config.chunk, 7});
}

torch::Tensor images_to_tensor(const uint8_t* images, int n, int size) {
  auto t = torch::from_blob(const_cast<uint8_t*>(images), {n, size, size, 3}, torch::kUInt8);
  return t.permute({0, 3, 1, 2}).to(torch::kFloat32).div(255.0f).contiguous();
}

ObservationTensors observation_tensors(const Observation& obs, const ModelConfig& config, const Normalization& n,
                                       const std::string& policy) {
  auto image = [&](const char* camera, int S) {
    auto it = obs.images.find(camera);
    if (it == obs.images.end())
      throw std::runtime_error(policy + ": the observation has no '" + camera + "' image");
    const Image& im = it->second;
    if (im.height != im.width || im.height % S != 0)
      throw std::runtime_error(policy + ": '" + std::string(camera) + "' image is " + std::to_string(im.height) + "x" +
                               std::to_string(im.width) + "; needs a square multiple of " + std::to_string(S) + " px");
    const int k = im.height / S;
    const std::vector<uint8_t> pooled = k == 1 ? im.rgb : pool_images(im.rgb.data(), 1, S, k);
    return images_to_tensor(pooled.data(), 1, S);
  };
  std::vector<float> proprio = proprio_vector(obs);
  for (int k = 0; k < kProprioDim; ++k) proprio[k] = (proprio[k] - n.proprio_mean[k]) / n.proprio_std[k];
  return {image("front", config.front_size), image("wrist", config.image_size),
          torch::from_blob(proprio.data(), {1, kProprioDim}, torch::kFloat32).clone()};
}

std::vector<Action> chunk_to_actions(const torch::Tensor& chunk, const Normalization& n, const std::string& policy) {
  const auto c = chunk.contiguous().to(torch::kFloat32);
  const float* p = c.data_ptr<float>();
  std::vector<Action> out;
  for (int64_t h = 0; h < c.size(0); ++h) {
    Action a;
    for (int k = 0; k < kActionDim; ++k) {
      const double raw = p[h * 7 + k];
      if (!std::isfinite(raw)) throw std::runtime_error(policy + ": the network produced a non-finite action");
      a[k] = k == 6 ? (raw > 0 ? 1.0 : -1.0) : std::clamp(raw * n.action_std[k] + n.action_mean[k], -1.0, 1.0);
    }
    out.push_back(a);
  }
  return out;
}

void save_checkpoint(const std::string& path, const torch::nn::Module& net, const CheckpointInfo& info) {
  const std::string tmp = path + ".tmp";
  try {
    torch::serialize::OutputArchive archive;
    net.save(archive);
    const nlohmann::json meta = {{"format", "wambench-checkpoint-1"},
                                 {"policy", info.policy},
                                 {"config", to_json(info.config)},
                                 {"normalization", to_json(info.normalization)},
                                 {"training", info.training}};
    archive.write("wambench_meta", c10::IValue(meta.dump()));
    if (!std::filesystem::path(path).parent_path().empty())
      std::filesystem::create_directories(std::filesystem::path(path).parent_path());
    archive.save_to(tmp);
  } catch (const c10::Error& e) {
    throw std::runtime_error("cannot write checkpoint '" + path + "': " + e.what_without_backtrace());
  }
  std::filesystem::rename(tmp, path);
}

namespace {

// Loads the archive and parses its wambench_meta JSON.
nlohmann::json read_meta(const std::string& path, torch::serialize::InputArchive* archive) {
  if (!std::filesystem::is_regular_file(path)) throw std::runtime_error("no checkpoint file '" + path + "'");
  try {
    archive->load_from(path);
    c10::IValue value;
    if (!archive->try_read("wambench_meta", value) || !value.isString())
      throw std::runtime_error("'" + path + "' is not a wambench checkpoint (no wambench_meta)");
    return nlohmann::json::parse(value.toStringRef());
  } catch (const c10::Error& e) {
    throw std::runtime_error("'" + path + "' is not a readable checkpoint (truncated or corrupt): " +
                             e.what_without_backtrace());
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error("'" + path + "': malformed checkpoint metadata: " + e.what());
  }
}

}  // namespace

nlohmann::json checkpoint_metadata(const std::string& path) {
  torch::serialize::InputArchive archive;
  return read_meta(path, &archive);
}

CheckpointInfo read_checkpoint(const std::string& path, const std::string& expected_policy,
                               torch::serialize::InputArchive* archive) {
  const nlohmann::json meta = read_meta(path, archive);
  CheckpointInfo ci;
  try {
    ci.policy = meta.at("policy").get<std::string>();
    if (ci.policy != expected_policy)
      throw std::runtime_error("'" + path + "' is a '" + ci.policy + "' checkpoint, not '" + expected_policy + "'");
    ci.config = model_config_from_json(meta.at("config"));
    ci.normalization = normalization_from_json(meta.at("normalization"));
    const Normalization& n = ci.normalization;
    for (float v : n.proprio_std)
      if (!(v > 0 && std::isfinite(v))) throw std::runtime_error("'" + path + "': a proprio std is not positive");
    for (float v : n.action_std)
      if (!(v > 0 && std::isfinite(v))) throw std::runtime_error("'" + path + "': an action std is not positive");
    for (float v : n.state_std)
      if (!(v > 0 && std::isfinite(v))) throw std::runtime_error("'" + path + "': a state std is not positive");
    ci.training = meta.value("training", nlohmann::json::object());
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error("'" + path + "': malformed checkpoint metadata: " + e.what());
  }
  return ci;
}

void load_weights(torch::serialize::InputArchive& archive, torch::nn::Module& net, const std::string& path,
                  const ModelConfig& config) {
  std::map<std::string, std::vector<int64_t>> expected;
  for (const auto& p : net.named_parameters()) expected[p.key()] = p.value().sizes().vec();
  try {
    net.load(archive);  // replaces tensors without checking their shapes: checked below
    for (const auto& p : net.named_parameters())
      if (p.value().sizes().vec() != expected[p.key()])
        throw std::runtime_error("'" + path + "': the weights do not fit the architecture " +
                                 to_json(config).dump() + " (parameter " + p.key() + " has shape " +
                                 c10::str(p.value().sizes()) + ")");
  } catch (const c10::Error& e) {
    throw std::runtime_error("'" + path + "': the weights do not fit the architecture " + to_json(config).dump() +
                             ": " + e.what_without_backtrace());
  }
  net.eval();
}

BcStateNet load_bc_state_checkpoint(const std::string& path, CheckpointInfo* info) {
  torch::serialize::InputArchive archive;
  const CheckpointInfo ci = read_checkpoint(path, "bc_state", &archive);
  if (ci.normalization.stored_state_dim != kStateFeatureDim)
    throw std::runtime_error(path + ": its state features have " + std::to_string(ci.normalization.stored_state_dim) +
                             " elements, this version's have " + std::to_string(kStateFeatureDim) +
                             " (policies/demo_dataset.h state_features); train bc_state again on a file collected "
                             "by this version");
  BcStateNet net(ci.config);
  load_weights(archive, *net, path, ci.config);
  if (info) *info = ci;
  return net;
}

VlaNet load_checkpoint(const std::string& path, const std::string& expected_policy, CheckpointInfo* info) {
  torch::serialize::InputArchive archive;
  const CheckpointInfo ci = read_checkpoint(path, expected_policy, &archive);
  VlaNet net(ci.config);
  load_weights(archive, *net, path, ci.config);
  if (info) *info = ci;
  return net;
}

}  // namespace wambench
