#include "eval/recording.h"

#include <hdf5.h>

#include <filesystem>
#include <mutex>
#include <stdexcept>

namespace wambench {
namespace {

std::mutex& hdf5_mutex() {
  static std::mutex m;  // Debian's serial HDF5 is not built thread-safe: serialize every call
  static const bool quiet = [] {
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);  // errors are reported as exceptions instead
    return true;
  }();
  (void)quiet;
  return m;
}

// Closes an HDF5 handle at scope exit.
struct H5Handle {
  hid_t id = -1;
  herr_t (*close)(hid_t) = nullptr;
  H5Handle(hid_t i, herr_t (*c)(hid_t)) : id(i), close(c) {}
  ~H5Handle() {
    if (id >= 0 && close) close(id);
  }
  H5Handle(const H5Handle&) = delete;
  H5Handle& operator=(const H5Handle&) = delete;
};

void check(herr_t status, const std::string& path, const std::string& what) {
  if (status < 0) throw std::runtime_error(path + ": HDF5 error while " + what);
}

void write_matrix(hid_t file, const std::string& path, const char* name, hid_t file_type, hid_t mem_type,
                  const void* data, hsize_t rows, hsize_t cols) {
  hsize_t dims[2] = {rows, cols};
  const int rank = cols == 0 ? 1 : 2;
  H5Handle space(H5Screate_simple(rank, dims, nullptr), H5Sclose);
  H5Handle dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
  if (rows > 0) {  // gzip needs chunking; h5py reads it by default
    hsize_t chunk[2] = {rows, std::max<hsize_t>(cols, 1)};
    check(H5Pset_chunk(dcpl.id, rank, chunk), path, "setting chunks");
    check(H5Pset_deflate(dcpl.id, 4), path, "setting gzip");
  }
  H5Handle ds(H5Dcreate2(file, name, file_type, space.id, H5P_DEFAULT, dcpl.id, H5P_DEFAULT), H5Dclose);
  if (ds.id < 0) throw std::runtime_error(path + ": cannot create dataset " + name);
  if (rows > 0) check(H5Dwrite(ds.id, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data), path, std::string("writing ") + name);
}

void write_text_attribute(hid_t file, const std::string& path, const char* name, const std::string& text) {
  H5Handle type(H5Tcopy(H5T_C_S1), H5Tclose);
  check(H5Tset_size(type.id, std::max<size_t>(1, text.size())), path, "sizing a string");
  H5Handle space(H5Screate(H5S_SCALAR), H5Sclose);
  H5Handle attr(H5Acreate2(file, name, type.id, space.id, H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
  if (attr.id < 0) throw std::runtime_error(path + ": cannot create attribute " + name);
  const std::string padded = text.empty() ? std::string(1, '\0') : text;
  check(H5Awrite(attr.id, type.id, padded.data()), path, std::string("writing attribute ") + name);
}

std::string read_text_attribute(hid_t file, const std::string& path, const char* name) {
  if (H5Aexists(file, name) <= 0) throw std::runtime_error(path + ": not a wambench trajectory (no '" + name + "')");
  H5Handle attr(H5Aopen(file, name, H5P_DEFAULT), H5Aclose);
  H5Handle type(H5Aget_type(attr.id), H5Tclose);
  const size_t n = H5Tget_size(type.id);
  std::string text(n, '\0');
  check(H5Aread(attr.id, type.id, text.data()), path, std::string("reading attribute ") + name);
  while (!text.empty() && text.back() == '\0') text.pop_back();
  return text;
}

std::vector<double> read_matrix(hid_t file, const std::string& path, const char* name, hsize_t* rows, hsize_t* cols) {
  H5Handle ds(H5Dopen2(file, name, H5P_DEFAULT), H5Dclose);
  if (ds.id < 0) throw std::runtime_error(path + ": missing dataset " + name);
  H5Handle space(H5Dget_space(ds.id), H5Sclose);
  hsize_t dims[2] = {0, 1};
  const int rank = H5Sget_simple_extent_dims(space.id, dims, nullptr);
  if (rank < 1 || rank > 2) throw std::runtime_error(path + ": dataset " + std::string(name) + " has rank " + std::to_string(rank));
  *rows = dims[0];
  *cols = rank == 2 ? dims[1] : 1;
  std::vector<double> out(*rows * *cols);
  if (!out.empty()) check(H5Dread(ds.id, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()), path,
                          std::string("reading ") + name);
  return out;
}

void save_trajectory(const std::string& path, const EpisodeRecord& record, const Variation& variation,
                     const EpisodeTrace& t) {
  std::lock_guard<std::mutex> lock(hdf5_mutex());
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
    write_text_attribute(file.id, path, "diagnostics", nlohmann::json(t.diagnostics).dump());
  }
  std::filesystem::rename(tmp, path);
}

}  // namespace

std::string recording_path(const std::string& dir, const EpisodeKey& key, const std::string& ext) {
  return (std::filesystem::path(dir) / key.policy / key.task / key.split /
          ("episode_" + std::to_string(key.index) + "." + ext))
      .string();
}

void save_recordings(const std::string& dir, const EpisodeRecord& record, const EpisodeTrace& trace, bool trajectory,
                     bool video) {
  const std::string h5 = recording_path(dir, record.key, "h5");
  std::filesystem::create_directories(std::filesystem::path(h5).parent_path());
  if (trajectory && trace.nq > 0) save_trajectory(h5, record, trace.variation, trace);
  if (video && !trace.frames.empty()) write_mp4(recording_path(dir, record.key, "mp4"), trace.frames, 10);
}

Trajectory read_trajectory(const std::string& path) {
  if (!std::filesystem::is_regular_file(path)) throw std::runtime_error("no trajectory file '" + path + "'");
  std::lock_guard<std::mutex> lock(hdf5_mutex());
  H5Handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  if (file.id < 0) throw std::runtime_error("'" + path + "' is not a readable HDF5 file");
  if (read_text_attribute(file.id, path, "format") != "wambench-trajectory-1")
    throw std::runtime_error(path + ": unknown trajectory format");
  Trajectory t;
  try {
    t.record = episode_record_from_json(nlohmann::json::parse(read_text_attribute(file.id, path, "record")));
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
  t.steps = static_cast<int>(steps);
  if (rows != steps + 1 || (steps > 0 && c7 != kActionDim))
    throw std::runtime_error(path + ": inconsistent shapes (states " + std::to_string(rows) + ", actions " +
                             std::to_string(steps) + " x " + std::to_string(c7) + ")");
  hsize_t srows = 0, scols = 0;
  for (double s : read_matrix(file.id, path, "success", &srows, &scols)) t.success.push_back(s != 0);
  try {
    t.phases = nlohmann::json::parse(read_text_attribute(file.id, path, "phases")).get<std::vector<std::string>>();
    t.diagnostics = nlohmann::json::parse(read_text_attribute(file.id, path, "diagnostics")).get<std::vector<nlohmann::json>>();
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error(path + ": malformed phases / diagnostics: " + e.what());
  }
  if (t.phases.size() != steps || t.diagnostics.size() != steps || t.success.size() != steps)
    throw std::runtime_error(path + ": " + std::to_string(steps) + " actions but " + std::to_string(t.phases.size()) +
                             " phases, " + std::to_string(t.diagnostics.size()) + " diagnostics and " +
                             std::to_string(t.success.size()) + " success flags");
  return t;
}

EpisodeTrace replay_trace(TaskEnv& env, const Trajectory& t) {
  if (env.task().name() != t.record.key.task)
    throw std::invalid_argument("replay: trajectory of task '" + t.record.key.task + "' in a '" + env.task().name() +
                                "' environment");
  const mjModel* m = env.env().model();
  if (m->nq != t.nq || m->nv != t.nv || m->nu != t.nu)
    throw std::invalid_argument("replay: model sizes differ from the recording (nq " + std::to_string(m->nq) + " vs " +
                                std::to_string(t.nq) + ")");
  env.reset(t.variation);
  EpisodeTrace out;
  out.variation = t.variation;
  out.nq = t.nq;
  out.nv = t.nv;
  out.nu = t.nu;
  auto log_state = [&] {
    const mjData* d = env.env().data();
    out.qpos.insert(out.qpos.end(), d->qpos, d->qpos + t.nq);
    out.qvel.insert(out.qvel.end(), d->qvel, d->qvel + t.nv);
    out.ctrl.insert(out.ctrl.end(), d->ctrl, d->ctrl + t.nu);
  };
  log_state();
  for (int s = 0; s < t.steps; ++s) {
    Action a;
    for (int k = 0; k < kActionDim; ++k) a[k] = t.actions[static_cast<size_t>(s) * kActionDim + k];
    env.step(a);
    log_state();
    out.actions.insert(out.actions.end(), a.begin(), a.end());
    out.phases.push_back(s < static_cast<int>(t.phases.size()) ? t.phases[s] : "");
    out.diagnostics.push_back(s < static_cast<int>(t.diagnostics.size()) ? t.diagnostics[s] : nlohmann::json::object());
    out.success.push_back(env.status().success);
    out.progress.push_back(env.status().progress);
  }
  return out;
}

double max_qpos_difference(const EpisodeTrace& replayed, const Trajectory& t) {
  if (replayed.nq != t.nq || replayed.qpos.size() != t.qpos.size())
    throw std::invalid_argument("replay: the replayed trace has " + std::to_string(replayed.qpos.size()) +
                                " qpos values, the recording " + std::to_string(t.qpos.size()));
  double worst = 0;
  for (size_t k = 0; k < t.qpos.size(); ++k) worst = std::max(worst, std::abs(replayed.qpos[k] - t.qpos[k]));
  return worst;
}

double replay_trajectory(TaskEnv& env, const Trajectory& t) { return max_qpos_difference(replay_trace(env, t), t); }

}  // namespace wambench
