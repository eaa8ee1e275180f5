#include "policies/train.h"

#include <algorithm>
#include <chrono>
#include <array>
#include <cmath>
#include <filesystem>
#include <limits>
#include <map>
#include <stdexcept>

#include <gperftools/malloc_extension.h>

#include "build_info/git_commit.h"
#include "policies/vla_model.h"
#include "policies/wam_model.h"
#include "sim/random.h"

namespace wambench {
namespace {

using Clock = std::chrono::steady_clock;

struct Sample {
  int demo, t;
};

// Assembles a batch: images [B,3,S,S] (shifted when `augment`), proprio [B,15] normalized,
// instruction tokens + offsets, target chunk [B,H,7] normalized; for world-action models also the
// frames future_offsets() steps later (last frame repeated past the end, never shifted: they are
// the world model's targets) and the coarse phase label
// of step t ([B], 1 = interaction; 0 where the file has no labels).
// With a FeatureCache, `front` / `wrist` (and the futures) hold the frozen encoders' features
// [B, 128] instead of images, and `front_pixels` the front images (world-action models' decoder
// target; undefined for other policies).
struct Batch {
  torch::Tensor front, wrist, proprio, state, tokens, offsets, target, interaction, front_pixels;
  std::vector<torch::Tensor> future_front, future_wrist;
  WamInputs inputs() const { return {front, wrist, proprio, tokens, offsets, interaction, front_pixels}; }
};

// The frozen encoders' features of every step of every demonstration of a Batcher: row
// first_row[d] + t is step t of demonstration d.
struct FeatureCache {
  torch::Tensor front, wrist;  // [N, 128] each
  std::vector<int64_t> first_row;
};

class Batcher {
 public:
  // `images` false: the batch's images stay all-zero (bc_state reads none; skips the copies).
  Batcher(const std::vector<Demo>& demos, const Normalization& norm, const ModelConfig& config,
          std::vector<int> futures, bool images = true)
      : demos_(demos), norm_(norm), config_(config), futures_(std::move(futures)), images_(images) {
    for (const Demo& d : demos) tokens_.push_back(instruction_tokens(d.instruction, config.instruction_buckets));
  }

  // Batches from now on carry `cache`'s features instead of images (nullptr: images again).
  void set_feature_cache(const FeatureCache* cache) { cache_ = cache; }

