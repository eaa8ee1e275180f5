#include "policies/train.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "policies/vla_model.h"
#include "policies/wam_model.h"
#include "sim/random.h"

#ifndef WAMBENCH_GIT_COMMIT
#define WAMBENCH_GIT_COMMIT "unknown"
#endif

namespace wambench {
namespace {

using Clock = std::chrono::steady_clock;
constexpr int kShiftPx = 4;

struct Sample {
  int demo, t;
};

// Assembles a batch: images [B,3,S,S] (shifted when `augment`), proprio [B,15] normalized,
// instruction tokens + offsets, target chunk [B,H,7] normalized; for world-action models also the
// frames future_offsets() steps later (last frame repeated past the end, never shifted: they are
// the world model's targets) and the coarse phase label
// of step t ([B], 1 = interaction; 0 where the file has no labels).
struct Batch {
  torch::Tensor front, wrist, proprio, tokens, offsets, target, interaction;
  std::vector<torch::Tensor> future_front, future_wrist;
  WamInputs inputs() const { return {front, wrist, proprio, tokens, offsets, interaction}; }
};

class Batcher {
 public:
  Batcher(const std::vector<Demo>& demos, const Normalization& norm, const ModelConfig& config,
          std::vector<int> futures)
      : demos_(demos), norm_(norm), config_(config), futures_(std::move(futures)) {
    for (const Demo& d : demos) tokens_.push_back(instruction_tokens(d.instruction, config.instruction_buckets));
  }

