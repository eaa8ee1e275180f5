#include "viewer/session.h"

#include <algorithm>
#include <filesystem>
#include <stdexcept>

#include "eval/store.h"
#include "tasks/split.h"

namespace wambench::viewer {
namespace fs = std::filesystem;

TaskEnv& EnvCache::get(const std::string& task) {
  auto it = envs_.find(task);
  if (it == envs_.end()) it = envs_.emplace(task, std::make_unique<TaskEnv>(task, config_)).first;
  return *it->second;
}

std::string resolve_recording(const std::string& path) {
  for (const std::string& candidate : {path, path + ".h5"})
    if (fs::is_regular_file(candidate)) return candidate;
  throw std::runtime_error("no recording at '" + path + "' (looked for the file itself and '" + path +
                           ".h5'); recordings are DIR/recordings/<policy>/<task>/<split>/episode_<i>.h5 of an "
                           "eval run with record_trajectories on");
}

std::vector<double> gripper_openings(TaskEnv& env, const Trajectory& trajectory) {
  const mjModel* m = env.env().model();
  std::unique_ptr<mjData, void (*)(mjData*)> d(mj_makeData(m), mj_deleteData);
  std::vector<double> out;
  const size_t states = trajectory.nq ? trajectory.qpos.size() / trajectory.nq : 0;
  for (size_t s = 0; s < states; ++s) {
    std::copy_n(&trajectory.qpos[s * trajectory.nq], trajectory.nq, d->qpos);
    mj_kinematics(m, d.get());
    out.push_back(env.env().controller().gripper_opening_m(d.get()));
  }
  return out;
}

ShownEpisode load_replay(const std::string& path, EnvCache& envs) {
  const std::string file = resolve_recording(path);
  const RecordedEpisode recorded = read_recording(file);
  TaskEnv& env = envs.get(recorded.record.key.task);
  ShownEpisode shown;
  shown.source = file;
  shown.record = recorded.record;
  shown.trajectory = replay(env, recorded);
  shown.replay_max_qpos_diff = max_qpos_difference(shown.trajectory, recorded.trajectory);
  shown.gripper_opening_m = gripper_openings(env, shown.trajectory);
  const EpisodeKey& k = recorded.record.key;
  shown.label = k.policy + "  " + k.task + " / " + k.split + " #" + std::to_string(k.index);
  return shown;
}

LiveSession::LiveSession(EnvCache& envs, const PolicySpec& policy, const std::string& task, const std::string& split,
                         int64_t index, uint64_t base_seed)
    : LiveSession(envs, make_policy(policy), task, split, index, base_seed) {}

LiveSession::LiveSession(EnvCache& envs, std::unique_ptr<Policy> policy, const std::string& task,
                         const std::string& split, int64_t index, uint64_t base_seed)
    : env_(envs.get(task)), policy_(std::move(policy)), active_(policy_.get()), in_control_(policy_->name()) {
  parse_split(split);  // validates, listing the valid names
  EpisodeKey key{in_control_, task, split, index};
  stepper_ = std::make_unique<EpisodeStepper>(*policy_, env_, key, base_seed, &shown_.trajectory);
  shown_.source = "live";
  shown_.label = in_control_ + "  " + task + " / " + split + " #" + std::to_string(index);
  sync();
}

const LiveSession::Imagination* LiveSession::imagination_at(int state) const {
  auto it = imagined_.upper_bound(state);
  if (it == imagined_.begin()) return nullptr;
  return &std::prev(it)->second;
}

void LiveSession::sync() {
  shown_.record = stepper_->record();
  // Only the new states need their gripper opening.
  const size_t states = shown_.trajectory.nq ? shown_.trajectory.qpos.size() / shown_.trajectory.nq : 0;
  if (shown_.gripper_opening_m.size() > states) shown_.gripper_opening_m.clear();
  while (shown_.gripper_opening_m.size() < states) {
    // The newest state is the simulator's current one.
    shown_.gripper_opening_m.push_back(env_.env().controller().gripper_opening_m(env_.env().data()));
  }
}

void LiveSession::step() {
  const int before = shown_.steps();
  stepper_->step();
  // A new query happened in this step: keep what the world model imagined.
  if (stepper_->last_query_step() == before && shown_.steps() > before) {
    std::vector<Image> frames = active_->imagined_frames();
    if (!frames.empty())
      imagined_[before] = {before, std::max(1, active_->imagined_stride_steps()), std::move(frames)};
  }
  sync();
}

void LiveSession::take_over(const PolicySpec& policy) {
  takeover_ = make_policy(policy);
  stepper_->switch_policy(*takeover_);
  active_ = takeover_.get();
  in_control_ = policy.name;
  takeover_step_ = shown_.steps();
  sync();
}

std::vector<RunEpisode> load_runs(const std::vector<std::string>& dirs) {
  std::vector<RunEpisode> out;
  for (const std::string& dir : dirs) {
    const std::string jsonl = (fs::path(dir) / "episodes.jsonl").string();
    if (!fs::is_regular_file(jsonl))
      throw std::runtime_error("'" + dir + "' is not a run folder: it has no episodes.jsonl (a run folder is the --out "
                               "DIR of `wambench eval`)");
    const std::vector<EpisodeRecord> records = read_episode_records(jsonl);
    if (records.empty()) throw std::runtime_error("run folder '" + dir + "' has no finished episodes in " + jsonl);
    const std::string recordings = (fs::path(dir) / "recordings").string();
    for (const EpisodeRecord& r : records) {
      const std::string h5 = recording_path(recordings, r.key, "h5");
      out.push_back({dir, r, fs::is_regular_file(h5) ? h5 : ""});
    }
  }
  return out;
}

std::vector<size_t> same_episode(const std::vector<RunEpisode>& episodes, size_t i) {
  std::vector<size_t> out;
  const EpisodeRecord& a = episodes.at(i).record;
  for (size_t j = 0; j < episodes.size(); ++j) {
    const EpisodeRecord& b = episodes[j].record;
    if (j != i && b.key.task == a.key.task && b.key.split == a.key.split && b.key.index == a.key.index &&
        b.seed == a.seed)
      out.push_back(j);
  }
  return out;
}

std::vector<std::pair<int, std::string>> phase_starts(const Trajectory& trajectory) {
  std::vector<std::pair<int, std::string>> out;
  for (size_t s = 0; s < trajectory.phases.size(); ++s)
    if (s == 0 || trajectory.phases[s] != trajectory.phases[s - 1]) out.emplace_back(static_cast<int>(s), trajectory.phases[s]);
  return out;
}

int progress_stop_step(const Trajectory& trajectory) {
  if (trajectory.progress.empty()) return 0;
  const int best = *std::max_element(trajectory.progress.begin(), trajectory.progress.end());
  if (best == 0) return 0;
  return static_cast<int>(std::find(trajectory.progress.begin(), trajectory.progress.end(), best) - trajectory.progress.begin());
}

}  // namespace wambench::viewer
