// Per-episode recordings of a sweep, under DIR/recordings/<policy>/<task>/<split>/:
//  - episode_<i>.h5: the state trajectory (HDF5, readable with h5py). Datasets (float64, gzip):
//    qpos (T+1, nq), qvel (T+1, nv), ctrl (T+1, nu): the initial state, then the state after each of
//    the T control steps; actions (T, 7): the normalized actions as the policy gave them; success
//    (T,) uint8: the task's latched success after each step. Attributes (JSON text): "record" (the
//    episode record), "variation" (the episode's Variation, see tasks/task.h), "phases" (T fine
//    state phase labels, tasks/phase_labeller.h: the label of the state each step ended in),
//    "phases_coarse" (T coarse state labels, "transit" / "interaction"), "diagnostics" (T per-step
//    policy diagnostics; the scripted expert's own plan labels are its "phase" / "coarse"
//    entries); "format" = "wambench-trajectory-1". Episodes run on a robot (`wambench real`) add a
//    group "real/" with the bridge's time stamps, measured poses, latencies and safety
//    interventions (bridge/runtime.h lists them).
//    Replaying the actions from the variation's initial state reproduces the trajectory exactly.
//  - episode_<i>.mp4: front-camera video at the control rate (H.264 when FFmpeg has an encoder
//    for it, MPEG-4 part 2 otherwise), for the first K episodes of each cell (--record-video K).
#pragma once

#include <string>
#include <vector>

#include "eval/record.h"
#include "eval/runner.h"

namespace wambench {

/// Path of an episode's recording with extension `ext` ("h5" or "mp4") under `recordings_dir`.
std::string recording_path(const std::string& recordings_dir, const EpisodeKey& key, const std::string& ext);

/// Writes the recordings of one episode (its trajectory as .h5 and / or its video as .mp4). Thread-safe (HDF5 calls are
/// serialized). @throws std::runtime_error naming the file on an I/O or encoder error.
void save_recordings(const std::string& recordings_dir, const EpisodeRecord& record, const Trajectory& trajectory,
                     bool save_trajectory, bool video);

/// An episode read back from its recording's .h5 file: its record and its trajectory. The trajectory
/// has what the file stores (variation, states, actions, success, phase labels, diagnostics); its
/// `progress`, `plan_phases`, `frames` and real-robot series stay empty (replay() recomputes the
/// first two).
struct RecordedEpisode {
  EpisodeRecord record;
  Trajectory trajectory;
  /// Control steps of the episode (rows of trajectory.actions).
  int steps() const { return static_cast<int>(trajectory.actions.size() / kActionDim); }
};

/// Reads an episode's .h5 recording (recording_path(..., "h5")).
/// @throws std::runtime_error naming the file if it is missing, not a wambench trajectory, or
/// truncated.
RecordedEpisode read_recording(const std::string& path);

/// Re-simulates a recorded episode: resets `env` (same task) to the variation's initial state and
/// executes the recorded actions, logging every state, the task's success and progress after each
/// step, the state phase labels (recomputed from the re-simulated states with PhaseLabeller, as
/// the runner computes them), the recorded diagnostics and the plan labels in them, into the
/// returned trajectory (no frames). `env` is left
/// in the final replayed state. This is the replay of both replay_difference() and the viewer.
/// @throws std::invalid_argument if the task or model sizes differ; InvalidActionError /
/// SimulationError as TaskEnv::step.
Trajectory replay(TaskEnv& env, const RecordedEpisode& recorded);

/// Largest absolute difference between the qpos rows of a replayed trajectory and of the recorded one
/// (0 for an exact reproduction). @throws std::invalid_argument if their shapes differ.
double max_qpos_difference(const Trajectory& replayed, const Trajectory& recorded);

/// replay() then max_qpos_difference(): 0 when the recording reproduces exactly.
double replay_difference(TaskEnv& env, const RecordedEpisode& recorded);

/// What a video file holds, read back with libavformat / libavcodec.
struct VideoInfo {
  int frames = 0;  ///< decoded frames
  int width = 0, height = 0;
  std::string codec;  ///< e.g. "h264"
};

/// Decodes every frame of a video file. @throws std::runtime_error naming the file if it cannot be
/// opened or decoded.
VideoInfo probe_video(const std::string& path);

/// Encodes RGB frames (all the same size, even width and height) as an MP4 at `fps`.
/// @throws std::runtime_error naming the file on an encoder or I/O error.
void write_mp4(const std::string& path, const std::vector<Image>& frames, int fps);

}  // namespace wambench
