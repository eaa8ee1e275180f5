// The manifest of a run directory (DIR/manifest.json): what decides its episodes (the resolved
// config and its hash) and where they were produced (code version, MuJoCo / LibTorch versions, GL
// renderer, machine, times). Written by `wambench eval` and by the Python package's evaluate();
// README "Evaluation" lists its fields.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "eval/config.h"

namespace wambench {

/// The manifest of a new run of `config`: {"config", "config_hash", "wambench" {version, git_commit,
/// build_type}, "mujoco", "libtorch", "gl_renderer", "machine", "command", "start_time",
/// "end_time": null}. `command` says what started the run (e.g. "wambench eval"). Creating the
/// policies once tells whether any renders; if one does, a GL context is created to name the
/// renderer ("unavailable: <why>" when none can be).
/// @throws std::invalid_argument from make_policy() for a policy that cannot be created.
nlohmann::json new_run_manifest(const EvalConfig& config, const std::string& command);

/// Appends {"time", "git_commit", "workers"} to the manifest's "resumed" list.
void mark_resumed(nlohmann::json* manifest, int workers);

/// Writes `j` (indented) to `path` through a temporary file and a rename, so a reader never sees a
/// half-written file.
/// @throws std::runtime_error if the file cannot be written.
void write_json_atomic(const std::string& path, const nlohmann::json& j);

}  // namespace wambench
