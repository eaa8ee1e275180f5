// World-action models (WAMs) on a shared latent world model, in LibTorch (only policies/ includes
// this header): `wam_ite` (Imagine-then-Execute), `wam_joint` (Joint Modeling), `harmowam` and its
// gate ablations. All of them use the `vla` building blocks at the same sizes (policies/vla_model.h:
// one ImageEncoder per camera, proprio MLP, instruction EmbeddingBag, MLP heads of `width` ending in
// an H x 7 action chunk), so the comparison with `vla` differs in the world model alone.
//
// The shared world model (every WAM):
//   z_t   = LayerNorm(Linear(front_feat ++ wrist_feat))                 visual latent, [B, D], D = 64
//   c_t   = proprio_feat ++ instruction_feat                            context, [B, 128]
//   ẑ_k   = z_t + f_k(z_t, c_t),  k in future_offsets() = {H/2, H}      action-free latent dynamics
//   x̂     = decoder(z)                                                  front image, [3, S, S], for viewing
// trained with the latent prediction loss |ẑ_k - sg(z_{t+k})|^2 (sg = stop-gradient: target latents
// come from the same encoder on the demonstration's frames k steps later, as in SPR / DreamerV3-style
// latent models) plus the decoder's reconstruction loss |decoder(z_t) - front_t|^2, which also keeps
// the latent from collapsing. The LayerNorm without affine parameters fixes the latent's scale.
//
// The three paradigms (HarmoWAM abstract, ../shared/seeds/001; DESIGN.md "policies/"):
// * kImagineThenExecute (UniPi-style): the world model imagines ẑ_k without actions; an inverse
//   dynamics model IDM(z_t, sg(ẑ_4), sg(ẑ_8), proprio) gives the chunk. The imagination is detached
//   (two-stage: the world model learns only to predict, the IDM reads what it predicts).
// * kJoint (UVA / Fast-WAM-style): one trunk MLP on the shared features predicts the chunk and the
//   future latents jointly (two linear heads); actions come from the joint head.
// * kHarmo: the world model conditions two experts, trained end to end with a learned gate:
//   - reactive expert: IDM(z_t, ẑ_4, ẑ_8, proprio) — actions inferred directly from the predicted
//     visual evolution (not detached: end to end);
//   - predictive expert: iterative action generation through latent dynamics. An action-conditioned
//     dynamics model g(z_t, c_t, a) -> ž_k (trained on demonstrated actions against sg(z_{t+k}))
//     scores a chunk by the energy
//         E(a) = sum_k mean_d (g_k(z_t, c_t, a) - sg(ẑ_k))^2 + λ mean_{h,j} (a - a⁰)^2,  λ = 0.1,
//     i.e. how far rolling `a` through the latent dynamics lands from the world model's imagined
//     future, plus a pull to the proposal a⁰ = proposal(features, ẑ). `refine_iters` gradient steps
//     a ← a − η ∇_a E (η = 0.5 sigmoid(θ), θ learned) refine it; training differentiates through the
//     steps (create_graph);
//   - process-adaptive gate: w = sigmoid(gate(z_t, ẑ_4, ẑ_8, proprio_feat)) ∈ [0, 1]^H, one value
//     per action of the chunk (so the switch can fall inside a chunk); w is the predictive expert's
//     weight. Training uses the adaptive-mixture-of-experts likelihood (Jacobs, Jordan, Nowlan &
//     Hinton 1991, "Adaptive mixtures of local experts"), per action:
//         L = −log( w exp(−n_P) + (1 − w) exp(−n_R) ),
//     n = |a_expert − a_demo|^2 / 2 over the six motion components + the gripper logit's binary
//     cross-entropy (the negative log-likelihood of a unit Gaussian and a Bernoulli),
//     which routes each step to the expert that explains it better and lets the experts specialize;
//     acting, the expert with the larger weight acts (hard switch, w ≥ 0.5 → predictive). Both
//     experts also get 0.1 x their own behaviour-cloning loss (vla_model.h action_loss) so neither
//     starves where the gate routes away from it. Chunks enter the latent dynamics as commands
//     (gripper logit mapped to [-1, 1], vla_model.h chunk_as_commands), as demonstrated chunks do.
//   The last layers of the action-free dynamics f_k and of wam_joint's future head start at zero, so
//   imagination starts at copy-last (ẑ_k = z_t) and learns the change. The action-conditioned g
//   keeps the default initialization: at zero it would ignore the chunk and give the refinement
//   no gradient.
//   Gate ablations (ModelConfig::gate): "predictive" / "reactive" fix w to 1 / 0; "schedule" sets
//   w to the scripted expert's coarse phase label of step t (interaction → predictive), from the
//   demonstrations in training and from a privileged shadow expert when acting (an oracle schedule).
#pragma once

