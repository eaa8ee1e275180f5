// The `remote` policy: a policy served over openpi's websocket protocol (openpi's
// serve_policy.py, or `wambench serve`), queried once per action chunk. No checkpoint; its
// settings are the config entry's "options" (PolicySpec::options).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "policies/policy.h"

namespace wambench {

/// Option keys of a `remote` policy entry, with their defaults (openpi's LIBERO example):
///   "url"              (required) "ws://host:port", "host:port" or "host" (port 8000)
///   "layout"           "libero" | "wambench": the base observation layout
///                      (serving/mapping.h observation_layout; "wambench" is lossless)
///   "image_key", "wrist_image_key", "state_key", "prompt_key": key names ("" = not sent);
///   "image_size"       pixels, 0 = as rendered (libero: 224); "resize_with_pad" (libero: true)
///   "state_fields"     list of state field names (serving/mapping.h state_field_names()),
///   "state_dtype"      "<f8" | "<f4"
///   "action_convention" "delta_ee" (default) | "scaled"; "action_dim" (7); for "scaled":
///   "action_scale", "action_offset" (6 numbers each), "gripper_index" (6), "gripper_mode"
///   ("sign" | "threshold" | "range"), "gripper_threshold" (0.5), "gripper_range" ([0, 1]),
///   "gripper_invert" (false) — see serving::ActionMapping
///   "execute"          actions of each chunk executed before the next query, >= 1; default: the
///                      reply's "wambench/execute_steps" (sent by `wambench serve`), else the server
///                      metadata's "execute_steps" if it advertises one, else the whole chunk
///   "timeout_s"        per request (and per connection step) wait limit, s (default 30)
///   "retries"          extra connection attempts, 0.5 s apart (default 3)
///   "send_episode"     true (default): add "wambench/episode" {"task": str, "split": str,
///                      "index": int, "seed": decimal str (a uint64)} to every observation, so a `wambench serve` server resets its policy
///                      per episode; openpi servers ignore unknown keys.
const std::vector<std::string>& remote_option_keys();

/// Creates a `remote` policy. Does not connect: the connection is opened at the first reset()
/// (one connection per instance, i.e. per runner worker), so an unreachable server makes episodes
/// fail with an error record instead of the sweep.
/// @throws std::invalid_argument for an unknown option key (listing the valid ones), a missing
/// "url", or a value of the wrong type or out of range (naming the key).
std::unique_ptr<Policy> make_remote_policy(const nlohmann::json& options);

}  // namespace wambench
