#include "viewer/state.h"

#include <algorithm>
#include <map>

#include "policies/policy.h"
#include "tasks/registry.h"

namespace wambench::viewer {

void Shown::load_state(int k, mjData* d) const {
  const mjModel* m = env->env().model();
  k = std::clamp(k, 0, states() - 1);
  const Trajectory& t = episode.trajectory;
  std::copy_n(&t.qpos[static_cast<size_t>(k) * t.nq], t.nq, d->qpos);
  std::copy_n(&t.qvel[static_cast<size_t>(k) * t.nv], t.nv, d->qvel);
  if (t.nu) std::copy_n(&t.ctrl[static_cast<size_t>(k) * t.nu], t.nu, d->ctrl);
  d->time = k * env->env().physics_steps_per_control() * m->opt.timestep;
  mj_forward(m, d);
}

void Shown::show(int k) {
  if (!data) data.reset(mj_makeData(env->env().model()));
  k = std::clamp(k, 0, states() - 1);
  load_state(k, data.get());
  const auto& progress = episode.trajectory.progress;
  env->task().show_progress_indicators(env->env().mutable_model(),
                                       k == 0 || progress.size() < static_cast<size_t>(k) ? 0 : progress[k - 1]);
  shown_state = k;
}

std::optional<std::array<double, 3>> target_region(const ShownEpisode& episode) {
  // One task object per name, made on first use (the viewer draws from one thread).
  static std::map<std::string, std::unique_ptr<Task>> tasks;
  const std::string& name = episode.record.key.task;
  auto it = tasks.find(name);
  if (it == tasks.end()) {
    const std::vector<std::string>& known = task_names();
    if (std::find(known.begin(), known.end(), name) == known.end()) return std::nullopt;
    it = tasks.emplace(name, make_task(name)).first;
  }
  try {
    const TargetRegion target = it->second->target_region(episode.trajectory.variation);
    return std::array<double, 3>{target.p_W.x(), target.p_W.y(), target.p_W.z()};
  } catch (const std::invalid_argument&) {
    return std::nullopt;  // a variation without the target role's placement (a foreign recording)
  }
}

ViewerState::ViewerState(const ViewerOptions& options, EnvConfig env_config)
    : opt_(options), envs_(std::move(env_config)), speed_(options.speed) {
  mode_ = !options.replay.empty() ? Mode::kReplay : !options.runs.empty() ? Mode::kBrowse : Mode::kLive;
  mjv_defaultOption(&vis_);
  mjv_defaultCamera(&camera_);
  camera_.type = mjCAMERA_FREE;
  camera_.lookat[0] = 0.45;
  camera_.lookat[1] = 0.0;
  camera_.lookat[2] = 0.05;
  camera_.distance = 1.05;
  camera_.azimuth = 200;
  camera_.elevation = -32;
  if (mode_ == Mode::kLive) {
    start_live();
  } else if (mode_ == Mode::kReplay) {
    shown_[0] = std::make_unique<Shown>();
    shown_[0]->episode = load_replay(options.replay, envs_);
    shown_[0]->env = &envs_.get(shown_[0]->episode.record.key.task);
    set_cursor(0);
  } else {
    run_ = load_runs(options.runs);
    playing_ = false;
    if (options.select >= 0) {
      open_browse_row(static_cast<size_t>(options.select), false);
      const std::vector<size_t> same = same_episode(run_, static_cast<size_t>(options.select));
      if (options.side_by_side && !same.empty()) open_browse_row(same.front(), true);
    }
  }
}

void ViewerState::start_live() {
  PolicySpec spec{opt_.policy, opt_.checkpoint.empty() ? bundled_checkpoint(opt_.policy) : opt_.checkpoint, 0.0, {}};
  live_ = std::make_unique<LiveSession>(envs_, spec, opt_.task, opt_.split, opt_.episode, opt_.seed);
  shown_[0] = std::make_unique<Shown>();
  shown_[0]->env = &live_->env();
  shown_[0]->episode = live_->episode();
  shown_[1].reset();
  play_accum_s_ = 0;
  set_cursor(0);
}

void ViewerState::set_live_episode(int64_t index) {
  if (index < 0) return;
  opt_.episode = index;
  start_live();
}

void ViewerState::set_live_split(const std::string& split) {
  opt_.split = split;
  start_live();
}

void ViewerState::set_live_task(const std::string& task) {
  opt_.task = task;
  start_live();
}

void ViewerState::set_live_policy(const std::string& policy) {
  opt_.policy = policy;
  opt_.checkpoint.clear();
  start_live();
}

bool ViewerState::can_take_over() const {
  return live_ && !live_->done() && live_->policy_in_control() != "scripted";
}

void ViewerState::take_over() {
  if (!can_take_over()) return;
  live_->take_over({"scripted", "", 0.0, {}});
  primary()->episode = live_->episode();
}

void ViewerState::open_browse_row(size_t row, bool side_by_side) {
  const RunEpisode& e = run_.at(row);
  message_.clear();
  if (e.recording.empty()) {
    message_ = "episode has no recording (run `wambench eval` with record_trajectories on)";
    return;
  }
  try {
    auto shown = std::make_unique<Shown>();
    shown->episode = load_replay(e.recording, envs_);
    shown->env = &envs_.get(e.record.key.task);
    if (run_.size() > 1 && opt_.runs.size() > 1) shown->episode.label += "  [" + e.run + "]";
    const int slot = side_by_side ? 1 : 0;
    shown_[slot] = std::move(shown);
    if (!side_by_side) {
      selected_ = static_cast<int>(row);
      partner_ = -1;
      shown_[1].reset();
    } else {
      partner_ = static_cast<int>(row);
    }
    set_cursor(side_by_side ? cursor_ : 0);
    playing_ = true;
  } catch (const std::exception& ex) {
    message_ = ex.what();
  }
}

void ViewerState::close_partner() {
  shown_[1].reset();
  partner_ = -1;
}

int ViewerState::last_state() const {
  int n = 0;
  for (const auto& s : shown_)
    if (s) n = std::max(n, s->states() - 1);
  return n;
}

double ViewerState::control_period_s() const {
  return primary() ? primary()->env->env().physics_steps_per_control() * primary()->env->env().model()->opt.timestep
                   : 0.1;
}

void ViewerState::set_cursor(int k) {
  cursor_ = std::clamp(k, 0, last_state());
  for (auto& s : shown_)
    if (s) s->show(std::min(cursor_, s->states() - 1));
}

void ViewerState::advance() {
  if (!primary()) return;
  if (cursor_ < last_state()) {
    set_cursor(cursor_ + 1);
  } else if (live_ && !live_->done()) {
    live_->step();
    primary()->episode = live_->episode();
    set_cursor(last_state());
  } else {
    playing_ = false;
  }
}

void ViewerState::next_phase() {
  if (!primary()) return;
  for (const auto& [s, name] : phase_starts(primary()->episode.trajectory))
    if (s + 1 > cursor_) {
      set_cursor(s + 1);
      break;
    }
}

void ViewerState::previous_phase() {
  if (!primary()) return;
  int target = 0;
  for (const auto& [s, name] : phase_starts(primary()->episode.trajectory))
    if (s + 1 < cursor_) target = s + 1;
  set_cursor(target);
}

void ViewerState::jump_to_progress_stop() {
  if (primary()) set_cursor(progress_stop_step(primary()->episode.trajectory) + 1);
}

void ViewerState::restart() {
  if (live_) start_live();
  else set_cursor(0);
}

void ViewerState::set_speed(double speed) { speed_ = std::clamp(speed, kMinSpeed, kMaxSpeed); }

void ViewerState::tick(double dt_s, bool headless) {
  if (!playing_ || !primary()) return;
  if (headless) {
    advance();  // one control step per frame: screenshots do not depend on the machine's speed
    return;
  }
  play_accum_s_ += std::min(dt_s, 0.25) * speed_;
  while (playing_ && play_accum_s_ >= control_period_s()) {
    play_accum_s_ -= control_period_s();
    advance();
  }
}

}  // namespace wambench::viewer
