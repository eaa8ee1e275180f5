#include "eval/runner.h"

#include <atomic>
#include <chrono>
#include <cmath>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "eval/diagnostics.h"
#include "eval/oracle_policy.h"
#include "eval/recording.h"
#include "tasks/registry.h"

namespace wambench {
namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

}  // namespace

void append_state(const Env& env, Trajectory* trajectory) {
  const mjModel* m = env.model();
  const mjData* d = env.data();
  trajectory->qpos.insert(trajectory->qpos.end(), d->qpos, d->qpos + m->nq);
  trajectory->qvel.insert(trajectory->qvel.end(), d->qvel, d->qvel + m->nv);
  trajectory->ctrl.insert(trajectory->ctrl.end(), d->ctrl, d->ctrl + m->nu);
}

EpisodeStepper::EpisodeStepper(Policy& policy, TaskEnv& env, const EpisodeKey& key, uint64_t base_seed,
                               Trajectory* trajectory, bool frames)
    : policy_(&policy), env_(env), trajectory_(trajectory), frames_(frames), t0_(Clock::now()) {
  record_.key = key;
  record_.policy_type = policy.name();
  record_.checkpoint_hash = policy.checkpoint_hash();
  record_.seed = episode_seed(base_seed, key.task, parse_split(key.split), key.index);
  try {
    const Variation& v = env.reset(parse_split(key.split), key.index, base_seed);
    record_.instruction = v.instruction;
    if (trajectory) {
      *trajectory = Trajectory{};
      trajectory->variation = v;
      trajectory->nq = env.env().model()->nq;
      trajectory->nv = env.env().model()->nv;
      trajectory->nu = env.env().model()->nu;
      append_state(env.env(), trajectory);
    }
    info_.task = key.task;
    info_.split = key.split;
    info_.index = key.index;
    info_.seed = v.seed;
    info_.instruction = v.instruction;
    info_.horizon_steps = env.task().horizon_steps();
    info_.privileged = &env;
    attach_task_env(policy, &env);  // the scripted oracle reads the simulator (eval/oracle_policy.h)
    stage_ = "phase labeller";
    phase_labeller_ = std::make_unique<PhaseLabeller>(env.task());
    phase_labeller_->reset(env.env().model(), env.env().data());
    phase_ = phase_labeller_->state();
    info_.phase = &phase_;
    stage_ = "policy";
    const auto tp = Clock::now();
    policy.reset(info_);
    policy_s_ += seconds_since(tp);
    stage_ = "simulator";
    obs_ = env.observe();
    render_s_ += env.env().last_timing().render_s;
    if (trajectory && frames) trajectory->frames.push_back(obs_.images.at("front"));
  } catch (const std::exception& e) {
    fail(stage_ + ": " + e.what());
  }
}

void EpisodeStepper::fail(const std::string& message) {
  error_ = true;
  record_.status = "error";
  record_.success = false;
  record_.error = message;
}

