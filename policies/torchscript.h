// The `torchscript` policy: evaluates a user's own PyTorch model, exported as a TorchScript archive
// (torch.jit.script or torch.jit.trace, then torch.jit.save), through LibTorch, with no wambench
// training code involved. examples/torchscript/export_policy.py exports a small example and says how
// to adapt it.
//
// Sweep entry: {"name": "torchscript", "checkpoint": "my_policy.pt", "options": {...}} or the
// shorthand "torchscript@my_policy.pt". "execute" / "temporal_ensemble" work as for the built-in
// learned policies (policies/chunk_execution.h). checkpoint_hash() is the SHA-256 of the .pt file.
//
// Contract (format "wambench-torchscript-1"):
//
//   forward(<inputs>) -> Tensor [B, H, 7]
//
// called with B = 1 (one observation per query) and, in the order of its declaration, any non-empty
// subset of these named Tensor arguments:
//   front:  [1, 3, S_f, S_f] float32 in [0, 1], RGB, row 0 = the top of the image; the `front`
//           camera's render (eval config "image_size", 128 px by default) average-pooled by k x k
//           pixel blocks to S_f = "front_size" (the render must be a multiple k >= 1 of it).
//   wrist:  [1, 3, S_w, S_w] likewise, S_w = "wrist_size", from the `wrist` camera.
//   state:  [1, 17] float32 proprioception (policies/demo_dataset.h kProprioDim order): EE position
//           (3, m, world frame), EE rotation 6-D (6, the first two columns of the rotation matrix),
//           gripper opening (1, m, 0..0.08), joint positions (7, rad). Standardized as
//           (x - state_mean) / state_std when the metadata gives "state_mean" / "state_std", raw
//           otherwise.
//   tokens: [N] int64, N >= 1: the episode's instruction as a hashed bag of words, exactly as the
//           built-in policies see it (policies/vla_model.h instruction_tokens: lower-cased
//           alphanumeric words, FNV-1a 64-bit, modulo "instruction_buckets"; [0] if no word).
// The output's last axis is [dx, dy, dz, droll, dpitch, dyaw, gripper] (DESIGN.md "Actions").
// When the metadata gives "action_mean" / "action_std", each component is un-standardized
// (out * action_std + action_mean); otherwise the output is taken as the action itself. The six
// motion components are then clipped to [-1, 1]; the gripper becomes the binary command +1 (close)
// if its value is > 0, else -1 (open), so a logit, a tanh output or a {-1, +1} target all work.
// Any non-finite value makes act() throw (the runner records the episode as an error).
//
// Metadata: a JSON object stored inside the archive as the extra file "wambench.json"
// (torch.jit.save(m, f, _extra_files={"wambench.json": json.dumps(meta)}); it lands at
// <archive>/extra/wambench.json). Keys:
//   "format"              "wambench-torchscript-1" (required)
//   "inputs"              forward's argument names in order, e.g. ["front", "wrist", "state",
//                         "tokens"] (required; checked against the module's schema at load)
//   "front_size"          S_f, pixels, 8..1024 (required when "front" is an input)
//   "wrist_size"          S_w, pixels, 8..1024 (required when "wrist" is an input)
//   "instruction_buckets" hashing buckets, >= 1 (required when "tokens" is an input)
//   "state_mean", "state_std"    17 numbers each, both or neither; std > 0 and finite
//   "action_mean", "action_std"  7 numbers each, both or neither; std > 0 and finite
//   "chunk"               H the module returns, 1..1024 (optional: if absent any H >= 1 is taken)
//   "execute"             actions executed per query by default, 1..H (optional: absent = all H)
//   "description"         free text (optional, ignored)
// A sweep entry's "options" override any key but "format" and "inputs" (null removes an optional
// one, e.g. {"action_mean": null, "action_std": null} to read the output as raw actions).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "policies/policy.h"