#include <torch/torch.h>

#include <string>
#include <vector>

#include "policies/vla_model.h"

namespace wambench {

enum class WamKind { kImagineThenExecute, kJoint, kHarmo };

/// Registered WAM policy names, in table order: wam_ite, wam_joint, harmowam,
/// harmowam_gate_predictive, harmowam_gate_reactive, harmowam_gate_schedule.
const std::vector<std::string>& wam_policy_names();
/// True for a name of wam_policy_names().
bool is_wam_policy(const std::string& name);
/// The network kind of a WAM policy name. @throws std::invalid_argument for other names.
WamKind wam_kind(const std::string& policy);
/// The gate mode a WAM policy name implies ("learned" for all but the harmowam_gate_* ablations).
std::string wam_gate(const std::string& policy);

/// The decoder's target for `front` images [B, 3, F, F]: average-pooled to image_size (unchanged
/// if F == image_size).
torch::Tensor decoder_target(const torch::Tensor& front, int image_size);

/// Control-step offsets of the imagined future latents: {H / 2, H} (= {4, 8} for H = 8).
std::vector<int> future_offsets(const ModelConfig& config);

/// Inputs of one batch (shapes as VlaNetImpl::forward).
struct WamInputs {
  torch::Tensor front;            ///< [B, 3, front_size, front_size] float in [0, 1]
  torch::Tensor wrist;            ///< [B, 3, S, S] float in [0, 1]
  torch::Tensor proprio;          ///< [B, 17] normalized
  torch::Tensor tokens, offsets;  ///< instruction bags (EmbeddingBag format)
  /// [B] float 0/1: coarse phase label of step t (1 = interaction); needed by the "schedule" gate only.
  torch::Tensor interaction;
  /// Optional [B, 3, front_size, front_size] front images when `front` / `wrist` hold precomputed
  /// encoder features [B, 128] (ImageEncoderImpl::forward): the decoder's reconstruction target.
  torch::Tensor front_pixels;
};

/// What a forward pass produces. Tensors a kind does not have are undefined.
struct WamOutput {
  torch::Tensor actions;     ///< [B, H, 7] normalized chunk the policy executes
  torch::Tensor z;           ///< [B, D] current visual latent
  torch::Tensor context;     ///< [B, 128] proprio ++ instruction features (WamNetImpl::context)
  torch::Tensor futures;     ///< [B, F, D] imagined future latents at future_offsets()
  torch::Tensor gate;        ///< kHarmo: [B, H] predictive expert's weight in [0, 1]
  torch::Tensor gate_logits; ///< kHarmo, learned gate: [B, H]
  torch::Tensor predictive;  ///< kHarmo: [B, H, 7] predictive expert's refined chunk
  torch::Tensor reactive;    ///< kHarmo (and kImagineThenExecute's IDM output): [B, H, 7]
  /// kHarmo: E of the predictive expert's chunk before refinement and after each iteration,
  /// refine_iters + 1 tensors of [B].
  std::vector<torch::Tensor> energies;
};

/// One network for every WAM kind; only the modules a kind needs are registered.
struct WamNetImpl : torch::nn::Module {
  WamNetImpl(const ModelConfig& config, WamKind kind);

