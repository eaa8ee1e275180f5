// The `bc_state` policy: privileged-state behaviour cloning. The same action-chunk head, chunking
// and training as `vla`, but fed the true object and target poses (tasks/task.h
// Task::object_state, symmetry-aware yaw as sin / cos, plus both positions relative to the end
// effector: demo_dataset.h state_features) and proprioception instead of images. It is
// the upper bound a learner reaches once vision is solved, and checks the data and action pipeline
// on its own; like `scripted` it reads the simulator's privileged state (EpisodeInfo::privileged,
// sim/privileged.h), so tables mark it privileged.
#include <torch/torch.h>

#include <stdexcept>

#include "policies/demo_dataset.h"
#include "policies/policy.h"
#include "policies/vla_model.h"

namespace wambench {
namespace {

static_assert(kStateDim == kObjectStateDim, "state_features reads PrivilegedState::object_state");

class BcStatePolicy final : public Policy {
 public:
  explicit BcStatePolicy(const std::string& checkpoint)
      : net_(load_bc_state_checkpoint(checkpoint, &info_)), hash_(file_sha256(checkpoint)) {
    at::set_num_threads(1);  // one core per worker, as `vla`
  }
  std::string name() const override { return "bc_state"; }
  std::string checkpoint_hash() const override { return hash_; }
  bool needs_images() const override { return false; }

  void reset(const EpisodeInfo& info) override {
    if (info.privileged == nullptr) throw std::invalid_argument("bc_state: needs privileged simulator access");
    state_ = info.privileged;
    tokens_ = instruction_tokens(info.instruction, info_.config.instruction_buckets);
  }

  PolicyOutput act(const Observation& obs) override {
    if (state_ == nullptr) throw std::logic_error("bc_state: act() before reset()");
    const Normalization& n = info_.normalization;
    std::vector<float> proprio = proprio_vector(obs);
    for (int k = 0; k < kProprioDim; ++k) proprio[k] = (proprio[k] - n.proprio_mean[k]) / n.proprio_std[k];
    const auto raw = state_->object_state();
    std::array<float, kStateFeatureDim> state = state_features(raw.data(), obs.ee_pos_m.data());
    for (int k = 0; k < kStateFeatureDim; ++k) state[k] = (state[k] - n.state_mean[k]) / n.state_std[k];
    torch::NoGradGuard no_grad;
    const auto pred = net_->forward(torch::from_blob(proprio.data(), {1, kProprioDim}, torch::kFloat32),
                                    torch::from_blob(state.data(), {1, kStateFeatureDim}, torch::kFloat32),
                                    torch::tensor(tokens_, torch::kInt64), torch::zeros({1}, torch::kInt64));
    PolicyOutput out;
    out.chunk = chunk_to_actions(pred[0], n, "bc_state");
    out.execute_steps = info_.config.execute;
    return out;
  }

 private:
  CheckpointInfo info_;
  BcStateNet net_;
  std::string hash_;
  std::vector<int64_t> tokens_;
  const PrivilegedState* state_ = nullptr;
};

}  // namespace

std::unique_ptr<Policy> make_bc_state_policy(const std::string& checkpoint) {
  return std::make_unique<BcStatePolicy>(checkpoint);
}

}  // namespace wambench
