#include "bridge/runtime.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <iostream>
#include <mutex>
#include <thread>

#include <spdlog/spdlog.h>

#include "bridge/watchdog.h"
#include "eval/oracle_policy.h"
#include "tasks/phase_labeller.h"
#include "tasks/split.h"
#include "tasks/task_env.h"

namespace wambench {
namespace {

void sleep_until_clock(double t_s) {
  const double dt = t_s - bridge_clock_s();
  if (dt > 0) std::this_thread::sleep_for(std::chrono::duration<double>(dt));
}

nlohmann::json percentiles(std::vector<double> v) {
  if (v.empty()) return {{"p50", nullptr}, {"p99", nullptr}, {"max", nullptr}};
  std::sort(v.begin(), v.end());
  auto at = [&](double q) { return v[std::min(v.size() - 1, static_cast<size_t>(std::ceil(q * v.size())) - 1)]; };
  auto r3 = [](double x) { return std::round(x * 1000.0) / 1000.0; };
  return {{"p50", r3(at(0.5))}, {"p99", r3(at(0.99))}, {"max", r3(v.back())}};
}

// The per-step log of a robot episode: the trajectory's common part (actions, states where the robot has
// a simulator) and the "real/" series.
class RealTrajectoryWriter {
 public:
  RealTrajectoryWriter(Trajectory* trajectory, const TaskEnv* sim, bool frames) : trajectory_(trajectory), sim_(sim), frames_(frames) {}

  void start(const TimedObservation& first, double t0) {
    t0_ = t0;
    if (!trajectory_) return;
    if (sim_) {
      trajectory_->variation = sim_->variation();
      trajectory_->nq = sim_->env().model()->nq;
      trajectory_->nv = sim_->env().model()->nv;
      trajectory_->nu = sim_->env().model()->nu;
      append_state(sim_->env(), trajectory_);
      labeller_ = std::make_unique<PhaseLabeller>(sim_->task());
      labeller_->reset(sim_->env().model(), sim_->env().data());
    }
    observation(first);
  }

  void observation(const TimedObservation& o) {
    if (!trajectory_) return;
    add("obs_stamp_s", {o.state_stamp_s - t0_});
    add("ee_pos_m", {o.observation.ee_pos_m.begin(), o.observation.ee_pos_m.end()});
    add("gripper_opening_m", {o.observation.gripper_opening_m});
    add("joint_pos_rad", {o.observation.joint_pos_rad.begin(), o.observation.joint_pos_rad.end()});
    add("sequence", {static_cast<double>(o.sequence)});
    if (frames_ && o.observation.images.count("front")) trajectory_->frames.push_back(o.observation.images.at("front"));
  }

  void command(const RobotCommand& c, const std::vector<Intervention>& interventions, const nlohmann::json& diagnostics,
               double obs_stamp, double period_ms) {
    if (!trajectory_) return;
    trajectory_->actions.insert(trajectory_->actions.end(), c.action.begin(), c.action.end());
    add("command_s", {c.issued_s - t0_});
    add("obs_to_command_ms", {(c.issued_s - obs_stamp) * 1000.0});
    add("period_ms", {period_ms});
    add("ee_target_pos_m", {c.ee_target_pos_m.begin(), c.ee_target_pos_m.end()});
    add("ee_target_quat_wxyz", {c.ee_target_quat_wxyz.begin(), c.ee_target_quat_wxyz.end()});
    add("hold", {c.hold ? 1.0 : 0.0});
    nlohmann::json list = nlohmann::json::array();
    for (const Intervention& i : interventions) list.push_back({{"reason", i.reason}, {"message", i.message}});
    interventions_.push_back(list);
    trajectory_->diagnostics.push_back(diagnostics);
    trajectory_->plan_phases.push_back(diagnostics.contains("phase") && diagnostics["phase"].is_string()
                                      ? diagnostics["phase"].get<std::string>()
                                      : "");
  }

  // After the robot executed the command: the simulator state and its labels (simulated robots),
  // success and progress.
  void executed(std::optional<bool> success, std::optional<int> progress) {
    if (!trajectory_) return;
    if (sim_ && labeller_) {
      append_state(sim_->env(), trajectory_);
      const int relabelled = labeller_->step(sim_->env().model(), sim_->env().data());
      const PhaseLabel& label = labeller_->steps().back();
      trajectory_->phases.push_back(label.fine);
      trajectory_->phases_coarse.push_back(to_string(label.coarse));
      if (relabelled >= 0 && relabelled < static_cast<int>(trajectory_->phases.size())) {
        trajectory_->phases[relabelled] = labeller_->steps()[relabelled].fine;
        trajectory_->phases_coarse[relabelled] = to_string(labeller_->steps()[relabelled].coarse);
      }
    } else {
      trajectory_->phases.push_back("unknown");
      trajectory_->phases_coarse.push_back("unknown");
    }
    trajectory_->success.push_back(success.value_or(false));
    trajectory_->progress.push_back(progress.value_or(0));
  }