namespace wambench {

/// Format tag of the metadata this version reads.
inline constexpr const char* kTorchScriptFormat = "wambench-torchscript-1";

/// The input names forward() may take: "front", "wrist", "state", "tokens".
const std::vector<std::string>& torchscript_input_names();

/// The keys a "wambench.json" may hold (anything else is an error, so typos are caught).
const std::vector<std::string>& torchscript_metadata_keys();

/// A module's validated metadata merged with a sweep entry's options.
struct TorchScriptContract {
  std::vector<std::string> inputs;  ///< forward's arguments, in order (torchscript_input_names())
  int front_size = 0;               ///< S_f (pixels) when "front" is an input, else 0
  int wrist_size = 0;               ///< S_w (pixels) when "wrist" is an input, else 0
  int instruction_buckets = 0;      ///< when "tokens" is an input, else 0
  std::vector<float> state_mean, state_std;    ///< 17 each, or both empty (raw state)
  std::vector<float> action_mean, action_std;  ///< 7 each, or both empty (raw actions)
  int chunk = 0;    ///< H the module must return, 0 = any
  int execute = 0;  ///< default actions per query, 0 = the whole chunk
  /// True if `name` is one of `inputs`.
  bool takes(const std::string& name) const;
};

/// Reads the "wambench.json" metadata of a TorchScript archive without loading the module (cheap:
/// the eval config checks every torchscript entry with it).
/// @throws std::runtime_error naming the file: missing; not a TorchScript archive (corrupt,
/// truncated, not a zip), with LibTorch's message; no extra/wambench.json (saying how to add it,
/// and naming the policy type when the file is a wambench checkpoint); malformed JSON.
nlohmann::json torchscript_metadata(const std::string& path);

/// Validates `metadata` with `options` applied over it (see the file comment).
/// @throws std::runtime_error naming `path` and the key: unknown key (listing the valid ones),
/// wrong format tag, wrong type or out-of-range value (saying the valid range), a missing size /
/// bucket count for a declared input, a mean without its std, a std that is not positive, an
/// option overriding "format" or "inputs", execute > chunk.
TorchScriptContract torchscript_contract(const nlohmann::json& metadata, const nlohmann::json& options,
                                         const std::string& path);

/// The policy. Loads the module on the CPU for inference (one LibTorch intra-op thread, like every
/// learned policy: the runner gives each worker its own instance and core).
class TorchScriptPolicy final : public Policy {
 public:
  /// Reads the metadata, applies `options`, loads the module and checks forward's schema: one
  /// argument per "inputs" entry, same names in the same order, each a Tensor.
  /// @throws std::runtime_error naming the file and what was expected and found (see
  /// torchscript_metadata, torchscript_contract; "forward(front, state) does not match ...").
  TorchScriptPolicy(const std::string& path, const nlohmann::json& options);
  ~TorchScriptPolicy() override;

  std::string name() const override { return "torchscript"; }
  std::string checkpoint_hash() const override { return hash_; }
  /// True if forward takes "front" or "wrist".
  bool needs_images() const override;
  /// Hashes the instruction into tokens (if the module takes them).
  void reset(const EpisodeInfo& info) override;
  /// Runs forward on `obs` and converts its [1, H, 7] output as the file comment says; execute_steps
  /// is the contract's "execute" (0 = all H). @throws std::runtime_error: see forward_raw, and for a
  /// non-finite output value.
  PolicyOutput act(const Observation& obs) override;

  /// The module's output for `obs` as it came out, before un-standardization, clipping and the
  /// gripper's threshold: H x 7 floats, row-major. The inputs are built exactly as act() builds them.
  /// @throws std::runtime_error naming the file: a camera the module needs is missing or its size
  /// is not a multiple of the module's; forward raised (with TorchScript's message); the output is
  /// not a Tensor or not [1, H, 7] (with H = "chunk" when declared), naming the shape found.
  std::vector<float> forward_raw(const Observation& obs);

  const TorchScriptContract& contract() const { return contract_; }
  /// The instruction tokens passed as `tokens` since the last reset() ([0] before any).
  const std::vector<int64_t>& tokens() const { return tokens_; }

 private:
  struct Module;  // the LibTorch module, kept out of this header
  std::string path_, hash_;
  TorchScriptContract contract_;
  std::unique_ptr<Module> module_;
  std::vector<int64_t> tokens_{0};
};

}  // namespace wambench
