// Scenes and helpers shared by the sim/ tests.
#pragma once

#include <array>
#include <string>
#include <vector>

#include "sim/env.h"

namespace wambench::testing {

/// The bundled arena + arm plus `worldbody_extra` MJCF (bodies added to the worldbody), compiled
/// from a string with includes resolved in the asset directory.
ModelPtr scene_with(const std::string& worldbody_extra);

/// EnvConfig without rendering (physics-only tests).
EnvConfig physics_only_config();

/// The fixed, deterministic action sequence used by the determinism tests: 500 actions that move,
/// rotate and open / close the gripper (sinusoids with incommensurate periods).
std::vector<Action> determinism_actions();

/// Runs determinism_actions() from reset() in a fresh physics-only Env and returns qpos.
std::vector<double> run_determinism_rollout();

/// qpos as a hex string of the raw IEEE-754 bits, one value per line.
std::string to_hex_lines(const std::vector<double>& values);

}  // namespace wambench::testing
