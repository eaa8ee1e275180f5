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
    const int S = info_.config.image_size;
    auto image = [&](const char* camera) {
      auto it = obs.images.find(camera);
      if (it == obs.images.end()) throw std::runtime_error(std::string("vla: the observation has no '") + camera + "' image");
      const Image& im = it->second;
      if (im.height != im.width || im.height % S != 0)
        throw std::runtime_error("vla: '" + std::string(camera) + "' image is " + std::to_string(im.height) + "x" +
                                 std::to_string(im.width) + "; needs a square multiple of " + std::to_string(S) + " px");
      const int k = im.height / S;
      const std::vector<uint8_t> pooled = k == 1 ? im.rgb : pool_images(im.rgb.data(), 1, S, k);
      return images_to_tensor(pooled.data(), 1, S);
    };
    const Normalization& n = info_.normalization;
    float proprio[kProprioDim];
    int col = 0;
    for (double v : obs.ee_pos_m) proprio[col++] = static_cast<float>(v);
    for (double v : obs.ee_quat_wxyz) proprio[col++] = static_cast<float>(v);
    proprio[col++] = static_cast<float>(obs.gripper_opening_m);
    for (double v : obs.joint_pos_rad) proprio[col++] = static_cast<float>(v);
    for (int k = 0; k < kProprioDim; ++k) proprio[k] = (proprio[k] - n.proprio_mean[k]) / n.proprio_std[k];
    torch::NoGradGuard no_grad;
    const auto pred = net_->forward(image("front"), image("wrist"),
                                    torch::from_blob(proprio, {1, kProprioDim}, torch::kFloat32),
                                    torch::tensor(tokens_, torch::kInt64), torch::zeros({1}, torch::kInt64));
    const auto chunk = pred[0].contiguous();
    const float* p = chunk.data_ptr<float>();
    PolicyOutput out;
    for (int h = 0; h < info_.config.chunk; ++h) {
      Action a;
      for (int k = 0; k < kActionDim; ++k) {
        const double v = p[h * 7 + k] * n.action_std[k] + n.action_mean[k];
        if (!std::isfinite(v)) throw std::runtime_error("vla: the network produced a non-finite action");
        a[k] = std::clamp(v, -1.0, 1.0);
      }
      out.chunk.push_back(a);
    }
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
