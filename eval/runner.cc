#include "eval/runner.h"

#include <atomic>
#include <chrono>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "eval/recording.h"
#include "tasks/registry.h"

namespace wambench {
namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

void trace_state(const Env& env, EpisodeTrace* trace) {
  const mjModel* m = env.model();
  const mjData* d = env.data();
  trace->qpos.insert(trace->qpos.end(), d->qpos, d->qpos + m->nq);
  trace->qvel.insert(trace->qvel.end(), d->qvel, d->qvel + m->nv);
  trace->ctrl.insert(trace->ctrl.end(), d->ctrl, d->ctrl + m->nu);
}

}  // namespace

EpisodeRecord run_episode(Policy& policy, TaskEnv& env, const EpisodeKey& key, uint64_t base_seed, EpisodeTrace* trace,
                          bool frames) {
  const auto t0 = Clock::now();
  EpisodeRecord r;
  r.key = key;
  r.checkpoint_hash = policy.checkpoint_hash();
  r.seed = episode_seed(base_seed, key.task, parse_split(key.split), key.index);
  double physics_s = 0, render_s = 0, policy_s = 0;
  std::string stage = "task";
  try {
    const Variation& v = env.reset(parse_split(key.split), key.index, base_seed);
    r.instruction = v.instruction;
    if (trace) {
      *trace = EpisodeTrace{};
      trace->variation = v;
      trace->nq = env.env().model()->nq;
      trace->nv = env.env().model()->nv;
      trace->nu = env.env().model()->nu;
      trace_state(env.env(), trace);
    }
    EpisodeInfo info;
    info.task = key.task;
    info.split = key.split;
    info.index = key.index;
    info.seed = v.seed;
    info.instruction = v.instruction;
    info.horizon_steps = env.task().horizon_steps();
    info.privileged = &env;
    stage = "policy";
    auto tp = Clock::now();
    policy.reset(info);
    policy_s += seconds_since(tp);
    stage = "simulator";
    Observation obs = env.observe();
    render_s += env.env().last_timing().render_s;
    if (trace && frames) trace->frames.push_back(obs.images.at("front"));
    while (!env.done()) {
      stage = "policy";
      tp = Clock::now();
      PolicyOutput out = policy.act(obs);
      policy_s += seconds_since(tp);
      const int h = static_cast<int>(out.chunk.size());
      if (h == 0) throw std::runtime_error("the policy returned an empty action chunk");
      if (out.execute_steps < 0 || out.execute_steps > h)
        throw std::runtime_error("the policy asked to execute " + std::to_string(out.execute_steps) +
                                 " actions of a chunk of " + std::to_string(h) + " (valid: 0..H, 0 = all)");
      const int n = out.execute_steps == 0 ? h : out.execute_steps;
      stage = "simulator";
      for (int k = 0; k < n && !env.done(); ++k) {
        env.step(out.chunk[k]);
        physics_s += env.env().last_timing().physics_s;
        const bool requery = k == n - 1 || env.done();
        if (requery || frames) {
          obs = env.observe();
          render_s += env.env().last_timing().render_s;
        }
        if (trace) {
          trace_state(env.env(), trace);
          trace->actions.insert(trace->actions.end(), out.chunk[k].begin(), out.chunk[k].end());
          trace->phases.push_back(out.diagnostics.is_object() ? out.diagnostics.value("phase", "") : "");
          trace->success.push_back(env.status().success);
          trace->diagnostics.push_back(out.diagnostics);
          if (frames) trace->frames.push_back(obs.images.at("front"));
        }
      }
    }
    r.success = env.status().success;
    r.status = r.success ? "success" : "failure";
  } catch (const InvalidActionError& e) {
    r.status = "error";
    r.success = false;
    r.error = std::string("invalid action from the policy: ") + e.what();
  } catch (const std::exception& e) {
    r.status = "error";
    r.success = false;
    r.error = stage + ": " + e.what();
  }
  r.steps = env.steps();
  r.sim_time_s = env.env().data()->time;
  r.progress = env.status().progress;
  r.progress_name = env.status().progress_name;
  try {
    r.diagnostics = policy.episode_summary();
  } catch (const std::exception& e) {
    r.diagnostics = {{"summary_error", e.what()}};
  }
  r.timing.wall_s = seconds_since(t0);
  r.timing.physics_s = physics_s;
  r.timing.render_s = render_s;
  r.timing.policy_s = policy_s;
  r.timing.harness_s = std::max(0.0, r.timing.wall_s - physics_s - render_s - policy_s);
  return r;
}

std::vector<EpisodeKey> sweep_keys(const EvalConfig& c) {
  std::vector<EpisodeKey> keys;
  for (const PolicySpec& p : c.policies)
    for (const std::string& t : c.tasks)
      for (const std::string& s : c.splits)
        for (int64_t i = 0; i < c.episodes; ++i) keys.push_back({p.name, t, s, i});
  return keys;
}

SweepSummary run_sweep(const EvalConfig& config, ResultStore& store, const std::string& recordings_dir,
                       const std::function<void(const SweepProgress&)>& on_progress) {
  for (const std::string& t : config.tasks) make_task(t);  // validate names before any work
  for (const std::string& s : config.splits) parse_split(s);
  for (const PolicySpec& p : config.policies) make_policy(p);

  const auto t0 = Clock::now();
  const std::vector<EpisodeKey> keys = sweep_keys(config);
  std::vector<EpisodeKey> todo;
  SweepProgress progress;
  progress.total = keys.size();
  for (const EpisodeKey& k : keys) {
    if (store.has(k)) continue;
    todo.push_back(k);
  }
  for (const EpisodeRecord& r : store.records()) {
    progress.done++;
    progress.successes += r.success;
    progress.errors += r.status == "error";
  }
  SweepSummary summary;
  summary.total = keys.size();
  summary.resumed = progress.done;

  // Episode index within its cell decides video recording: the first K episodes of each cell.
  std::map<std::string, size_t> policy_index;
  for (size_t i = 0; i < config.policies.size(); ++i) policy_index[config.policies[i].name] = i;

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
        EpisodeTrace trace;
        const EpisodeRecord r = run_episode(*policy, *env, key, config.seed, trace_on ? &trace : nullptr, video);
        if (trace_on) save_recordings(recordings_dir, r, trace, config.record_trajectories, video);
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

}  // namespace wambench