  void finish(const nlohmann::json& robot) {
    if (!trajectory_) return;
    // Observations: one per step plus the first; a step's observation may be missing when an
    // error ended the episode after its command, so the series are cut to a common length.
    trajectory_->real_attributes["interventions"] = interventions_.dump();
    trajectory_->real_attributes["robot"] = robot.dump();
  }

 private:
  void add(const std::string& name, const std::vector<double>& row) {
    Trajectory::Series& s = trajectory_->real_series[name];
    s.cols = row.size() == 1 ? 0 : row.size();
    s.values.insert(s.values.end(), row.begin(), row.end());
    ++s.rows;
  }

  Trajectory* trajectory_;
  const TaskEnv* sim_;
  bool frames_;
  double t0_ = 0;
  std::unique_ptr<PhaseLabeller> labeller_;
  nlohmann::json interventions_ = nlohmann::json::array();
};

}  // namespace

OperatorVerdict PredicateOperator::judge(const EpisodeSetup& setup, std::optional<bool> robot_success,
                                         const std::string& status) {
  if (!robot_success)
    throw std::runtime_error("episode " + setup.task + "/" + setup.split + "/" + std::to_string(setup.index) +
                             ": this robot has no success predicate; a person must judge it (run without --auto-judge)");
  OperatorVerdict v;
  v.success = *robot_success && status == "finished";
  v.source = "simulator";
  return v;
}

bool ConsoleOperator::prepare(const EpisodeSetup& setup, const std::string& setup_card_png) {
  out_ << "\n=== episode " << setup.task << " / " << setup.split << " / #" << setup.index << " (base seed "
       << setup.base_seed << ")\n"
       << "instruction: " << setup.instruction << "\n";
  if (!setup_card_png.empty()) out_ << "setup card:  " << setup_card_png << "  (place the objects as shown)\n";
  out_ << "Press Enter to start, or q then Enter to end the run: " << std::flush;
  std::string line;
  if (!std::getline(in_, line)) return false;
  return !(line == "q" || line == "Q");
}

OperatorVerdict ConsoleOperator::judge(const EpisodeSetup& setup, std::optional<bool> robot_success,
                                       const std::string& status) {
  out_ << "episode " << setup.task << " / " << setup.split << " / #" << setup.index << " ended (" << status << ")";
  if (robot_success) out_ << "; the simulator's predicate says " << (*robot_success ? "success" : "failure");
  out_ << "\n";
  OperatorVerdict v;
  std::string line;
  for (;;) {
    out_ << "success? [y/n]: " << std::flush;
    if (!std::getline(in_, line))
      throw std::runtime_error("operator input ended before the outcome of episode " + setup.task + "/" + setup.split +
                               "/" + std::to_string(setup.index) + " was given");
    if (line == "y" || line == "Y") { v.success = true; break; }
    if (line == "n" || line == "N") { v.success = false; break; }
    out_ << "please answer y or n\n";
  }
  out_ << "note (optional): " << std::flush;
  if (std::getline(in_, line)) v.note = line;
  v.source = "operator";
  return v;
}

nlohmann::json LoopStats::to_json(double nominal_period_ms) const {
  std::vector<double> jitter;
  for (double p : period_ms) jitter.push_back(std::abs(p - nominal_period_ms));
  return {{"period_ms", percentiles(period_ms)},
          {"jitter_ms", percentiles(jitter)},
          {"obs_to_command_ms", percentiles(obs_to_command_ms)},
          {"deadline_misses", deadline_misses},
          {"steps", period_ms.size()}};
}

RealEpisodeRunner::RealEpisodeRunner(Robot& robot, Policy& policy, SafetyFilter& filter, const RealRunOptions& options)
    : robot_(robot), policy_(policy), filter_(filter), options_(options) {
  if (!(options.control_hz > 0) || !std::isfinite(options.control_hz))
    throw std::invalid_argument("control rate must be > 0 Hz, got " + std::to_string(options.control_hz));
  if (is_privileged_policy(policy.name()) && !robot.simulated())
    throw std::invalid_argument("policy '" + policy.name() + "' reads the simulator's privileged state, which the '" +
                                robot.name() + "' robot does not have; run a vision-based policy on a real arm");
}

std::optional<EpisodeRecord> RealEpisodeRunner::run(const EpisodeKey& key, uint64_t base_seed,
                                                    const std::string& instruction, int horizon_steps, Operator& op,
                                                    const std::string& setup_card_png, Trajectory* trajectory) {
  const double period = 1.0 / options_.control_hz;
  EpisodeSetup setup{key.task, key.split, key.index, base_seed, instruction, horizon_steps};
  if (!op.prepare(setup, setup_card_png)) return std::nullopt;

  EpisodeRecord record;
  record.key = key;
  record.policy_type = policy_.name();
  record.checkpoint_hash = policy_.checkpoint_hash();
  record.seed = episode_seed(base_seed, key.task, parse_split(key.split), key.index);
  record.instruction = instruction;
  loop_ = LoopStats{};
  const auto wall0 = std::chrono::steady_clock::now();
  double policy_s = 0;
  std::string error, stage = "robot";
  nlohmann::json intervention_counts = nlohmann::json::object();
  int steps = 0, stale_holds = 0;
  std::vector<std::string> watchdog_reasons;

  Robot* executor = options_.dry_run ? options_.dry_run_twin : &robot_;
  std::mutex watchdog_mutex;
  Watchdog watchdog(filter_.limits().command_timeout_periods * period, [&](Watchdog::Reason reason, const std::string& message) {
    robot_.hold();
    if (executor && executor != &robot_) executor->hold();
    std::lock_guard<std::mutex> lock(watchdog_mutex);
    watchdog_reasons.push_back(std::string(to_string(reason)) + ": " + message);
  });
  watchdog.pause();  // armed when the loop starts
  RealTrajectoryWriter log(trajectory, nullptr, options_.frames);
  try {
    robot_.start_episode(setup);
    if (executor && executor != &robot_) executor->start_episode(setup);
    const Robot& sim_source = executor ? *executor : robot_;
    log = RealTrajectoryWriter(trajectory, sim_source.privileged(), options_.frames);
    stage = "policy";
    EpisodeInfo info;
    info.task = key.task;
    info.split = key.split;
    info.index = key.index;
    info.seed = record.seed;
    info.instruction = instruction;
    info.horizon_steps = horizon_steps;
    info.privileged = sim_source.privileged();
    if (is_privileged_policy(policy_.name()) && info.privileged == nullptr)
      throw std::invalid_argument("policy '" + policy_.name() + "' needs privileged simulator access, which the '" +
                                  robot_.name() + "' robot does not give");
    attach_task_env(policy_, sim_source.privileged());  // the scripted oracle (eval/oracle_policy.h)
    auto tp = std::chrono::steady_clock::now();
    policy_.reset(info);
    policy_s += std::chrono::duration<double>(std::chrono::steady_clock::now() - tp).count();
    stage = "robot";
    TimedObservation obs = robot_.observe();
    const double t0 = obs.state_stamp_s;
    filter_.reset(obs);
    log.start(obs, t0);
    watchdog.kick();
    PolicyOutput out;
    int chunk_pos = 0, chunk_len = 0;
    double last_command_s = obs.state_stamp_s;
    const Robot& judge = executor ? *executor : robot_;
    for (;;) {
      if (emergency_stop_requested()) throw RobotFault(RobotFault::Kind::kEmergencyStop, "emergency stop (SIGINT / SIGTERM)");
      if (judge.success().value_or(false) || steps >= horizon_steps) break;
      if (chunk_pos >= chunk_len) {
        stage = "policy";
        tp = std::chrono::steady_clock::now();
        out = policy_.act(obs.observation);
        policy_s += std::chrono::duration<double>(std::chrono::steady_clock::now() - tp).count();
        const int h = static_cast<int>(out.chunk.size());
        if (h == 0) throw std::runtime_error("the policy returned an empty action chunk");
        if (out.execute_steps < 0 || out.execute_steps > h)
          throw std::runtime_error("the policy asked to execute " + std::to_string(out.execute_steps) +
                                   " actions of a chunk of " + std::to_string(h));
        chunk_len = out.execute_steps == 0 ? h : out.execute_steps;
        chunk_pos = 0;
        if (emergency_stop_requested()) continue;
      }
      nlohmann::json diagnostics = out.diagnostics.is_object() ? out.diagnostics : nlohmann::json::object();
      if (static_cast<int>(out.step_diagnostics.size()) == static_cast<int>(out.chunk.size()) &&
          out.step_diagnostics[chunk_pos].is_object())
        diagnostics.update(out.step_diagnostics[chunk_pos]);
      stage = "safety filter";
      const SafetyDecision decision = filter_.filter(out.chunk[chunk_pos], obs, bridge_clock_s());
      for (const Intervention& i : decision.interventions) {
        intervention_counts[i.reason] = intervention_counts.value(i.reason, 0) + 1;
        spdlog::warn("real: {} step {}: safety filter: {}: {}", key.task, steps, i.reason, i.message);
      }
      const bool stale = std::any_of(decision.interventions.begin(), decision.interventions.end(),
                                     [](const Intervention& i) { return i.reason == "stale_observation"; });
      stale_holds = stale ? stale_holds + 1 : 0;
      if (stale_holds > options_.max_stale_holds)
        throw RobotFault(RobotFault::Kind::kStaleObservation,
                         "observations stale for " + std::to_string(stale_holds) + " consecutive steps (last one " +
                             std::to_string(obs.age_s(bridge_clock_s())) + " s old)");
      stage = "robot";
      RobotCommand command = decision.command;
      command.answers_sequence = obs.sequence;
      command.issued_s = bridge_clock_s();
      if (options_.dry_run) {
        robot_.hold();
        if (executor) executor->command(command);
      } else {
        robot_.command(command);
      }
      watchdog.kick();
      const double period_ms = (command.issued_s - last_command_s) * 1000.0;
      loop_.period_ms.push_back(period_ms);
      loop_.obs_to_command_ms.push_back((command.issued_s - obs.state_stamp_s) * 1000.0);
      if (command.issued_s - obs.state_stamp_s > period) ++loop_.deadline_misses;
      last_command_s = command.issued_s;
      log.command(command, decision.interventions, diagnostics, obs.state_stamp_s, period_ms);
      if (!decision.command.hold || !stale) ++chunk_pos;
      ++steps;
      if (!robot_.synchronous()) sleep_until_clock(obs.state_stamp_s + period);
      obs = robot_.observe();
      if (!(executor ? executor->synchronous() : robot_.synchronous())) steps = std::max<int>(steps, static_cast<int>(obs.sequence));
      log.executed(judge.success(), judge.progress());
      log.observation(obs);
    }
  } catch (const RobotFault& e) {
    error = std::string("robot: ") + to_string(e.kind()) + ": " + e.what();
    if (e.kind() == RobotFault::Kind::kEmergencyStop) stopped_ = true;
  } catch (const InvalidActionError& e) {
    error = std::string("invalid action from the policy: ") + e.what();
  } catch (const std::exception& e) {
    error = stage + ": " + e.what();
  }
  watchdog.pause();
  // Every exit path ends with a hold.
  robot_.hold();
  if (executor && executor != &robot_) executor->hold();
  robot_.end_episode();
  if (executor && executor != &robot_) executor->end_episode();
  if (emergency_stop_requested()) stopped_ = true;

  const Robot& judge = executor ? *executor : robot_;
  const std::string status = error.empty() ? "finished" : "error: " + error;
  nlohmann::json verdict_json;
  if (error.empty()) {
    const OperatorVerdict v = op.judge(setup, judge.success(), status);
    record.success = v.success;
    record.status = v.success ? "success" : "failure";
    verdict_json = {{"source", v.source}, {"note", v.note}};
  } else {
    record.status = "error";
    record.success = false;
    record.error = error;
  }
  record.steps = steps;
  record.sim_time_s = steps * period;
  record.progress = judge.progress().value_or(0);
  if (const TaskEnv* sim = judge.privileged()) record.progress_name = sim->status().progress_name;
  record.timing.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
  record.timing.policy_s = policy_s;
  record.timing.harness_s = record.timing.wall_s - policy_s;
  try {
    record.diagnostics = policy_.episode_summary();
    if (!record.diagnostics.is_object()) record.diagnostics = {{"summary", record.diagnostics}};
  } catch (const std::exception& e) {
    record.diagnostics = {{"summary_error", e.what()}};
  }
  nlohmann::json real = {{"robot", robot_.name()},
                         {"dry_run", options_.dry_run},
                         {"control_hz", options_.control_hz},
                         {"loop", loop_.to_json(1000.0 * period)},
                         {"interventions", intervention_counts},
                         {"watchdog_holds", watchdog.holds()},
                         {"robot_stats", robot_.episode_stats()}};
  if (!watchdog_reasons.empty()) real["watchdog_reasons"] = watchdog_reasons;
  if (executor && executor != &robot_) real["twin_stats"] = executor->episode_stats();
  if (!verdict_json.is_null()) real["verdict"] = verdict_json;
  record.diagnostics["real"] = real;
  log.finish(real);
  return record;
}

}  // namespace wambench