void EpisodeStepper::step() {
  if (done()) return;
  try {
    if (chunk_pos_ >= chunk_len_) {
      stage_ = "policy";
      const auto tp = Clock::now();
      last_query_step_ = env_.steps();
      out_ = policy_->act(obs_);
      policy_s_ += seconds_since(tp);
      const int h = static_cast<int>(out_.chunk.size());
      if (h == 0) throw std::runtime_error("the policy returned an empty action chunk");
      if (out_.execute_steps < 0 || out_.execute_steps > h)
        throw std::runtime_error("the policy asked to execute " + std::to_string(out_.execute_steps) +
                                 " actions of a chunk of " + std::to_string(h) + " (valid: 0..H, 0 = all)");
      if (!out_.step_diagnostics.empty() && static_cast<int>(out_.step_diagnostics.size()) != h)
        throw std::runtime_error("the policy gave " + std::to_string(out_.step_diagnostics.size()) +
                                 " per-action diagnostics for a chunk of " + std::to_string(h));
      chunk_len_ = out_.execute_steps == 0 ? h : out_.execute_steps;
      chunk_pos_ = 0;
    }
    nlohmann::json diagnostics = out_.diagnostics.is_object() ? out_.diagnostics : nlohmann::json::object();
    if (!out_.step_diagnostics.empty() && out_.step_diagnostics[chunk_pos_].is_object())
      diagnostics.update(out_.step_diagnostics[chunk_pos_]);
    const std::string plan_coarse =
        diagnostics.contains("coarse") && diagnostics["coarse"].is_string() ? diagnostics["coarse"].get<std::string>() : "";
    diagnostic_series_.append(diagnostics);
    stage_ = "simulator";
    const Action& action = out_.chunk[chunk_pos_];
    env_.step(action);
    physics_s_ += env_.env().last_timing().physics_s;
    // The step's phase: the state it ended in (and a one-step flicker of the step before removed).
    stage_ = "phase labeller";
    const int relabelled = phase_labeller_->step(env_.env().model(), env_.env().data());
    phase_ = phase_labeller_->state();
    const PhaseLabel& step_phase = phase_labeller_->steps().back();
    phase_per_step_ += phase_letter(step_phase.coarse);
    has_plan_phases_ |= !plan_coarse.empty();
    plan_phase_per_step_ += plan_coarse == "interaction" ? 'i' : plan_coarse == "transit" ? 't' : '-';
    chunk_position_per_step_.push_back(chunk_pos_);
    if (relabelled >= 0) {
      const PhaseLabel& fixed = phase_labeller_->steps()[relabelled];
      phase_per_step_[relabelled] = phase_letter(fixed.coarse);
      if (trajectory_ && relabelled < static_cast<int>(trajectory_->phases.size())) {
        trajectory_->phases[relabelled] = fixed.fine;
        trajectory_->phases_coarse[relabelled] = to_string(fixed.coarse);
      }
    }
    stage_ = "simulator";
    const bool requery = chunk_pos_ == chunk_len_ - 1 || env_.done();
    if (requery || frames_) {
      obs_ = env_.observe();
      render_s_ += env_.env().last_timing().render_s;
    }
    if (trajectory_) {
      append_state(env_.env(), trajectory_);
      trajectory_->actions.insert(trajectory_->actions.end(), action.begin(), action.end());
      trajectory_->phases.push_back(step_phase.fine);
      trajectory_->phases_coarse.push_back(to_string(step_phase.coarse));
      trajectory_->plan_phases.push_back(diagnostics.contains("phase") && diagnostics["phase"].is_string()
                                        ? diagnostics["phase"].get<std::string>()
                                        : "");
      trajectory_->success.push_back(env_.status().success);
      trajectory_->progress.push_back(env_.status().progress);
      trajectory_->diagnostics.push_back(diagnostics);
      if (frames_) trajectory_->frames.push_back(obs_.images.at("front"));
    }
    ++chunk_pos_;
  } catch (const InvalidActionError& e) {
    fail(std::string("invalid action from the policy: ") + e.what());
  } catch (const std::exception& e) {
    fail(stage_ + ": " + e.what());
  }
}

EpisodeRecord EpisodeStepper::record() const {
  EpisodeRecord r = record_;
  if (!error_) {
    r.success = env_.status().success;
    r.status = r.success ? "success" : "failure";
  }
  r.steps = env_.steps();
  r.sim_time_s = env_.env().data()->time;
  r.progress = env_.status().progress;
  r.progress_name = env_.status().progress_name;
  try {
    r.diagnostics = policy_->episode_summary();
    if (!r.diagnostics.is_object()) r.diagnostics = {{"summary", r.diagnostics}};
    r.diagnostics["phase_per_step"] = phase_per_step_;
    if (has_plan_phases_) r.diagnostics["plan_phase_per_step"] = plan_phase_per_step_;
    const std::vector<PhaseLabel>& phases = phase_labeller_ ? phase_labeller_->steps() : std::vector<PhaseLabel>{};
    r.diagnostics.update(harmowam_gate_diagnostics(diagnostic_series_, phases, chunk_position_per_step_));
  } catch (const std::exception& e) {
    r.diagnostics = {{"summary_error", e.what()}};
  }
  r.timing.wall_s = seconds_since(t0_);
  r.timing.physics_s = physics_s_;
  r.timing.render_s = render_s_;
  r.timing.policy_s = policy_s_;
  r.timing.harness_s = std::max(0.0, r.timing.wall_s - physics_s_ - render_s_ - policy_s_);
  return r;
}

void EpisodeStepper::switch_policy(Policy& policy) {
  policy_ = &policy;
  chunk_pos_ = chunk_len_ = 0;
  if (done()) return;
  try {
    stage_ = "policy";
    attach_task_env(policy, &env_);
    policy.reset(info_);
    stage_ = "simulator";
    obs_ = env_.observe();
  } catch (const std::exception& e) {
    fail(stage_ + ": " + e.what());
  }
}

EpisodeRecord run_episode(Policy& policy, TaskEnv& env, const EpisodeKey& key, uint64_t base_seed, Trajectory* trajectory,
                          bool frames) {
  EpisodeStepper stepper(policy, env, key, base_seed, trajectory, frames);
  while (!stepper.done()) stepper.step();
  return stepper.record();
}

std::vector<EpisodeKey> sweep_keys(const EvalConfig& c) {
  std::vector<EpisodeKey> keys;
  for (const PolicySpec& p : c.policies)
    for (const std::string& t : c.tasks)
      for (const std::string& s : c.splits)
        for (int64_t i = 0; i < c.episodes; ++i) keys.push_back({p.row_label(), t, s, i});
  return keys;
}

