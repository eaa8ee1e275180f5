#include "policies/wam_model.h"

#include <algorithm>
#include <stdexcept>

namespace wambench {
namespace nn = torch::nn;

namespace {

constexpr double kPriorWeight = 0.1;       // λ of the predictive energy
constexpr double kMaxStep = 0.5;           // η = kMaxStep * sigmoid(θ)
constexpr double kExpertAuxWeight = 0.1;   // each expert's own MSE next to the mixture likelihood
constexpr int kReconstructionSamples = 16;
constexpr int kWorldModelSamples = 16;     // sub-batch for the future-latent targets (2-core CPU budget)
constexpr int kContextDim = 128;           // proprio (64) ++ instruction (64)
constexpr int kFeatureDim = 384;           // front (128) ++ wrist (128) ++ context (128)

nn::Sequential mlp(int in, int width, int out) {
  return nn::Sequential(nn::Linear(in, width), nn::ReLU(), nn::Linear(width, width), nn::ReLU(),
                        nn::Linear(width, out));
}

// Zero weights and bias of the last Linear of `net`: a residual latent dynamics then starts at
// copy-last (ẑ_k = z_t) and learns only what changes.
void zero_last_layer(nn::Sequential& net) {
  torch::NoGradGuard no_grad;
  auto* last = (*net)[net->size() - 1]->as<nn::Linear>();
  last->weight.zero_();
  last->bias.zero_();
}

}  // namespace

torch::Tensor decoder_target(const torch::Tensor& front, int image_size) {
  if (front.size(2) == image_size) return front;
  return torch::adaptive_avg_pool2d(front, {image_size, image_size});
}

const std::vector<std::string>& wam_policy_names() {
  static const std::vector<std::string> kNames = {"wam_ite",
                                                  "wam_joint",
                                                  "harmowam",
                                                  "harmowam_gate_predictive",
                                                  "harmowam_gate_reactive",
                                                  "harmowam_gate_schedule"};
  return kNames;
}

bool is_wam_policy(const std::string& name) {
  const auto& n = wam_policy_names();
  return std::find(n.begin(), n.end(), name) != n.end();
}

WamKind wam_kind(const std::string& policy) {
  if (policy == "wam_ite") return WamKind::kImagineThenExecute;
  if (policy == "wam_joint") return WamKind::kJoint;
  if (is_wam_policy(policy)) return WamKind::kHarmo;
  throw std::invalid_argument("'" + policy + "' is not a world-action model policy");
}

std::string wam_gate(const std::string& policy) {
  const std::string prefix = "harmowam_gate_";
  return policy.rfind(prefix, 0) == 0 ? policy.substr(prefix.size()) : "learned";
}

std::vector<int> future_offsets(const ModelConfig& c) {
  if (c.chunk / 2 < 1 || c.chunk / 2 == c.chunk) return {c.chunk};
  return {c.chunk / 2, c.chunk};
}

WamNetImpl::WamNetImpl(const ModelConfig& c, WamKind k) : config(c), kind(k) {
  const int D = c.latent_dim, H = c.chunk, F = static_cast<int>(future_offsets(c).size()), W = c.width;
  front_encoder = register_module("front_encoder", ImageEncoder(c.front_size));
  wrist_encoder = register_module("wrist_encoder", ImageEncoder(c.image_size));
  proprio_encoder = register_module("proprio_encoder", make_proprio_encoder());
  instruction = register_module("instruction", make_instruction_embedding(c.instruction_buckets));
  to_latent = register_module("to_latent", nn::Linear(256, D));
  latent_norm = register_module("latent_norm", nn::LayerNorm(nn::LayerNormOptions({D}).elementwise_affine(false)));
  // Decoder: D -> 128 x 4 x 4 -> transposed convolutions doubling the size up to S (S a power of two
  // times 4, e.g. 64: 4 -> 8 -> 16 -> 32 -> 64).
  decoder = nn::Sequential(nn::Linear(D, 128 * 4 * 4), nn::ReLU(), nn::Unflatten(nn::UnflattenOptions(1, {128, 4, 4})));
  int size = 4, channels = 128;
  while (size < c.image_size) {
    const bool last = size * 2 >= c.image_size;
    const int out = last ? 3 : std::max(16, channels / 2);
    decoder->push_back(nn::ConvTranspose2d(nn::ConvTranspose2dOptions(channels, out, 4).stride(2).padding(1)));
    if (!last) {
      decoder->push_back(nn::GroupNorm(nn::GroupNormOptions(8, out)));
      decoder->push_back(nn::ReLU());
    }
    channels = out;
    size *= 2;
  }
  if (size != c.image_size)
    throw std::invalid_argument("WAM decoder: image_size must be 4 x a power of two, got " +
                                std::to_string(c.image_size));
  decoder->push_back(nn::Sigmoid());
  register_module("decoder", decoder);
  if (k == WamKind::kImagineThenExecute || k == WamKind::kHarmo) {
    dynamics = register_module("dynamics", mlp(D + kContextDim, W, F * D));
    zero_last_layer(dynamics);
    idm = register_module("idm", mlp((1 + F) * D + 64, W, H * 7));
  }
  if (k == WamKind::kJoint) {
    trunk = register_module("trunk", nn::Sequential(nn::Linear(kFeatureDim, W), nn::ReLU(), nn::Linear(W, W), nn::ReLU()));
    action_head = register_module("action_head", nn::Linear(W, H * 7));
    future_head = register_module("future_head", nn::Linear(W, F * D));
    torch::NoGradGuard no_grad;
    future_head->weight.zero_();
    future_head->bias.zero_();
  }
  if (k == WamKind::kHarmo) {
    // Not zero-initialized: at zero it would not depend on the chunk, and the refinement (and its
    // step size) would get no gradient.
    act_dynamics = register_module("act_dynamics", mlp(D + kContextDim + H * 7, W, F * D));
    proposal = register_module("proposal", mlp(kFeatureDim + F * D, W, H * 7));
    if (c.gate == "learned")
      gate_net = register_module("gate_net", nn::Sequential(nn::Linear((1 + F) * D + 64, 128), nn::ReLU(),
                                                            nn::Linear(128, H)));
    step_logit = register_parameter("step_logit", torch::full({1}, -1.0));  // η ≈ 0.13 at the start
  }
}

torch::Tensor WamNetImpl::encode(const torch::Tensor& front, const torch::Tensor& wrist) {
  return latent_norm(to_latent(torch::cat({front_encoder->forward(front), wrist_encoder->forward(wrist)}, 1)));
}

torch::Tensor WamNetImpl::context(const torch::Tensor& proprio, const torch::Tensor& tokens,
                                  const torch::Tensor& offsets) {
  return torch::cat({proprio_encoder->forward(proprio), instruction->forward(tokens, offsets)}, 1);
}

torch::Tensor WamNetImpl::imagine(const torch::Tensor& z, const torch::Tensor& ctx) {
  const int64_t F = static_cast<int64_t>(future_offsets(config).size());
  return z.unsqueeze(1) + dynamics->forward(torch::cat({z, ctx}, 1)).view({-1, F, config.latent_dim});
}

torch::Tensor WamNetImpl::action_dynamics(const torch::Tensor& z, const torch::Tensor& ctx, const torch::Tensor& chunk) {
  const int64_t F = static_cast<int64_t>(future_offsets(config).size());
  return z.unsqueeze(1) +
         act_dynamics->forward(torch::cat({z, ctx, chunk.flatten(1)}, 1)).view({-1, F, config.latent_dim});
}

torch::Tensor WamNetImpl::predictive_energy(const torch::Tensor& z, const torch::Tensor& ctx, const torch::Tensor& goal,
                                            const torch::Tensor& proposal_chunk, const torch::Tensor& chunk) {
  const auto rolled = action_dynamics(z, ctx, chunk_as_commands(chunk));
  return (rolled - goal).pow(2).mean(2).sum(1) + kPriorWeight * (chunk - proposal_chunk).pow(2).mean({1, 2});
}

torch::Tensor WamNetImpl::decode(const torch::Tensor& z) { return decoder->forward(z); }

WamOutput WamNetImpl::forward(const WamInputs& in, bool differentiable_refinement) {
  const int64_t H = config.chunk, F = static_cast<int64_t>(future_offsets(config).size());
  WamOutput out;
  const auto front_feat = front_encoder->forward(in.front);
  const auto wrist_feat = wrist_encoder->forward(in.wrist);
  out.z = latent_norm(to_latent(torch::cat({front_feat, wrist_feat}, 1)));
  const auto proprio_feat = proprio_encoder->forward(in.proprio);
  const auto ctx = torch::cat({proprio_feat, instruction->forward(in.tokens, in.offsets)}, 1);
  out.context = ctx;
  if (kind == WamKind::kJoint) {
    const auto h = trunk->forward(torch::cat({front_feat, wrist_feat, ctx}, 1));
    out.actions = action_head->forward(h).view({-1, H, 7});
    out.futures = out.z.unsqueeze(1) + future_head->forward(h).view({-1, F, config.latent_dim});
    return out;
  }
  out.futures = imagine(out.z, ctx);
  const auto imagined = kind == WamKind::kImagineThenExecute ? out.futures.detach() : out.futures;
  out.reactive = idm->forward(torch::cat({out.z, imagined.flatten(1), proprio_feat}, 1)).view({-1, H, 7});
  if (kind == WamKind::kImagineThenExecute) {
    out.actions = out.reactive;
    return out;
  }
  // Predictive expert: proposal, then gradient steps on the energy through the latent dynamics.
  const auto a0 = proposal->forward(torch::cat({front_feat, wrist_feat, ctx, out.futures.flatten(1)}, 1)).view({-1, H, 7});
  const auto goal = out.futures.detach();
  const auto eta = kMaxStep * torch::sigmoid(step_logit);
  torch::Tensor a = a0;
  for (int i = 0; i <= config.refine_iters; ++i) {
    torch::AutoGradMode grad_mode(true);
    torch::Tensor ai = differentiable_refinement ? a : a.detach().requires_grad_(true);
    const auto z_in = differentiable_refinement ? out.z : out.z.detach();
    const auto ctx_in = differentiable_refinement ? ctx : ctx.detach();
    const auto a0_in = differentiable_refinement ? a0 : a0.detach();
    const auto energy = predictive_energy(z_in, ctx_in, goal, a0_in, ai);
    out.energies.push_back(energy.detach());
    if (i == config.refine_iters) break;
    const auto grad = torch::autograd::grad({energy.sum()}, {ai}, {}, /*retain_graph=*/true,
                                            /*create_graph=*/differentiable_refinement)[0];
    a = differentiable_refinement ? ai - eta * grad : (ai - eta * grad).detach();
  }
  out.predictive = a;
  // Gate: the predictive expert's weight per action of the chunk.
  if (config.gate == "learned") {
    out.gate_logits = gate_net->forward(torch::cat({out.z, out.futures.flatten(1), proprio_feat}, 1));
    out.gate = torch::sigmoid(out.gate_logits);
  } else if (config.gate == "predictive") {
    out.gate = torch::ones({out.z.size(0), H});
  } else if (config.gate == "reactive") {
    out.gate = torch::zeros({out.z.size(0), H});
  } else {
    if (!in.interaction.defined())
      throw std::invalid_argument("harmowam (schedule gate): the coarse phase label of the step is required");
    out.gate = in.interaction.to(torch::kFloat32).view({-1, 1}).expand({-1, H}).contiguous();
  }
  const auto choose = (out.gate >= 0.5).unsqueeze(2);
  out.actions = torch::where(choose, out.predictive, out.reactive);
  return out;
}

WamLoss wam_loss(WamNet& net, const WamInputs& inputs, const torch::Tensor& target,
                 const std::vector<torch::Tensor>& future_front, const std::vector<torch::Tensor>& future_wrist) {
  WamOutput out = net->forward(inputs, /*differentiable_refinement=*/true);
  WamLoss loss;
  // World model: imagined latents against the (stop-gradient) latents of the real future frames.
  // Targets for the first kWorldModelSamples samples only: encoding F future frame pairs per sample
  // would cost F encoder passes on the whole batch.
  const int64_t n_wm = std::min<int64_t>(kWorldModelSamples, inputs.front.size(0));
  std::vector<torch::Tensor> targets;
  {
    torch::NoGradGuard no_grad;
    for (size_t k = 0; k < future_front.size(); ++k)
      targets.push_back(net->encode(future_front[k].slice(0, 0, n_wm), future_wrist[k].slice(0, 0, n_wm)));
  }
  const auto future_targets = torch::stack(targets, 1);  // [n_wm, F, D]
  loss.world_model = torch::mse_loss(out.futures.slice(0, 0, n_wm), future_targets);
  const int64_t n_rec = std::min<int64_t>(kReconstructionSamples, inputs.front.size(0));
  const torch::Tensor& pixels = inputs.front_pixels.defined() ? inputs.front_pixels : inputs.front;
  if (pixels.dim() != 4)
    throw std::invalid_argument("wam_loss: the front images are needed for the reconstruction loss (front_pixels)");
  loss.reconstruction = torch::mse_loss(net->decode(out.z.slice(0, 0, n_rec)),
                                       decoder_target(pixels.slice(0, 0, n_rec), net->config.image_size));
  if (net->kind != WamKind::kHarmo) {
    loss.action = action_loss(out.actions, target);
    loss.total = loss.action + loss.world_model + loss.reconstruction;
    return loss;
  }
  // Action-conditioned dynamics on the demonstrated chunk (the forward pass's context, not recomputed).
  const auto& ctx = out.context;
  loss.world_model =
      loss.world_model + torch::mse_loss(net->action_dynamics(out.z.slice(0, 0, n_wm), ctx.slice(0, 0, n_wm),
                                                              target.slice(0, 0, n_wm)),
                                         future_targets);
  // Mixture-of-experts likelihood per action (Jacobs et al. 1991), each expert's likelihood a
  // unit-variance Gaussian on the motion components times a Bernoulli gripper.
  const auto nll_p = action_errors(out.predictive, target).nll();  // [B, H]
  const auto nll_r = action_errors(out.reactive, target).nll();
  torch::Tensor log_w, log_1mw;
  if (out.gate_logits.defined()) {
    log_w = torch::log_sigmoid(out.gate_logits);
    log_1mw = torch::log_sigmoid(-out.gate_logits);
  } else {
    log_w = torch::log(out.gate.clamp_min(1e-12));
    log_1mw = torch::log((1 - out.gate).clamp_min(1e-12));
  }
  const auto mixture = -torch::logsumexp(torch::stack({log_w - nll_p, log_1mw - nll_r}, 0), 0).mean();
  loss.action = mixture + kExpertAuxWeight * (action_loss(out.predictive, target) + action_loss(out.reactive, target));
  loss.total = loss.action + loss.world_model + loss.reconstruction;
  return loss;
}

WamNet load_wam_checkpoint(const std::string& path, const std::string& policy, CheckpointInfo* info) {
  torch::serialize::InputArchive archive;
  const CheckpointInfo ci = read_checkpoint(path, policy, &archive);
  if (ci.config.gate != wam_gate(policy))
    throw std::runtime_error("'" + path + "': gate mode '" + ci.config.gate + "' does not match policy '" + policy +
                             "' (expects '" + wam_gate(policy) + "')");
  WamNet net(ci.config, wam_kind(policy));
  load_weights(archive, *net, path, ci.config);
  if (info) *info = ci;
  return net;
}

}  // namespace wambench
