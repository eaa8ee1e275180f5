// Phase labels of control steps: the vocabulary tasks label their simulator states with
// (tasks/task.h Task::phase_from_state, tasks/phase_labeller.h), scripted experts label their plans
// with, and policies read (EpisodeInfo::phase, policies/policy.h). Here, below both, so that
// policies/ sees them without tasks/.
#pragma once

#include <string>

namespace wambench {

/// Coarse phase of a control step (what HarmoWAM's gate should discover): free-space motion
/// (`kTransit`) or contact-rich work near what the task manipulates (`kInteraction`).
enum class CoarsePhase { kTransit, kInteraction };

/// "transit" or "interaction", the spelling of records, trajectory files and diagnostics.
const char* to_string(CoarsePhase phase);

/// Phase label of one control step: from the simulator state (Task::phase_from_state, what the
/// benchmark judges every policy with) or from a scripted expert's plan (Expert::act, the separate
/// "expert plan" series).
struct PhaseLabel {
  CoarsePhase coarse = CoarsePhase::kTransit;
  std::string fine = "reach";  ///< reach, grasp, lift, move, place, release, retreat, pull, insert, press, tilt, ...
};

}  // namespace wambench