  /// [B, 3, S, S] x 2 -> z [B, D].
  torch::Tensor encode(const torch::Tensor& front, const torch::Tensor& wrist);
  /// -> [B, 128]: proprio features (64) ++ instruction features (64).
  torch::Tensor context(const torch::Tensor& proprio, const torch::Tensor& tokens, const torch::Tensor& offsets);
  /// Action-free imagination: z [B, D], context [B, 128] -> [B, F, D] (kImagineThenExecute, kHarmo).
  torch::Tensor imagine(const torch::Tensor& z, const torch::Tensor& ctx);
  /// kHarmo: action-conditioned latent dynamics, z [B, D], context [B, 128], chunk [B, H, 7] -> [B, F, D].
  torch::Tensor action_dynamics(const torch::Tensor& z, const torch::Tensor& ctx, const torch::Tensor& chunk);
  /// kHarmo: the predictive expert's energy E(a) (header comment), [B].
  torch::Tensor predictive_energy(const torch::Tensor& z, const torch::Tensor& ctx, const torch::Tensor& goal,
                                  const torch::Tensor& proposal, const torch::Tensor& chunk);
  /// Latents [N, D] -> front images [N, 3, S, S] in [0, 1].
  torch::Tensor decode(const torch::Tensor& z);
  /// Full forward pass. `differentiable_refinement`: keep the predictive expert's refinement steps in
  /// the graph (training); otherwise they run on detached tensors (acting, also under NoGradGuard).
  /// @throws std::invalid_argument if the "schedule" gate is used without inputs.interaction.
  WamOutput forward(const WamInputs& inputs, bool differentiable_refinement = false);

  ModelConfig config;
  WamKind kind;
  ImageEncoder front_encoder{nullptr}, wrist_encoder{nullptr};
  torch::nn::Sequential proprio_encoder{nullptr};
  torch::nn::EmbeddingBag instruction{nullptr};
  torch::nn::Linear to_latent{nullptr};
  torch::nn::LayerNorm latent_norm{nullptr};
  torch::nn::Sequential dynamics{nullptr};         ///< ite, harmo: [z, c] -> F x D residuals
  torch::nn::Sequential decoder{nullptr};
  torch::nn::Sequential idm{nullptr};              ///< ite, harmo (reactive): [z, ẑ.., proprio] -> H x 7
  torch::nn::Sequential trunk{nullptr};            ///< joint: features -> width
  torch::nn::Linear action_head{nullptr}, future_head{nullptr};  ///< joint
  torch::nn::Sequential act_dynamics{nullptr};     ///< harmo: [z, c, a] -> F x D residuals
  torch::nn::Sequential proposal{nullptr};         ///< harmo: [features, ẑ..] -> H x 7
  torch::nn::Sequential gate_net{nullptr};         ///< harmo, learned gate: [z, ẑ.., proprio] -> H logits
  torch::Tensor step_logit;                        ///< harmo: θ of the refinement step size
};
TORCH_MODULE(WamNet);

/// Loss terms of one training batch (every term a scalar tensor; `total` is what is minimized).
struct WamLoss {
  torch::Tensor total, action, world_model, reconstruction;
};

/// Training loss of a batch (header comment). `target` [B, H, 7] demonstrated chunk (normalized
/// motion, gripper -1 / +1),
/// `future_front` / `future_wrist`: F tensors [B, 3, S, S], the frames future_offsets() steps later
/// (last frame repeated past the end). The world-model terms use the first min(B, 16) samples (the
/// future frames' target encoding is the costly part on a 2-core CPU), reconstruction likewise.
WamLoss wam_loss(WamNet& net, const WamInputs& inputs, const torch::Tensor& target,
                 const std::vector<torch::Tensor>& future_front, const std::vector<torch::Tensor>& future_wrist);

/// read_checkpoint + load_weights for a WAM policy's network.
/// @throws std::runtime_error as read_checkpoint / load_weights, or if the stored gate mode does
/// not match the policy name.
WamNet load_wam_checkpoint(const std::string& path, const std::string& policy, CheckpointInfo* info);

}  // namespace wambench
