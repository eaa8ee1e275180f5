// How a learned policy's action chunks are executed: the policy's own receding horizon, a shorter
// one, or ACT's temporal ensembling. A decorator around any Policy, so every learned policy gets the
// same options and the runner stays unchanged.
#pragma once

#include <memory>
#include <string>

namespace wambench {

class Policy;  // policies/policy.h

/// Chunk execution options of a sweep's policy entry ("execute", "temporal_ensemble" in the
/// eval config; eval/config.h).
struct ChunkExecution {
  /// Actions executed per query, 1..H; 0 keeps the policy's own choice (its checkpoint's `execute`).
  int execute = 0;
  /// ACT temporal ensembling (Zhao et al. 2023, "Learning Fine-Grained Bimanual Manipulation with
  /// Low-Cost Hardware", Sec. IV-B): query the policy at every control step and execute, for step t,
  /// the weighted mean of every stored chunk's prediction for t, with weight w_i = exp(-m * i) where
  /// i = 0 is the oldest prediction (ACT's m = 0.01 default). The gripper component is averaged too:
  /// the controller's +-0.1 dead band then keeps the latch where the chunks disagree.
  bool temporal_ensemble = false;
  /// m of the weights above (1 / control steps), >= 0.
  double ensemble_decay = 0.01;
  /// True if neither option changes the policy's behaviour.
  bool is_default() const { return execute == 0 && !temporal_ensemble; }
  /// Short text for tables and logs, e.g. "execute 1", "temporal ensemble (m = 0.01)", "" if default.
  std::string describe() const;
};

/// Wraps `policy` so its chunks are executed as `options` says; returns `policy` itself when the
/// options are the default. The wrapper keeps the wrapped policy's name, checkpoint hash, images,
/// imagined frames and episode summary.
/// @throws std::invalid_argument if execute < 0, or both execute and temporal_ensemble are set, or
/// ensemble_decay < 0 or not finite. act() throws std::runtime_error if the policy's chunk is
/// shorter than `execute`.
std::unique_ptr<Policy> with_chunk_execution(std::unique_ptr<Policy> policy, const ChunkExecution& options);

}  // namespace wambench
