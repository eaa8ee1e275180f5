// Cost of the safety filter per control step (bridge/safety.h), next to the control period it
// runs in (100 ms at 10 Hz).
//
//   build/bench/bench_safety
//
// BM_FilterPassThrough: the default limits (no limit binds, the joint-margin check off; the action
// passes unchanged). BM_FilterJointMargins: a real arm's limits with the joint-margin check on (one
// Jacobian of the "ee" site and a 6 x 6 damped least-squares solve per call) and several limits
// binding. BM_FilterHold: a stale observation (the hold path). BM_Jacobian: the Jacobian alone.
#include <cmath>

#include <benchmark/benchmark.h>

#include "bridge/safety.h"
#include "sim/env.h"

namespace wambench {
namespace {

TimedObservation ready_observation() {
  EnvConfig cfg;
  cfg.render = false;
  Env env(cfg);
  env.reset();
  TimedObservation t;
  t.observation = env.observe();
  t.state_stamp_s = 0;
  return t;
}

Action moving_action(int t) {
  Action a{};
  for (int i = 0; i < 6; ++i) a[i] = 0.9 * std::sin(0.07 * t * (1.0 + 0.3 * i) + i);
  a[6] = (t / 30) % 2 ? 1.0 : -1.0;
  return a;
}

SafetyLimits real_arm_limits() {
  SafetyLimits l;
  l.workspace_min_m = {0.25, -0.3, 0.3};
  l.workspace_max_m = {0.6, 0.3, 0.7};
  l.max_linear_speed_m_s = 0.25;
  l.max_angular_speed_rad_s = 1.0;
  l.max_linear_step_change_m = 0.01;
  l.max_angular_step_change_rad = 0.05;
  l.tool_cone_deg = 30;
  l.check_joint_margins = true;
  return l;
}

void run_filter(benchmark::State& state, const SafetyLimits& limits, double age_s) {
  const TimedObservation obs = ready_observation();
  SafetyFilter filter(limits, ArmControllerConfig{}, 10.0);
  filter.reset(obs);
  int t = 0;
  int64_t interventions = 0;
  for (auto _ : state) {
    const SafetyDecision d = filter.filter(moving_action(t++), obs, age_s);
    interventions += static_cast<int64_t>(d.interventions.size());
    benchmark::DoNotOptimize(d.command.ee_target_pos_m[0]);
  }
  state.counters["interventions/call"] =
      benchmark::Counter(static_cast<double>(interventions) / static_cast<double>(state.iterations()));
}

void BM_FilterPassThrough(benchmark::State& state) { run_filter(state, SafetyLimits{}, 0.01); }
BENCHMARK(BM_FilterPassThrough);

void BM_FilterJointMargins(benchmark::State& state) { run_filter(state, real_arm_limits(), 0.01); }
BENCHMARK(BM_FilterJointMargins);

void BM_FilterHold(benchmark::State& state) { run_filter(state, SafetyLimits{}, 10.0); }
BENCHMARK(BM_FilterHold);

void BM_Jacobian(benchmark::State& state) {
  SafetyFilter filter(SafetyLimits{}, ArmControllerConfig{}, 10.0);
  std::array<double, kArmDof> q{};
  for (int i = 0; i < kArmDof; ++i) q[i] = kReadyJointPosRad[i];
  const Eigen::Vector3d d(0.01, 0.0, -0.01), r(0.0, 0.0, 0.1);
  for (auto _ : state) {
    const auto dq = filter.predict_joint_motion(q, d, r);
    benchmark::DoNotOptimize(dq[0]);
  }
}
BENCHMARK(BM_Jacobian);

}  // namespace
}  // namespace wambench

BENCHMARK_MAIN();
