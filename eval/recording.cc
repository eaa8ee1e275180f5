#include "eval/recording.h"

#include "io/hdf5.h"

#include <filesystem>
#include <mutex>
#include <stdexcept>

namespace wambench {
namespace {

using hdf5::check;
using hdf5::read_matrix;
using hdf5::read_text_attribute;
using hdf5::write_matrix;
using hdf5::write_text_attribute;
using H5Handle = hdf5::Handle;

void save_trajectory(const std::string& path, const EpisodeRecord& record, const Variation& variation,
                     const Trajectory& t) {
  std::lock_guard<std::mutex> lock(hdf5::mutex());
  const std::string tmp = path + ".tmp";
  {
    H5Handle file(H5Fcreate(tmp.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), H5Fclose);
    if (file.id < 0) throw std::runtime_error("cannot create trajectory file '" + tmp + "'");
    const hsize_t states = t.nq ? t.qpos.size() / t.nq : 0;
    const hsize_t steps = t.actions.size() / kActionDim;
    write_matrix(file.id, path, "qpos", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, t.qpos.data(), states, t.nq);
    write_matrix(file.id, path, "qvel", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, t.qvel.data(), states, t.nv);
    write_matrix(file.id, path, "ctrl", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, t.ctrl.data(), states, t.nu);
    write_matrix(file.id, path, "actions", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, t.actions.data(), steps, kActionDim);
    write_matrix(file.id, path, "success", H5T_STD_U8LE, H5T_NATIVE_UINT8, t.success.data(), t.success.size(), 0);
    write_text_attribute(file.id, path, "format", "wambench-trajectory-1");
    write_text_attribute(file.id, path, "record", to_json(record).dump());
    write_text_attribute(file.id, path, "variation", to_json(variation).dump());
    write_text_attribute(file.id, path, "phases", nlohmann::json(t.phases).dump());
    write_text_attribute(file.id, path, "phases_coarse", nlohmann::json(t.phases_coarse).dump());
    write_text_attribute(file.id, path, "diagnostics", nlohmann::json(t.diagnostics).dump());
    if (!t.real_series.empty() || !t.real_attributes.empty()) {
      H5Handle group(H5Gcreate2(file.id, "real", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose);
      if (group.id < 0) throw std::runtime_error(path + ": HDF5 error while creating group 'real'");
      for (const auto& [name, series] : t.real_series)
        write_matrix(group.id, path, name.c_str(), H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, series.values.data(), series.rows,
                     series.cols);
      for (const auto& [name, text] : t.real_attributes) write_text_attribute(group.id, path, name.c_str(), text);
    }
  }
  std::filesystem::rename(tmp, path);
}

}  // namespace

std::string recording_path(const std::string& dir, const EpisodeKey& key, const std::string& ext) {
  return (std::filesystem::path(dir) / key.policy / key.task / key.split /
          ("episode_" + std::to_string(key.index) + "." + ext))
      .string();
}

void save_recordings(const std::string& dir, const EpisodeRecord& record, const Trajectory& trajectory,
                     bool save_trajectory_file, bool video) {
  const std::string h5 = recording_path(dir, record.key, "h5");
  std::filesystem::create_directories(std::filesystem::path(h5).parent_path());
  if (save_trajectory_file && trajectory.nq > 0) save_trajectory(h5, record, trajectory.variation, trajectory);
  if (video && !trajectory.frames.empty()) write_mp4(recording_path(dir, record.key, "mp4"), trajectory.frames, 10);
}

RecordedEpisode read_recording(const std::string& path) {
  if (!std::filesystem::is_regular_file(path)) throw std::runtime_error("no trajectory file '" + path + "'");
  std::lock_guard<std::mutex> lock(hdf5::mutex());
  H5Handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  if (file.id < 0) throw std::runtime_error("'" + path + "' is not a readable HDF5 file");
  if (read_text_attribute(file.id, path, "format") != "wambench-trajectory-1")
    throw std::runtime_error(path + ": unknown trajectory format");
  RecordedEpisode recorded;
  EpisodeRecord& record = recorded.record;
  Trajectory& t = recorded.trajectory;
  try {
    record = episode_record_from_json(nlohmann::json::parse(read_text_attribute(file.id, path, "record")));
    t.variation = variation_from_json(nlohmann::json::parse(read_text_attribute(file.id, path, "variation")));
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error(path + ": malformed metadata: " + e.what());
  }
  hsize_t rows = 0, cols = 0, steps = 0, c7 = 0;
  t.qpos = read_matrix(file.id, path, "qpos", &rows, &cols);
  t.nq = static_cast<int>(cols);
  t.qvel = read_matrix(file.id, path, "qvel", &rows, &cols);
  t.nv = static_cast<int>(cols);
  t.ctrl = read_matrix(file.id, path, "ctrl", &rows, &cols);
  t.nu = static_cast<int>(cols);
  t.actions = read_matrix(file.id, path, "actions", &steps, &c7);
  if (rows != steps + 1 || (steps > 0 && c7 != kActionDim))
    throw std::runtime_error(path + ": inconsistent shapes (states " + std::to_string(rows) + ", actions " +
                             std::to_string(steps) + " x " + std::to_string(c7) + ")");
  hsize_t srows = 0, scols = 0;
  for (double s : read_matrix(file.id, path, "success", &srows, &scols)) t.success.push_back(s != 0);
  try {
    t.phases = nlohmann::json::parse(read_text_attribute(file.id, path, "phases")).get<std::vector<std::string>>();
    // Recordings made before the state phase labels have no "phases_coarse" (their "phases" came
    // from a shadow expert); replay() relabels every recording from its states anyway.
    if (H5Aexists(file.id, "phases_coarse") > 0)
      t.phases_coarse =
          nlohmann::json::parse(read_text_attribute(file.id, path, "phases_coarse")).get<std::vector<std::string>>();
    t.diagnostics = nlohmann::json::parse(read_text_attribute(file.id, path, "diagnostics")).get<std::vector<nlohmann::json>>();
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error(path + ": malformed phases / diagnostics: " + e.what());
  }
  if (t.phases.size() != steps || t.diagnostics.size() != steps || t.success.size() != steps ||
      (!t.phases_coarse.empty() && t.phases_coarse.size() != steps))
    throw std::runtime_error(path + ": " + std::to_string(steps) + " actions but " + std::to_string(t.phases.size()) +
                             " phases, " + std::to_string(t.diagnostics.size()) + " diagnostics and " +
                             std::to_string(t.success.size()) + " success flags");
  return recorded;
}

Trajectory replay(TaskEnv& env, const RecordedEpisode& recorded) {
  const Trajectory& t = recorded.trajectory;
  const std::string& task = recorded.record.key.task;
  if (env.task().name() != task)
    throw std::invalid_argument("replay: trajectory of task '" + task + "' in a '" + env.task().name() +
                                "' environment");
  const mjModel* m = env.env().model();
  if (m->nq != t.nq || m->nv != t.nv || m->nu != t.nu)
    throw std::invalid_argument("replay: model sizes differ from the recording (nq " + std::to_string(m->nq) + " vs " +
                                std::to_string(t.nq) + ")");
  env.reset(t.variation);
  Trajectory out;
  out.variation = t.variation;
  out.nq = t.nq;
  out.nv = t.nv;
  out.nu = t.nu;
  append_state(env.env(), &out);
  // State phase labels, recomputed from the re-simulated states exactly as the runner computes
  // them (so older recordings, labelled by a shadow expert, get them too); the plan labels are the
  // recorded policy's own "phase" diagnostics.
  PhaseLabeller labeller(env.task());
  labeller.reset(env.env().model(), env.env().data());
  for (int s = 0; s < recorded.steps(); ++s) {
    Action a;
    for (int k = 0; k < kActionDim; ++k) a[k] = t.actions[static_cast<size_t>(s) * kActionDim + k];
    env.step(a);
    labeller.step(env.env().model(), env.env().data());
    append_state(env.env(), &out);
    out.actions.insert(out.actions.end(), a.begin(), a.end());
    out.diagnostics.push_back(s < static_cast<int>(t.diagnostics.size()) ? t.diagnostics[s] : nlohmann::json::object());
    const nlohmann::json& diag = out.diagnostics.back();
    out.plan_phases.push_back(diag.is_object() && diag.contains("phase") && diag["phase"].is_string()
                                  ? diag["phase"].get<std::string>()
                                  : "");
    out.success.push_back(env.status().success);
    out.progress.push_back(env.status().progress);
  }
  for (const PhaseLabel& phase : labeller.steps()) {
    out.phases.push_back(phase.fine);
    out.phases_coarse.push_back(to_string(phase.coarse));
  }
  return out;
}

double max_qpos_difference(const Trajectory& replayed, const Trajectory& t) {
  if (replayed.nq != t.nq || replayed.qpos.size() != t.qpos.size())
    throw std::invalid_argument("replay: the replayed trajectory has " + std::to_string(replayed.qpos.size()) +
                                " qpos values, the recording " + std::to_string(t.qpos.size()));
  double worst = 0;
  for (size_t k = 0; k < t.qpos.size(); ++k) worst = std::max(worst, std::abs(replayed.qpos[k] - t.qpos[k]));
  return worst;
}

double replay_difference(TaskEnv& env, const RecordedEpisode& recorded) {
  return max_qpos_difference(replay(env, recorded), recorded.trajectory);
}

}  // namespace wambench
