// The `vla` policy: a direct visuomotor, instruction-conditioned action-chunk policy (the VLA
// family's observation + instruction -> actions mapping, pi0 / OpenVLA-style, at the scale this
// machine trains). What it shares with a real VLA: images from two cameras, proprioception and the
// language instruction in, an action chunk out, one model for every task. What it lacks: a
// pretrained vision-language backbone (its encoders are trained from scratch on the demonstrations,
// and the instruction is a hashed bag of words, not a language model), and any world model.
//
// Chunk execution: receding horizon. Each query predicts H = 8 actions; the first 4 are executed,
// then the policy is asked again with the new observation.
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "policies/demo_dataset.h"
#include "policies/policy.h"
#include "policies/vla_model.h"

namespace wambench {
namespace {

class VlaPolicy final : public Policy {
 public:
  explicit VlaPolicy(const std::string& checkpoint)
      : net_(load_checkpoint(checkpoint, "vla", &info_)), hash_(file_sha256(checkpoint)) {
    // One intra-op thread: the runner gives each worker its own policy, one core each.
    at::set_num_threads(1);
  }
  std::string name() const override { return "vla"; }
  std::string checkpoint_hash() const override { return hash_; }

  void reset(const EpisodeInfo& info) override {
    tokens_ = instruction_tokens(info.instruction, info_.config.instruction_buckets);
  }

  PolicyOutput act(const Observation& obs) override {
    const ObservationTensors in = observation_tensors(obs, info_.config, info_.normalization, "vla");
    torch::NoGradGuard no_grad;
    const auto pred = net_->forward(in.front, in.wrist, in.proprio, torch::tensor(tokens_, torch::kInt64),
                                    torch::zeros({1}, torch::kInt64));
    PolicyOutput out;
    out.chunk = chunk_to_actions(pred[0], info_.normalization, "vla");
    out.execute_steps = info_.config.execute;
    return out;
  }

 private:
  CheckpointInfo info_;
  VlaNet net_;
  std::string hash_;
  std::vector<int64_t> tokens_;
};

}  // namespace

std::unique_ptr<Policy> make_vla_policy(const std::string& checkpoint) {
  return std::make_unique<VlaPolicy>(checkpoint);
}

}  // namespace wambench