  Batch make(const std::vector<Sample>& samples, Rng* shift_rng) const {
    const int B = static_cast<int>(samples.size()), S = config_.image_size, SF = config_.front_size, H = config_.chunk;
    const size_t wrist_bytes = static_cast<size_t>(S) * S * 3, front_bytes = static_cast<size_t>(SF) * SF * 3;
    const bool cached = cache_ != nullptr && images_;
    // Front images are copied without a cache, or with one for the world models' decoder target.
    const bool copy_front = images_ && (!cached || !futures_.empty()), copy_wrist = images_ && !cached;
    // Without images (bc_state) the image buffers stay empty and the batch carries [B, 3, 0, 0].
    std::vector<uint8_t> front(copy_front ? B * front_bytes : 0), wrist(copy_wrist ? B * wrist_bytes : 0);
    std::vector<float> proprio(static_cast<size_t>(B) * kProprioDim), target(static_cast<size_t>(B) * H * 7),
        state(static_cast<size_t>(B) * kStateFeatureDim, 0.0f);
    std::vector<int64_t> tokens, offsets;
    const size_t F = futures_.size();
    std::vector<std::vector<uint8_t>> future_front(cached ? 0 : F, std::vector<uint8_t>(B * front_bytes)),
        future_wrist(cached ? 0 : F, std::vector<uint8_t>(B * wrist_bytes));
    std::vector<int64_t> rows;                              // cache rows of step t
    std::vector<std::vector<int64_t>> future_rows(cached ? F : 0);  // and of the future frames
    std::vector<float> interaction(B, 0.0f);
    for (int b = 0; b < B; ++b) {
      const Demo& d = demos_[samples[b].demo];
      const int t = samples[b].t;
      if (copy_front) std::copy_n(&d.front[t * front_bytes], front_bytes, &front[b * front_bytes]);
      if (copy_wrist) std::copy_n(&d.wrist[t * wrist_bytes], wrist_bytes, &wrist[b * wrist_bytes]);
      for (size_t k = 0; k < F; ++k) {
        const size_t src = static_cast<size_t>(std::min(t + futures_[k], d.steps - 1));
        if (cached) {
          future_rows[k].push_back(cache_->first_row[samples[b].demo] + static_cast<int64_t>(src));
          continue;
        }
        std::copy_n(&d.front[src * front_bytes], front_bytes, &future_front[k][b * front_bytes]);
        std::copy_n(&d.wrist[src * wrist_bytes], wrist_bytes, &future_wrist[k][b * wrist_bytes]);
      }
      if (cached) rows.push_back(cache_->first_row[samples[b].demo] + t);
      if (!d.interaction.empty()) interaction[b] = d.interaction[t] ? 1.0f : 0.0f;
      for (int k = 0; k < kProprioDim; ++k)
        proprio[b * kProprioDim + k] =
            (d.proprio[static_cast<size_t>(t) * kProprioDim + k] - norm_.proprio_mean[k]) / norm_.proprio_std[k];
      if (!d.state_features.empty())
        for (int k = 0; k < kStateFeatureDim; ++k)
          state[b * kStateFeatureDim + k] =
              (d.state_features[static_cast<size_t>(t) * kStateFeatureDim + k] - norm_.state_mean[k]) / norm_.state_std[k];
      for (int h = 0; h < H; ++h) {
        const int src = std::min(t + h, d.steps - 1);
        for (int k = 0; k < 7; ++k)
          target[(static_cast<size_t>(b) * H + h) * 7 + k] =
              (d.actions[static_cast<size_t>(src) * 7 + k] - norm_.action_mean[k]) / norm_.action_std[k];
      }
      offsets.push_back(static_cast<int64_t>(tokens.size()));
      const auto& tk = tokens_[samples[b].demo];
      tokens.insert(tokens.end(), tk.begin(), tk.end());
    }
    Batch batch;
    if (cached) {
      const auto index = torch::tensor(rows, torch::kInt64);
      batch.front = cache_->front.index_select(0, index);
      batch.wrist = cache_->wrist.index_select(0, index);
      if (copy_front) batch.front_pixels = images_to_tensor(front.data(), B, SF);
      for (size_t k = 0; k < F; ++k) {
        const auto future_index = torch::tensor(future_rows[k], torch::kInt64);
        batch.future_front.push_back(cache_->front.index_select(0, future_index));
        batch.future_wrist.push_back(cache_->wrist.index_select(0, future_index));
      }
    } else {
      batch.front = images_ ? images_to_tensor(front.data(), B, SF) : torch::zeros({B, 3, 0, 0});
      batch.wrist = images_ ? images_to_tensor(wrist.data(), B, S) : torch::zeros({B, 3, 0, 0});
      if (shift_rng && images_) {
        batch.front = shift(batch.front, shift_rng);
        batch.wrist = shift(batch.wrist, shift_rng);
      }
      for (size_t k = 0; k < F; ++k) {
        batch.future_front.push_back(images_to_tensor(future_front[k].data(), B, SF));
        batch.future_wrist.push_back(images_to_tensor(future_wrist[k].data(), B, S));
      }
    }
    batch.interaction = torch::from_blob(interaction.data(), {B}, torch::kFloat32).clone();
    batch.proprio = torch::from_blob(proprio.data(), {B, kProprioDim}, torch::kFloat32).clone();
    batch.state = torch::from_blob(state.data(), {B, kStateFeatureDim}, torch::kFloat32).clone();
    batch.target = torch::from_blob(target.data(), {B, H, 7}, torch::kFloat32).clone();
    batch.tokens = torch::tensor(tokens, torch::kInt64);
    batch.offsets = torch::tensor(offsets, torch::kInt64);
    return batch;
  }

 private:
  // Random translation by up to S / 16 pixels per image (replicate padding, then crop; DrQ,
  // Kostrikov et al. 2021: +-4 px at 84 px).
  static torch::Tensor shift(const torch::Tensor& images, Rng* rng) {
    namespace F = torch::nn::functional;
    const int64_t B = images.size(0), S = images.size(2), pad = std::max<int64_t>(1, S / 16);
    auto padded = F::pad(images, F::PadFuncOptions({pad, pad, pad, pad}).mode(torch::kReplicate));
    std::vector<torch::Tensor> out;
    for (int64_t b = 0; b < B; ++b) {
      const int64_t dy = static_cast<int64_t>(rng->uniform_index(2 * pad + 1));
      const int64_t dx = static_cast<int64_t>(rng->uniform_index(2 * pad + 1));
      out.push_back(padded[b].slice(1, dy, dy + S).slice(2, dx, dx + S));
    }
    return torch::stack(out);
  }

