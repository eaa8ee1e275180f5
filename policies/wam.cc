// The world-action-model policies (`wam_ite`, `wam_joint`, `harmowam` and its gate ablations): one
// Policy class over WamNet (policies/wam_model.h, where the models and every design choice are
// documented). Like `vla`: one LibTorch thread per worker, receding-horizon execution of the first
// `execute` = 4 of the H = 8 predicted actions, instruction as a hashed bag of words.
//
// Diagnostics: HarmoWAM variants give, per executed action, {"gate": w, "expert": "predictive" |
// "reactive"} (w = the predictive expert's weight; the expert with w >= 0.5 acts) and, per query,
// {"refine_energy": [E before refinement, E after the last iteration]}. Every WAM exposes the
// decoded imagined front frames of its last query (imagined_frames(), offsets 4 and 8 steps).
#include <torch/torch.h>

#include <cstring>
#include <stdexcept>

#include "policies/demo_dataset.h"
#include "policies/policy.h"
#include "policies/wam_model.h"

namespace wambench {
namespace {

class WamPolicy final : public Policy {
 public:
  WamPolicy(const std::string& name, const std::string& checkpoint)
      : name_(name),
        net_(load_wam_checkpoint(checkpoint, name, &info_)),
        hash_(file_sha256(checkpoint)),
        offsets_(future_offsets(info_.config)) {
    at::set_num_threads(1);  // one core per worker, as `vla`
  }
  std::string name() const override { return name_; }
  std::string checkpoint_hash() const override { return hash_; }

  void reset(const EpisodeInfo& info) override {
    tokens_ = instruction_tokens(info.instruction, info_.config.instruction_buckets);
    phase_ = info.phase;
    if (info_.config.gate == "schedule" && phase_ == nullptr)
      throw std::invalid_argument(name_ + ": the schedule gate needs the runner's phase labels (EpisodeInfo::phase)");
    futures_ = torch::Tensor();
  }

  PolicyOutput act(const Observation& obs) override {
    const ObservationTensors in = observation_tensors(obs, info_.config, info_.normalization, name_);
    WamInputs inputs{in.front, in.wrist, in.proprio, torch::tensor(tokens_, torch::kInt64),
                     torch::zeros({1}, torch::kInt64), torch::Tensor(), torch::Tensor()};
    if (phase_ != nullptr)
      inputs.interaction = torch::full({1}, phase_->coarse == CoarsePhase::kInteraction ? 1.0f : 0.0f);
    torch::NoGradGuard no_grad;
    const WamOutput out = net_->forward(inputs);
    futures_ = out.futures[0].clone();
    PolicyOutput o;
    o.chunk = chunk_to_actions(out.actions[0], info_.normalization, name_);
    o.execute_steps = info_.config.execute;
    if (out.gate.defined()) {
      const auto gate = out.gate[0].contiguous();
      for (int64_t h = 0; h < gate.size(0); ++h) {
        const double w = gate[h].item<double>();
        o.step_diagnostics.push_back({{"gate", w}, {"expert", w >= 0.5 ? "predictive" : "reactive"}});
      }
      o.diagnostics = {{"refine_energy",
                        {out.energies.front()[0].item<double>(), out.energies.back()[0].item<double>()}}};
    }
    return o;
  }

  std::vector<Image> imagined_frames() const override {
    if (!futures_.defined()) return {};
    torch::NoGradGuard no_grad;
    const auto images = net_->decode(futures_).mul(255.0f).round().clamp(0, 255).to(torch::kUInt8);
    const auto hwc = images.permute({0, 2, 3, 1}).contiguous();  // [F, S, S, 3]
    const int S = info_.config.image_size;
    std::vector<Image> frames;
    for (int64_t k = 0; k < hwc.size(0); ++k) {
      Image im(S, S);
      std::memcpy(im.rgb.data(), hwc[k].data_ptr<uint8_t>(), im.rgb.size());
      frames.push_back(std::move(im));
    }
    return frames;
  }
  int imagined_stride_steps() const override { return offsets_.front(); }

 private:
  std::string name_;
  CheckpointInfo info_;
  mutable WamNet net_;  // decode() in the const imagined_frames()
  std::string hash_;
  std::vector<int> offsets_;
  std::vector<int64_t> tokens_;
  const PhaseLabel* phase_ = nullptr;
  torch::Tensor futures_;  // [F, D] of the last query
};

}  // namespace

std::unique_ptr<Policy> make_wam_policy(const std::string& name, const std::string& checkpoint) {
  return std::make_unique<WamPolicy>(name, checkpoint);
}

}  // namespace wambench