SweepSummary run_sweep(const EvalConfig& config, ResultStore& store, const std::string& recordings_dir,
                       const std::function<void(const SweepProgress&)>& on_progress, const ShardSpec& shard) {
  register_oracle_policies();
  for (const std::string& t : config.tasks) make_task(t);  // validate names before any work
  for (const std::string& s : config.splits) parse_split(s);
  for (const PolicySpec& p : config.policies) make_policy(p);

  const auto t0 = Clock::now();
  const std::vector<EpisodeKey> keys = shard_keys(config, shard);
  {
    std::set<EpisodeKey> in_shard(keys.begin(), keys.end());
    for (const EpisodeRecord& r : store.records())
      if (!in_shard.count(r.key))
        throw std::runtime_error("'" + store.path() + "' holds episode " + r.key.policy + "/" + r.key.task + "/" +
                                 r.key.split + "/" + std::to_string(r.key.index) + ", which is not in shard " +
                                 to_string(shard) + " of this sweep; resume a directory with its own config and shard");
  }
  std::vector<EpisodeKey> todo;
  SweepProgress progress;
  progress.total = keys.size();
  for (const EpisodeKey& k : keys) {
    if (store.has(k)) continue;
    todo.push_back(k);
  }
  for (const EpisodeRecord& r : store.records()) {
    if (!store.has(r.key)) continue;  // ended in error: runs again
    progress.done++;
    progress.successes += r.success;
  }
  SweepSummary summary;
  summary.total = keys.size();
  summary.resumed = progress.done;

  // Episode index within its cell decides video recording: the first K episodes of each cell.
  std::map<std::string, size_t> policy_index;
  for (size_t i = 0; i < config.policies.size(); ++i) policy_index[config.policies[i].row_label()] = i;

  std::atomic<size_t> next{0};
  std::mutex mutex;
  std::exception_ptr fatal;
  std::atomic<bool> stop{false};
  size_t ran = 0;
  auto worker = [&]() {
    try {
      std::map<std::pair<std::string, bool>, std::unique_ptr<TaskEnv>> envs;
      std::vector<std::unique_ptr<Policy>> policies(config.policies.size());
      for (size_t k = next++; k < todo.size() && !stop; k = next++) {
        const EpisodeKey& key = todo[k];
        const size_t pi = policy_index.at(key.policy);
        auto& policy = policies[pi];
        if (!policy) policy = make_policy(config.policies[pi]);
        const bool video = !recordings_dir.empty() && key.index < config.record_video;
        const bool render = policy->needs_images() || video;
        auto& env = envs[{key.task, render}];
        if (!env) {
          EnvConfig ec;
          ec.render = render;
          ec.image_height = ec.image_width = config.image_size;
          env = std::make_unique<TaskEnv>(key.task, ec);
        }
        const bool trace_on = !recordings_dir.empty() && (config.record_trajectories || video);
        Trajectory trajectory;
        const EpisodeRecord r = run_episode(*policy, *env, key, config.seed, trace_on ? &trajectory : nullptr, video);
        if (trace_on) save_recordings(recordings_dir, r, trajectory, config.record_trajectories, video);
        store.append(r);
        std::lock_guard<std::mutex> lock(mutex);
        ++ran;
        progress.done++;
        progress.successes += r.success;
        progress.errors += r.status == "error";
        const double el = seconds_since(t0);
        progress.episodes_per_s = ran / std::max(el, 1e-9);
        progress.eta_s = (progress.total - progress.done) / std::max(progress.episodes_per_s, 1e-9);
        if (on_progress) on_progress(progress);
      }
    } catch (...) {
      std::lock_guard<std::mutex> lock(mutex);
      if (!fatal) fatal = std::current_exception();
      stop = true;
    }
  };
  const int n_workers = std::max(1, std::min<int>(config.workers, static_cast<int>(std::max<size_t>(1, todo.size()))));
  std::vector<std::thread> pool;
  for (int w = 0; w < n_workers; ++w) pool.emplace_back(worker);
  for (auto& th : pool) th.join();
  if (fatal) std::rethrow_exception(fatal);
  summary.ran = ran;
  summary.errors = progress.errors;
  summary.wall_s = seconds_since(t0);
  return summary;
}

RolloutScore rollout_score(const PolicySpec& spec, const std::vector<std::string>& tasks, int episodes,
                           uint64_t base_seed, int image_size) {
  if (episodes < 1) throw std::invalid_argument("rollout_score: episodes must be >= 1");
  register_oracle_policies();
  std::unique_ptr<Policy> policy = make_policy(spec);
  RolloutScore score;
  for (const std::string& task : tasks) {
    EnvConfig ec;
    ec.render = policy->needs_images();
    ec.image_height = ec.image_width = image_size;
    TaskEnv env(task, ec);
    int successes = 0;
    for (int i = 0; i < episodes; ++i)
      successes += run_episode(*policy, env, {spec.row_label(), task, "train", i}, base_seed).success;
    score.by_task[task] = static_cast<double>(successes) / episodes;
    score.success_rate += score.by_task[task] / static_cast<double>(tasks.size());
  }
  return score;
}

}  // namespace wambench