  const std::vector<Demo>& demos_;
  const Normalization& norm_;
  ModelConfig config_;
  std::vector<int> futures_;
  bool images_;
  std::vector<std::vector<int64_t>> tokens_;
  const FeatureCache* cache_ = nullptr;
};

// The network being trained, behind the things the loop needs.
struct Learner {
  std::shared_ptr<torch::nn::Module> module;
  std::function<torch::Tensor(const Batch&)> loss;     // training loss (scalar)
  std::function<torch::Tensor(const Batch&)> predict;  // [B, H, 7] chunk the policy executes (gripper: logit)
  /// Image-based policies: the two encoders' features [B, 256] (for the linear probe).
  std::function<torch::Tensor(const Batch&)> image_features;
  /// Image-based policies: the two image encoders (frozen by the staged training).
  std::vector<ImageEncoder> encoders;
  /// Training-only modules (the auxiliary state head; not in the checkpoint), trained with `module`.
  std::shared_ptr<torch::nn::Module> auxiliary;
  /// The auxiliary state loss (unweighted MSE) of the last training batch; NaN when it did not run.
  std::shared_ptr<double> auxiliary_loss = std::make_shared<double>(std::nan(""));
};

// Auxiliary state regression (TrainConfig::aux_state_weight): a training-only MLP from the two
// encoders' features and the proprioception to the normalized state features, MSE. Zero while the
// batch carries cached features (the encoders are frozen then) or without a head.
struct AuxiliaryState {
  torch::nn::Sequential head{nullptr};
  double weight = 0;
  std::shared_ptr<double> last = std::make_shared<double>(std::nan(""));  // unweighted MSE of the last call
  torch::Tensor operator()(const torch::Tensor& front_features, const torch::Tensor& wrist_features,
                           const Batch& b) const {
    if (!head || weight <= 0 || b.front.dim() != 4) return torch::zeros({});
    torch::nn::Sequential shared = head;  // a holder sharing the module (forward is not const)
    const auto predicted = shared->forward(torch::cat({front_features, wrist_features, b.proprio}, 1));
    const auto mse = torch::mse_loss(predicted, b.state);
    *last = mse.item<double>();
    return weight * mse;
  }
};

Learner make_learner(const std::string& policy, const ModelConfig& config, double aux_state_weight) {
  Learner l;
  // The auxiliary head is made first: its initialization draws from the seeded generator before
  // the policy's network does (the bundled checkpoints were trained so).
  AuxiliaryState aux;
  if (aux_state_weight > 0 && policy != "bc_state") {
    aux.head = torch::nn::Sequential(torch::nn::Linear(2 * kImageFeatureDim + kProprioDim, 128), torch::nn::ReLU(),
                                     torch::nn::Linear(128, kStateFeatureDim));
    aux.weight = aux_state_weight;
    l.auxiliary = aux.head.ptr();
    l.auxiliary_loss = aux.last;
  }
  if (policy == "vla") {
    VlaNet net(config);
    l.module = net.ptr();
    l.encoders = {net->front_encoder, net->wrist_encoder};
    l.predict = [net](const Batch& b) mutable { return net->forward(b.front, b.wrist, b.proprio, b.tokens, b.offsets); };
    l.loss = [net, aux](const Batch& b) mutable {
      const auto front = net->front_encoder->forward(b.front), wrist = net->wrist_encoder->forward(b.wrist);
      return action_loss(net->forward(front, wrist, b.proprio, b.tokens, b.offsets), b.target) + aux(front, wrist, b);
    };
    l.image_features = [net](const Batch& b) mutable {
      return torch::cat({net->front_encoder->forward(b.front), net->wrist_encoder->forward(b.wrist)}, 1);
    };
    return l;
  }
  if (policy == "bc_state") {
    BcStateNet net(config);
    l.module = net.ptr();
    l.predict = [net](const Batch& b) mutable { return net->forward(b.proprio, b.state, b.tokens, b.offsets); };
    l.loss = [net](const Batch& b) mutable {
      return action_loss(net->forward(b.proprio, b.state, b.tokens, b.offsets), b.target);
    };
    return l;
  }
  WamNet net(config, wam_kind(policy));
  l.module = net.ptr();
  l.encoders = {net->front_encoder, net->wrist_encoder};
  l.predict = [net](const Batch& b) mutable { return net->forward(b.inputs()).actions; };
  l.loss = [net, aux](const Batch& b) mutable {
    WamInputs in = b.inputs();
    in.front = net->front_encoder->forward(b.front);
    in.wrist = net->wrist_encoder->forward(b.wrist);
    if (!in.front_pixels.defined()) in.front_pixels = b.front;
    return wam_loss(net, in, b.target, b.future_front, b.future_wrist).total + aux(in.front, in.wrist, b);
  };
  l.image_features = [net](const Batch& b) mutable {
    return torch::cat({net->front_encoder->forward(b.front), net->wrist_encoder->forward(b.wrist)}, 1);
  };
  return l;
}

// Exponential moving average of a module's parameters (Polyak averaging as in Diffusion Policy,
// Chi et al. 2023), decay min(max_decay, (1 + step) / (10 + step)) so early averages forget the
// random initialization.
class Ema {
 public:
  Ema(torch::nn::Module& module, double max_decay) : module_(module), max_decay_(max_decay) {
    torch::NoGradGuard no_grad;
    for (const auto& p : module.parameters()) shadow_.push_back(p.detach().clone());
  }
  void update(int step) {
    torch::NoGradGuard no_grad;
    const double decay = std::min(max_decay_, (1.0 + step) / (10.0 + step));
    const auto params = module_.parameters();
    for (size_t i = 0; i < params.size(); ++i) shadow_[i].mul_(decay).add_(params[i].detach(), 1.0 - decay);
  }
  // Swaps the module's parameters with the averaged ones (call twice to swap back).
  void swap() {
    torch::NoGradGuard no_grad;
    const auto params = module_.parameters();
    for (size_t i = 0; i < params.size(); ++i) {
      auto live = params[i].detach().clone();
      params[i].copy_(shadow_[i]);
      shadow_[i] = live;
    }
  }
  std::vector<torch::Tensor> snapshot_of_module() const {
    std::vector<torch::Tensor> out;
    for (const auto& p : module_.parameters()) out.push_back(p.detach().clone());
    return out;
  }
  void load_into_module(const std::vector<torch::Tensor>& values) {
    torch::NoGradGuard no_grad;
    const auto params = module_.parameters();
    for (size_t i = 0; i < params.size(); ++i) params[i].copy_(values[i]);
  }

