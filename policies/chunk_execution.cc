#include "policies/chunk_execution.h"

#include "policies/policy.h"

#include <cmath>
#include <deque>
#include <sstream>
#include <stdexcept>

namespace wambench {
namespace {

class ChunkExecutionPolicy final : public Policy {
 public:
  ChunkExecutionPolicy(std::unique_ptr<Policy> inner, const ChunkExecution& options)
      : inner_(std::move(inner)), options_(options) {}
  std::string name() const override { return inner_->name(); }
  std::string checkpoint_hash() const override { return inner_->checkpoint_hash(); }
  bool needs_images() const override { return inner_->needs_images(); }
  std::vector<Image> imagined_frames() const override { return inner_->imagined_frames(); }
  int imagined_stride_steps() const override { return inner_->imagined_stride_steps(); }
  nlohmann::json episode_summary() const override { return inner_->episode_summary(); }

  void reset(const EpisodeInfo& info) override {
    inner_->reset(info);
    history_.clear();
  }

  PolicyOutput act(const Observation& obs) override {
    PolicyOutput out = inner_->act(obs);
    const int h = static_cast<int>(out.chunk.size());
    if (h == 0) throw std::runtime_error(name() + ": the policy returned an empty action chunk");
    if (!options_.temporal_ensemble) {
      if (options_.execute > h)
        throw std::runtime_error(name() + ": execute " + std::to_string(options_.execute) +
                                 " is longer than the policy's action chunk (" + std::to_string(h) + " actions)");
      out.execute_steps = options_.execute;
      return out;
    }
    // One query per control step: history_[i] is the chunk predicted i steps before the newest
    // (front = newest); its action for the current step is chunk[i].
    history_.push_front(out.chunk);
    while (!history_.empty() && static_cast<int>(history_.back().size()) <= static_cast<int>(history_.size()) - 1)
      history_.pop_back();
    Action mean{};
    double total = 0;
    const int n = static_cast<int>(history_.size());
    for (int i = 0; i < n; ++i) {
      // ACT numbers predictions from the oldest: age rank (n - 1 - i) from the newest is oldest-first index.
      const double w = std::exp(-options_.ensemble_decay * (n - 1 - i));
      const Action& a = history_[i][i];
      for (int k = 0; k < 7; ++k) mean[k] += w * a[k];
      total += w;
    }
    for (double& v : mean) v /= total;
    PolicyOutput result;
    result.chunk = {mean};
    result.execute_steps = 1;
    result.diagnostics = out.diagnostics;
    if (!out.step_diagnostics.empty()) result.step_diagnostics = {out.step_diagnostics.front()};
    return result;
  }

 private:
  std::unique_ptr<Policy> inner_;
  ChunkExecution options_;
  std::deque<std::vector<Action>> history_;
};

}  // namespace

std::string ChunkExecution::describe() const {
  std::ostringstream s;
  if (temporal_ensemble) s << "temporal ensemble (m = " << ensemble_decay << ")";
  else if (execute > 0) s << "execute " << execute;
  return s.str();
}

std::unique_ptr<Policy> with_chunk_execution(std::unique_ptr<Policy> policy, const ChunkExecution& options) {
  if (options.execute < 0)
    throw std::invalid_argument("execute must be >= 1 (actions per query), or 0 for the policy's own; got " +
                                std::to_string(options.execute));
  if (options.temporal_ensemble && options.execute != 0)
    throw std::invalid_argument("temporal_ensemble queries at every step: it cannot be combined with execute");
  if (!(options.ensemble_decay >= 0.0) || !std::isfinite(options.ensemble_decay))
    throw std::invalid_argument("ensemble_decay must be a finite number >= 0");
  if (options.is_default()) return policy;
  return std::make_unique<ChunkExecutionPolicy>(std::move(policy), options);
}

}  // namespace wambench