  Batch make(const std::vector<Sample>& samples, Rng* shift_rng) const {
    const int B = static_cast<int>(samples.size()), S = config_.image_size, H = config_.chunk;
    const size_t image_bytes = static_cast<size_t>(S) * S * 3;
    std::vector<uint8_t> front(B * image_bytes), wrist(B * image_bytes);
    std::vector<float> proprio(static_cast<size_t>(B) * kProprioDim), target(static_cast<size_t>(B) * H * 7);
    std::vector<int64_t> tokens, offsets;
    const size_t F = futures_.size();
    std::vector<std::vector<uint8_t>> future_front(F, std::vector<uint8_t>(B * image_bytes)),
        future_wrist(F, std::vector<uint8_t>(B * image_bytes));
    std::vector<float> interaction(B, 0.0f);
    for (int b = 0; b < B; ++b) {
      const Demo& d = demos_[samples[b].demo];
      const int t = samples[b].t;
      std::copy_n(&d.front[t * image_bytes], image_bytes, &front[b * image_bytes]);
      std::copy_n(&d.wrist[t * image_bytes], image_bytes, &wrist[b * image_bytes]);
      for (size_t k = 0; k < F; ++k) {
        const size_t src = static_cast<size_t>(std::min(t + futures_[k], d.steps - 1));
        std::copy_n(&d.front[src * image_bytes], image_bytes, &future_front[k][b * image_bytes]);
        std::copy_n(&d.wrist[src * image_bytes], image_bytes, &future_wrist[k][b * image_bytes]);
      }
      if (!d.interaction.empty()) interaction[b] = d.interaction[t] ? 1.0f : 0.0f;
      for (int k = 0; k < kProprioDim; ++k)
        proprio[b * kProprioDim + k] =
            (d.proprio[static_cast<size_t>(t) * kProprioDim + k] - norm_.proprio_mean[k]) / norm_.proprio_std[k];
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
    batch.front = images_to_tensor(front.data(), B, S);
    batch.wrist = images_to_tensor(wrist.data(), B, S);
    if (shift_rng) {
      batch.front = shift(batch.front, shift_rng);
      batch.wrist = shift(batch.wrist, shift_rng);
    }
    for (size_t k = 0; k < F; ++k) {
      batch.future_front.push_back(images_to_tensor(future_front[k].data(), B, S));
      batch.future_wrist.push_back(images_to_tensor(future_wrist[k].data(), B, S));
    }
    batch.interaction = torch::from_blob(interaction.data(), {B}, torch::kFloat32).clone();
    batch.proprio = torch::from_blob(proprio.data(), {B, kProprioDim}, torch::kFloat32).clone();
    batch.target = torch::from_blob(target.data(), {B, H, 7}, torch::kFloat32).clone();
    batch.tokens = torch::tensor(tokens, torch::kInt64);
    batch.offsets = torch::tensor(offsets, torch::kInt64);
    return batch;
  }

 private:
  // Random translation by up to kShiftPx pixels per image (replicate padding, then crop).
  static torch::Tensor shift(const torch::Tensor& images, Rng* rng) {
    namespace F = torch::nn::functional;
    const int64_t B = images.size(0), S = images.size(2);
    auto padded = F::pad(images, F::PadFuncOptions({kShiftPx, kShiftPx, kShiftPx, kShiftPx}).mode(torch::kReplicate));
    std::vector<torch::Tensor> out;
    for (int64_t b = 0; b < B; ++b) {
      const int64_t dy = static_cast<int64_t>(rng->uniform_index(2 * kShiftPx + 1));
      const int64_t dx = static_cast<int64_t>(rng->uniform_index(2 * kShiftPx + 1));
      out.push_back(padded[b].slice(1, dy, dy + S).slice(2, dx, dx + S));
    }
    return torch::stack(out);
  }

  const std::vector<Demo>& demos_;
  const Normalization& norm_;
  ModelConfig config_;
  std::vector<int> futures_;
  std::vector<std::vector<int64_t>> tokens_;
};

// The network being trained, behind the three things the loop needs.
struct Learner {
  std::shared_ptr<torch::nn::Module> module;
  std::function<torch::Tensor(const Batch&)> loss;     // training loss (scalar)
  std::function<torch::Tensor(const Batch&)> predict;  // [B, H, 7] normalized chunk the policy executes
};

Learner make_learner(const std::string& policy, const ModelConfig& config) {
  Learner l;
  if (policy == "vla") {
    VlaNet net(config);
    l.module = net.ptr();
    l.predict = [net](const Batch& b) mutable { return net->forward(b.front, b.wrist, b.proprio, b.tokens, b.offsets); };
    l.loss = [net](const Batch& b) mutable {
      return torch::mse_loss(net->forward(b.front, b.wrist, b.proprio, b.tokens, b.offsets), b.target);
    };
    return l;
  }
  WamNet net(config, wam_kind(policy));
  l.module = net.ptr();
  l.predict = [net](const Batch& b) mutable { return net->forward(b.inputs()).actions; };
  l.loss = [net](const Batch& b) mutable {
    return wam_loss(net, b.inputs(), b.target, b.future_front, b.future_wrist).total;
  };
  return l;
}

// World-model prediction quality on held-out samples (mean squared errors): imagined latents vs
// the latents of the real future frames, and decoded imagined frames vs the real future front
// frames, each next to the copy-last-frame baseline (predict that nothing changes); also the
// decoder's reconstruction error of the real future latent (the floor of the decoded error).
nlohmann::json world_model_metrics(WamNet& net, const Batcher& batcher, const std::vector<Sample>& samples,
                                   const std::vector<int>& offsets) {
  torch::NoGradGuard no_grad;
  net->eval();
  const size_t F = offsets.size();
  std::vector<double> latent(F), latent_copy(F), image(F), image_copy(F), recon(F);
  size_t n = 0;
  for (size_t i = 0; i < samples.size(); i += 128) {
    const std::vector<Sample> chunk(samples.begin() + i, samples.begin() + std::min(samples.size(), i + 128));
    const Batch b = batcher.make(chunk, nullptr);
    const WamOutput out = net->forward(b.inputs());
    for (size_t k = 0; k < F; ++k) {
      const auto real = net->encode(b.future_front[k], b.future_wrist[k]);
      const auto imagined = out.futures.select(1, static_cast<int64_t>(k));
      const double m = static_cast<double>(chunk.size());
      latent[k] += torch::mse_loss(imagined, real).item<double>() * m;
      latent_copy[k] += torch::mse_loss(out.z, real).item<double>() * m;
      image[k] += torch::mse_loss(net->decode(imagined), b.future_front[k]).item<double>() * m;
      image_copy[k] += torch::mse_loss(b.front, b.future_front[k]).item<double>() * m;
      recon[k] += torch::mse_loss(net->decode(real), b.future_front[k]).item<double>() * m;
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
                 {"image_mse_reconstruction", recon[k] / d}});
  }
  return {{"samples", n}, {"by_offset", j}};
}

}  // namespace

TrainResult train_policy(const TrainConfig& c, const std::function<void(const TrainProgress&)>& on_progress) {
  const bool wam = is_wam_policy(c.policy);
  if (c.policy != "vla" && !wam) {
    std::string valid = "vla";
    for (const std::string& n : wam_policy_names()) valid += ", " + n;
    throw std::invalid_argument("train: unknown learned policy '" + c.policy + "'; valid: " + valid);
  }
  if (c.steps < 1 || c.batch < 1 || c.threads < 1 || c.eval_every < 1)
    throw std::invalid_argument("train: --steps, --batch, --threads and eval_every must be >= 1");
  if (!(c.val_fraction >= 0.0 && c.val_fraction <= 0.5))
    throw std::invalid_argument("train: --val-fraction must be in [0, 0.5], got " + std::to_string(c.val_fraction));
  if (!(c.learning_rate > 0.0)) throw std::invalid_argument("train: the learning rate must be > 0");
  if (c.out.empty()) throw std::invalid_argument("train: --out is required");
  const auto t0 = Clock::now();
  torch::manual_seed(c.seed);
  at::set_num_threads(c.threads);

  ModelConfig model_config;
  if (wam) model_config.gate = wam_gate(c.policy);
  const std::vector<int> futures = wam ? future_offsets(model_config) : std::vector<int>{};
  std::vector<Demo> all = read_demos(c.data, model_config.image_size);
  if (model_config.gate == "schedule")
    for (const Demo& d : all)
      if (d.interaction.empty())
        throw std::runtime_error(c.data + ": the schedule gate needs the coarse phase labels (data/demo_<i>/phases_coarse)");
  // Hold out whole demonstrations (a shuffled fraction) for the validation loss.
  Rng split_rng(c.seed ^ 0x5A17ULL);
  std::vector<int> order(all.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int>(i);
  for (size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[split_rng.uniform_index(i)]);
  const size_t n_val = std::min(all.size() - 1, static_cast<size_t>(std::llround(c.val_fraction * all.size())));
  std::vector<Demo> train, val;
  for (size_t i = 0; i < order.size(); ++i) (i < n_val ? val : train).push_back(std::move(all[order[i]]));
  const Normalization norm = compute_normalization(train);

  std::vector<Sample> train_samples, val_samples;
  for (size_t d = 0; d < train.size(); ++d)
    for (int t = 0; t < train[d].steps; ++t) train_samples.push_back({static_cast<int>(d), t});
  for (size_t d = 0; d < val.size(); ++d)
    for (int t = 0; t < val[d].steps; t += 4) val_samples.push_back({static_cast<int>(d), t});  // every 4th step

  Learner learner = make_learner(c.policy, model_config);
  torch::nn::Module& net = *learner.module;
  torch::optim::AdamW optimizer(net.parameters(), torch::optim::AdamWOptions(c.learning_rate).weight_decay(1e-4));
  const Batcher train_batcher(train, norm, model_config, futures), val_batcher(val, norm, model_config, futures);
  Rng sample_rng(c.seed ^ 0xBA7C4ULL), shift_rng(c.seed ^ 0x5417FULL);

  auto validate = [&]() -> double {
    if (val_samples.empty()) return std::numeric_limits<double>::quiet_NaN();
    torch::NoGradGuard no_grad;
    net.eval();
    double sum = 0;
    size_t n = 0;
    for (size_t i = 0; i < val_samples.size(); i += 256) {
      const std::vector<Sample> chunk(val_samples.begin() + i,
                                      val_samples.begin() + std::min(val_samples.size(), i + 256));
      const Batch b = val_batcher.make(chunk, nullptr);
      sum += torch::mse_loss(learner.predict(b), b.target).item<double>() * chunk.size();
      n += chunk.size();
    }
    net.train();
    return sum / std::max<size_t>(n, 1);
  };

  TrainResult result;
  result.train_demos = static_cast<int>(train.size());
  result.val_demos = static_cast<int>(val.size());
  for (const auto& p : net.parameters()) result.parameters += p.numel();
  net.train();
  double loss_sum = 0;
  int loss_count = 0;
  const auto train_start = Clock::now();
  for (int step = 1; step <= c.steps; ++step) {
    // Cosine decay from the learning rate to 10 % of it.
    const double lr = c.learning_rate * (0.1 + 0.9 * 0.5 * (1 + std::cos(M_PI * (step - 1) / c.steps)));
    for (auto& group : optimizer.param_groups()) static_cast<torch::optim::AdamWOptions&>(group.options()).lr(lr);
    std::vector<Sample> samples(c.batch);
    for (Sample& s : samples) s = train_samples[sample_rng.uniform_index(train_samples.size())];
    const Batch b = train_batcher.make(samples, c.augment ? &shift_rng : nullptr);
    const auto loss = learner.loss(b);
    if (!std::isfinite(loss.item<double>()))
      throw std::runtime_error("train: the loss became non-finite at step " + std::to_string(step));
    optimizer.zero_grad();
    loss.backward();
    optimizer.step();
    loss_sum += loss.item<double>();
    ++loss_count;
    if (step % c.eval_every == 0 || step == c.steps) {
      TrainProgress p;
      p.step = step;
      p.steps = c.steps;
      p.train_loss = loss_sum / loss_count;
      p.val_loss = validate();
      const double elapsed = std::chrono::duration<double>(Clock::now() - train_start).count();
      p.steps_per_s = step / std::max(elapsed, 1e-9);
      p.eta_s = (c.steps - step) / std::max(p.steps_per_s, 1e-9);
      result.train_loss = p.train_loss;
      result.val_loss = p.val_loss;
      loss_sum = 0;
      loss_count = 0;
      if (on_progress) on_progress(p);
    }
  }
  result.steps = c.steps;
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
                   {"git_commit", WAMBENCH_GIT_COMMIT},
                   {"steps", c.steps},
                   {"batch", c.batch},
                   {"seed", c.seed},
                   {"threads", c.threads},
                   {"learning_rate", c.learning_rate},
                   {"augment", c.augment},
                   {"train_demos", result.train_demos},
                   {"val_demos", result.val_demos},
                   {"final_train_loss", result.train_loss},
                   {"final_val_loss", std::isnan(result.val_loss) ? nlohmann::json(nullptr) : nlohmann::json(result.val_loss)},
                   {"parameters", result.parameters},
                   {"loss", wam ? "policies/wam_model.h (action + world model + reconstruction)"
                                : "mean squared error of the normalized action chunk"},
                   {"val_loss", "mean squared error of the executed normalized action chunk"}};
  if (!result.world_model.is_null()) info.training["world_model_eval"] = result.world_model;
  save_checkpoint(c.out, net, info);
  result.wall_s = std::chrono::duration<double>(Clock::now() - t0).count();
  return result;
}

}  // namespace wambench