 private:
  torch::nn::Module& module_;
  double max_decay_;
  std::vector<torch::Tensor> shadow_;
};

// World-model prediction quality on held-out samples (mean squared errors): imagined latents vs
// the latents of the real future frames, and decoded imagined frames vs the real future front
// frames, each next to the copy-last-frame baseline (predict that nothing changes: the real frame t,
// and the decoded latent of frame t, which goes through the same decoder as the imagined one); also
// the decoder's reconstruction error of the real future latent (the floor of the decoded error).
nlohmann::json world_model_metrics(WamNet& net, const Batcher& batcher, const std::vector<Sample>& samples,
                                   const std::vector<int>& offsets) {
  torch::NoGradGuard no_grad;
  net->eval();
  const size_t F = offsets.size();
  std::vector<double> latent(F), latent_copy(F), image(F), image_copy(F), image_copy_decoded(F), recon(F);
  size_t n = 0;
  for (size_t i = 0; i < samples.size(); i += 128) {
    const std::vector<Sample> chunk(samples.begin() + i, samples.begin() + std::min(samples.size(), i + 128));
    const Batch b = batcher.make(chunk, nullptr);
    const WamOutput out = net->forward(b.inputs());
    const auto decoded_now = net->decode(out.z);
    for (size_t k = 0; k < F; ++k) {
      const auto real = net->encode(b.future_front[k], b.future_wrist[k]);
      const auto imagined = out.futures.select(1, static_cast<int64_t>(k));
      const double m = static_cast<double>(chunk.size());
      latent[k] += torch::mse_loss(imagined, real).item<double>() * m;
      latent_copy[k] += torch::mse_loss(out.z, real).item<double>() * m;
      const int S = net->config.image_size;
      const auto future = decoder_target(b.future_front[k], S);
      image[k] += torch::mse_loss(net->decode(imagined), future).item<double>() * m;
      image_copy[k] += torch::mse_loss(decoder_target(b.front, S), future).item<double>() * m;
      image_copy_decoded[k] += torch::mse_loss(decoded_now, future).item<double>() * m;
      recon[k] += torch::mse_loss(net->decode(real), future).item<double>() * m;
    }
    n += chunk.size();
  }
  net->train();
  nlohmann::json j = nlohmann::json::array();
  for (size_t k = 0; k < F; ++k) {
    const double d = static_cast<double>(std::max<size_t>(n, 1));
    j.push_back({{"offset_steps", offsets[k]},
                 {"latent_mse", latent[k] / d},
                 {"latent_mse_copy_last", latent_copy[k] / d},
                 {"image_mse", image[k] / d},
                 {"image_mse_copy_last", image_copy[k] / d},
                 {"image_mse_copy_last_decoded", image_copy_decoded[k] / d},
                 {"image_mse_reconstruction", recon[k] / d}});
  }
  return {{"samples", n}, {"by_offset", j}};
}


// Validation metrics of the chunk the policy would execute, on `samples` of `batcher`: motion MSE
// (mean over the six components), per component, per task, the gripper's binary cross-entropy and
// accuracy. `blind`: every image replaced by `mean_front` / `mean_wrist` (what the policy can do
// without vision).
nlohmann::json validation_metrics(Learner& learner, torch::nn::Module& net, const Batcher& batcher,
                                  const std::vector<Demo>& demos, const std::vector<Sample>& samples,
                                  const torch::Tensor& mean_front, const torch::Tensor& mean_wrist, bool blind) {
  torch::NoGradGuard no_grad;
  net.eval();
  std::array<double, 6> per_dim{};
  double bce = 0, correct = 0;
  std::map<std::string, std::pair<double, double>> per_task;  // task -> (sum of MSE, count)
  for (size_t i = 0; i < samples.size(); i += 256) {
    const std::vector<Sample> chunk(samples.begin() + i, samples.begin() + std::min(samples.size(), i + 256));
    Batch b = batcher.make(chunk, nullptr);
    if (blind) {
      b.front = mean_front.expand_as(b.front).contiguous();
      b.wrist = mean_wrist.expand_as(b.wrist).contiguous();
    }
    const auto pred = learner.predict(b);
    const auto diff = (pred.narrow(2, 0, 6) - b.target.narrow(2, 0, 6)).pow(2);  // [B, H, 6]
    const auto dims = diff.mean(1).sum(0);                                       // [6]
    for (int k = 0; k < 6; ++k) per_dim[k] += dims[k].item<double>();
    const auto per_sample = diff.mean({1, 2});
    for (size_t j = 0; j < chunk.size(); ++j) {
      auto& t = per_task[demos[chunk[j].demo].task];
      t.first += per_sample[static_cast<int64_t>(j)].item<double>();
      t.second += 1;
    }
    const ActionErrors e = action_errors(pred, b.target);
    bce += e.gripper.mean(1).sum().item<double>();
    correct += ((pred.select(2, 6) > 0) == (b.target.select(2, 6) > 0)).to(torch::kFloat32).mean(1).sum().item<double>();
  }
  net.train();
  const double n = std::max<double>(1.0, static_cast<double>(samples.size()));
  nlohmann::json dim_json = nlohmann::json::object();
  static const char* kNames[6] = {"dx", "dy", "dz", "droll", "dpitch", "dyaw"};
  double motion = 0;
  for (int k = 0; k < 6; ++k) {
    dim_json[kNames[k]] = per_dim[k] / n;
    motion += per_dim[k] / n / 6.0;
  }
  nlohmann::json task_json = nlohmann::json::object();
  for (const auto& [task, v] : per_task) task_json[task] = v.first / std::max(1.0, v.second);
  return {{"motion_mse", motion},        {"gripper_bce", bce / n}, {"gripper_accuracy", correct / n},
          {"loss", motion + bce / n},    {"motion_mse_by_dim", dim_json}, {"motion_mse_by_task", task_json}};
}

// Linear probe: ridge regression from the frozen image features to the object position
// (object_state[0:3], m), fitted on `train_samples`, R^2 on `val_samples` (pooled over x, y, z:
// 1 - SSE / SST, SST around the training mean).
nlohmann::json linear_probe(Learner& learner, torch::nn::Module& net, const Batcher& train_batcher,
                            const std::vector<Demo>& train, const std::vector<Sample>& train_samples,
                            const Batcher& val_batcher, const std::vector<Demo>& val,
                            const std::vector<Sample>& val_samples) {
  torch::NoGradGuard no_grad;
  net.eval();
  auto collect = [&](const Batcher& batcher, const std::vector<Demo>& demos, const std::vector<Sample>& samples) {
    std::vector<torch::Tensor> xs;
    std::vector<float> ys;
    for (size_t i = 0; i < samples.size(); i += 256) {
      const std::vector<Sample> chunk(samples.begin() + i, samples.begin() + std::min(samples.size(), i + 256));
      xs.push_back(learner.image_features(batcher.make(chunk, nullptr)));
      for (const Sample& s : chunk)
        for (int k = 0; k < 3; ++k) ys.push_back(demos[s.demo].state_features[static_cast<size_t>(s.t) * kStateFeatureDim + k]);
    }
    const auto x = torch::cat(xs, 0);
    return std::make_pair(torch::cat({x, torch::ones({x.size(0), 1})}, 1),
                          torch::from_blob(ys.data(), {x.size(0), 3}, torch::kFloat32).clone());
  };
  const auto [xt, yt] = collect(train_batcher, train, train_samples);
  const auto [xv, yv] = collect(val_batcher, val, val_samples);
  const auto gram = xt.t().mm(xt) + 1e-3 * static_cast<double>(xt.size(0)) * torch::eye(xt.size(1));
  const auto w = torch::linalg::solve(gram, xt.t().mm(yt), true);
  const auto mean = yt.mean(0, true);
  const double sse = (xv.mm(w) - yv).pow(2).sum().item<double>();
  const double sst = (yv - mean).pow(2).sum().item<double>();
  const double sse_train = (xt.mm(w) - yt).pow(2).sum().item<double>();
  const double sst_train = (yt - mean).pow(2).sum().item<double>();
  net.train();
  return {{"target", "object position (object_state[0:3], m)"},
          {"features", "front ++ wrist encoder outputs (256), frozen"},
          {"ridge", 1e-3},
          {"r2_val", 1.0 - sse / std::max(sst, 1e-12)},
          {"r2_train", 1.0 - sse_train / std::max(sst_train, 1e-12)}};
}

// The (frozen) encoders' features of every step of every demonstration of `batcher`, without
// image shifts, in batches of 256 (FeatureCache's row order).
FeatureCache compute_feature_cache(Learner& learner, const Batcher& batcher, const std::vector<Demo>& demos) {
  torch::NoGradGuard no_grad;
  FeatureCache cache;
  std::vector<Sample> all;
  for (size_t d = 0; d < demos.size(); ++d) {
    cache.first_row.push_back(static_cast<int64_t>(all.size()));
    for (int t = 0; t < demos[d].steps; ++t) all.push_back({static_cast<int>(d), t});
  }
  std::vector<torch::Tensor> front, wrist;
  for (size_t i = 0; i < all.size(); i += 256) {
    const std::vector<Sample> chunk(all.begin() + i, all.begin() + std::min(all.size(), i + 256));
    const Batch b = batcher.make(chunk, nullptr);
    front.push_back(learner.encoders.at(0)->forward(b.front));
    wrist.push_back(learner.encoders.at(1)->forward(b.wrist));
  }
  cache.front = torch::cat(front, 0);
  cache.wrist = torch::cat(wrist, 0);
  return cache;
}

}  // namespace

const std::vector<std::string>& learned_policy_types() {
  static const std::vector<std::string> kTypes = [] {
    std::vector<std::string> t = {"vla", "bc_state"};
    for (const std::string& n : wam_policy_names()) t.push_back(n);
    return t;
  }();
  return kTypes;
}

TrainResult train_policy(const TrainConfig& c, const std::function<void(const TrainProgress&)>& on_progress) {
  const auto& types = learned_policy_types();
  if (std::find(types.begin(), types.end(), c.policy) == types.end()) {
    std::string valid;
    for (const std::string& n : types) valid += (valid.empty() ? "" : ", ") + n;
    throw std::invalid_argument("train: unknown learned policy '" + c.policy + "'; valid: " + valid);
  }
  const bool wam = is_wam_policy(c.policy);
  const bool images = c.policy != "bc_state";
  if (c.steps < 1 || c.batch < 1 || c.threads < 1 || c.eval_every < 1)
    throw std::invalid_argument("train: --steps, --batch, --threads and eval_every must be >= 1");
  if (c.select_every < 0) throw std::invalid_argument("train: --select-every must be >= 0");
  if (c.encoder_steps < 0) throw std::invalid_argument("train: --encoder-steps must be >= 0 (0: end to end throughout)");
  if (!(c.aux_state_weight >= 0.0 && std::isfinite(c.aux_state_weight)))
    throw std::invalid_argument("train: --aux-state must be a finite weight >= 0 (0: off)");
  if (!(c.val_fraction >= 0.0 && c.val_fraction <= 0.5))
    throw std::invalid_argument("train: --val-fraction must be in [0, 0.5], got " + std::to_string(c.val_fraction));
  if (!(c.learning_rate > 0.0)) throw std::invalid_argument("train: the learning rate must be > 0");
  if (!(c.ema_decay >= 0.0 && c.ema_decay < 1.0))
    throw std::invalid_argument("train: --ema must be in [0, 1), got " + std::to_string(c.ema_decay));
  if (c.out.empty()) throw std::invalid_argument("train: --out is required");
  const auto t0 = Clock::now();
  // Keep freed memory in tcmalloc's page heap instead of returning it to the system: every step
  // allocates the same tensors again, and fresh pages cost a page fault each (gperftools'
  // MallocExtension; TCMALLOC_RELEASE_RATE=0 has the same effect).
  MallocExtension::instance()->SetMemoryReleaseRate(0.0);
  torch::manual_seed(c.seed);
  at::set_num_threads(c.threads);

  ModelConfig model_config;
  if (wam) model_config.gate = wam_gate(c.policy);
  const std::vector<int> futures = wam ? future_offsets(model_config) : std::vector<int>{};
  std::vector<Demo> all = read_demos(c.data, model_config.front_size, model_config.image_size, images);
  if (model_config.gate == "schedule")
    for (const Demo& d : all)
      if (d.interaction.empty())
        throw std::runtime_error(c.data + ": the schedule gate needs the coarse phase labels (data/demo_<i>/phases_coarse)");
  const bool have_state = std::all_of(all.begin(), all.end(), [](const Demo& d) { return !d.state_features.empty(); });
  if (c.policy == "bc_state" && !have_state)
    throw std::runtime_error(c.data + ": bc_state needs the privileged object state (data/demo_<i>/obs/object_state); "
                                      "collect the file again with this version of `wambench collect`");
  // Hold out whole demonstrations (a shuffled fraction) for the validation loss.
  Rng split_rng(c.seed ^ 0x5A17ULL);
  std::vector<int> order(all.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int>(i);
  for (size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[split_rng.uniform_index(i)]);
  const ValidationSplit validation_split = plan_validation_split(static_cast<int>(all.size()), c.val_fraction);
  if (!validation_split.note.empty() && c.on_validation_note) c.on_validation_note(validation_split.note);
  const size_t n_val = static_cast<size_t>(validation_split.val_demos);
  std::vector<Demo> train, val;
  for (size_t i = 0; i < order.size(); ++i) (i < n_val ? val : train).push_back(std::move(all[order[i]]));
  const Normalization norm = compute_normalization(train);

  // Per-task balanced sampling: pick a task uniformly, then a step of that task's demonstrations
  // uniformly, so a task with short episodes weighs as much as one with long episodes.
  std::map<std::string, std::vector<Sample>> by_task;
  std::vector<Sample> val_samples, train_probe;
  for (size_t d = 0; d < train.size(); ++d)
    for (int t = 0; t < train[d].steps; ++t) {
      by_task[train[d].task].push_back({static_cast<int>(d), t});
      if (t % 4 == 0) train_probe.push_back({static_cast<int>(d), t});
    }
  std::vector<const std::vector<Sample>*> task_samples;
  for (const auto& [task, samples] : by_task) task_samples.push_back(&samples);
  for (size_t d = 0; d < val.size(); ++d)
    for (int t = 0; t < val[d].steps; t += 4) val_samples.push_back({static_cast<int>(d), t});  // every 4th step

  const double aux_state_weight = images && have_state ? c.aux_state_weight : 0.0;
  Learner learner = make_learner(c.policy, model_config, aux_state_weight);
  torch::nn::Module& net = *learner.module;
  // AdamW over the parameters that train (all of them; without the frozen encoders later).
  auto make_optimizer = [&] {
    std::vector<torch::Tensor> params;
    for (const auto& p : net.parameters())
      if (p.requires_grad()) params.push_back(p);
    if (learner.auxiliary)
      for (const auto& p : learner.auxiliary->parameters()) params.push_back(p);
    return std::make_unique<torch::optim::AdamW>(params, torch::optim::AdamWOptions(c.learning_rate).weight_decay(1e-4));
  };
  auto optimizer = make_optimizer();
  Batcher train_batcher(train, norm, model_config, futures, images);
  const Batcher val_batcher(val, norm, model_config, futures, images);
  Rng sample_rng(c.seed ^ 0xBA7C4ULL), shift_rng(c.seed ^ 0x5417FULL);
  auto ema = std::make_unique<Ema>(net, c.ema_decay);
  const bool staged = images && c.encoder_steps > 0 && c.encoder_steps < c.steps;
  FeatureCache cache;
  double cache_s = 0;

  // Mean images of the training set (the blind baseline's input).
  torch::Tensor mean_front, mean_wrist;
  {
    std::vector<Sample> probe(train_probe.begin(), train_probe.begin() + std::min<size_t>(train_probe.size(), 1024));
    const Batch b = train_batcher.make(probe, nullptr);
    mean_front = b.front.mean(0, true);
    mean_wrist = b.wrist.mean(0, true);
  }

  TrainResult result;
  result.train_demos = static_cast<int>(train.size());
  result.val_demos = static_cast<int>(val.size());
  for (const auto& p : net.parameters()) result.parameters += p.numel();
  net.train();
  double loss_sum = 0, aux_sum = 0;
  int loss_count = 0, aux_count = 0;
  nlohmann::json selection = nlohmann::json::array();
  double best_success = -1;
  int best_step = 0;
  std::vector<torch::Tensor> best_weights;
  const auto train_start = Clock::now();
  for (int step = 1; step <= c.steps; ++step) {
    if (staged && step == c.encoder_steps + 1) {
      // Freeze the encoders at their averaged weights, cache their features, go on with the rest
      // (from the averaged weights, a fresh average and a fresh optimizer state).
      const auto cache_start = Clock::now();
      ema->swap();
      for (ImageEncoder& e : learner.encoders)
        for (auto& p : e->parameters()) p.set_requires_grad(false);
      cache = compute_feature_cache(learner, train_batcher, train);
      train_batcher.set_feature_cache(&cache);
      ema = std::make_unique<Ema>(net, c.ema_decay);
      optimizer = make_optimizer();
      cache_s = std::chrono::duration<double>(Clock::now() - cache_start).count();
    }
    // Cosine decay from the learning rate to 10 % of it.
    const double lr = c.learning_rate * (0.1 + 0.9 * 0.5 * (1 + std::cos(M_PI * (step - 1) / c.steps)));
    for (auto& group : optimizer->param_groups()) static_cast<torch::optim::AdamWOptions&>(group.options()).lr(lr);
    std::vector<Sample> samples(c.batch);
    for (Sample& s : samples) {
      const auto& pool = *task_samples[sample_rng.uniform_index(task_samples.size())];
      s = pool[sample_rng.uniform_index(pool.size())];
    }
    const Batch b = train_batcher.make(samples, c.augment && images ? &shift_rng : nullptr);
    *learner.auxiliary_loss = std::nan("");
    const auto loss = learner.loss(b);
    if (std::isfinite(*learner.auxiliary_loss)) {
      aux_sum += *learner.auxiliary_loss;
      ++aux_count;
    }
    if (!std::isfinite(loss.item<double>()))
      throw std::runtime_error("train: the loss became non-finite at step " + std::to_string(step));
    optimizer->zero_grad();
    loss.backward();
    optimizer->step();
    ema->update(step);
    loss_sum += loss.item<double>();
    ++loss_count;
    const bool report = step % c.eval_every == 0 || step == c.steps;
    const bool select = c.rollout_success && c.select_every > 0 && (step % c.select_every == 0 || step == c.steps);
    if (!report && !select) continue;
    ema->swap();  // evaluate the averaged weights
    TrainProgress p;
    p.step = step;
    p.steps = c.steps;
    p.train_loss = loss_sum / std::max(loss_count, 1);
    p.aux_state_loss = aux_count > 0 ? aux_sum / aux_count : std::numeric_limits<double>::quiet_NaN();
    p.val_loss = val_samples.empty()
                     ? std::numeric_limits<double>::quiet_NaN()
                     : validation_metrics(learner, net, val_batcher, val, val_samples, mean_front, mean_wrist, false)
                           .at("loss")
                           .get<double>();
    if (select) {
      const std::string candidate = c.out + ".candidate";
      CheckpointInfo info;
      info.policy = c.policy;
      info.config = model_config;
      info.normalization = norm;
      info.training = {{"candidate_step", step}};
      save_checkpoint(candidate, net, info);
      const double success = c.rollout_success(candidate);
      std::filesystem::remove(candidate);
      selection.push_back({{"step", step}, {"success_rate", success}});
      p.rollout_success = success;
      if (success > best_success) {
        best_success = success;
        best_step = step;
        best_weights = ema->snapshot_of_module();
      }
    }
    ema->swap();
    const double elapsed = std::chrono::duration<double>(Clock::now() - train_start).count();
    p.steps_per_s = step / std::max(elapsed, 1e-9);
    p.eta_s = (c.steps - step) / std::max(p.steps_per_s, 1e-9);
    result.train_loss = p.train_loss;
    loss_sum = 0;
    loss_count = 0;
    aux_sum = 0;
    aux_count = 0;
    if (on_progress) on_progress(p);
  }
  result.steps_per_s = c.steps / std::max(std::chrono::duration<double>(Clock::now() - train_start).count(), 1e-9);
  result.steps = c.steps;
  // The checkpoint: the averaged weights, or those of the best rollout evaluation.
  ema->swap();
  if (!best_weights.empty()) ema->load_into_module(best_weights);
  result.selected_step = best_weights.empty() ? c.steps : best_step;
  if (!val_samples.empty()) {
    result.validation = validation_metrics(learner, net, val_batcher, val, val_samples, mean_front, mean_wrist, false);
    result.val_loss = result.validation.at("loss").get<double>();
    if (images) {
      result.validation["blind"] =
          validation_metrics(learner, net, val_batcher, val, val_samples, mean_front, mean_wrist, true);
      if (have_state)
        result.validation["linear_probe"] =
            linear_probe(learner, net, train_batcher, train, train_probe, val_batcher, val, val_samples);
    }
  } else {
    result.val_loss = std::numeric_limits<double>::quiet_NaN();
  }
  if (wam && !val_samples.empty()) {
    WamNet wam_net(std::dynamic_pointer_cast<WamNetImpl>(learner.module));
    result.world_model = world_model_metrics(wam_net, val_batcher, val_samples, futures);
  }
  CheckpointInfo info;
  info.policy = c.policy;
  info.config = model_config;
  info.normalization = norm;
  info.training = {{"command", c.command},
                   {"data", c.data},
                   {"data_sha256", file_sha256(c.data)},
                   {"git_commit", git_commit()},
                   {"steps", c.steps},
                   {"batch", c.batch},
                   {"seed", c.seed},
                   {"threads", c.threads},
                   {"learning_rate", c.learning_rate},
                   {"ema_decay", c.ema_decay},
                   {"augment", c.augment},
                   {"encoder_steps", staged ? c.encoder_steps : 0},
                   {"feature_cache_s", cache_s},
                   {"aux_state_weight", aux_state_weight},
                   {"sampling", "per-task balanced"},
                   {"train_demos", result.train_demos},
                   {"val_demos", result.val_demos},
                   {"validation_split", to_json(validation_split)},
                   {"final_train_loss", result.train_loss},
                   {"final_val_loss", std::isnan(result.val_loss) ? nlohmann::json(nullptr) : nlohmann::json(result.val_loss)},
                   {"steps_per_s", result.steps_per_s},
                   {"parameters", result.parameters},
                   {"selected_step", result.selected_step},
                   {"rollout_selection", selection},
                   {"loss", wam ? "policies/wam_model.h (action + world model + reconstruction)"
                                : "motion MSE + gripper binary cross-entropy (policies/vla_model.h action_loss)"},
                   {"val_loss", "motion MSE + gripper BCE of the executed chunk, averaged weights"}};
  // No validation is recorded as such ("none"), with the reason under "validation_split".
  info.training["validation"] = result.validation.is_null() ? nlohmann::json("none") : result.validation;
  if (!result.world_model.is_null()) info.training["world_model_eval"] = result.world_model;
  save_checkpoint(c.out, net, info);
  result.wall_s = std::chrono::duration<double>(Clock::now() - t0).count();
  return result;
}

}  // namespace wambench
