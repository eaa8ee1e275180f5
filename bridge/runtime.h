// The runtime of `wambench real`: the same policy object that `wambench eval` evaluates, driving a
// Robot (bridge/robot.h) through the safety filter (bridge/safety.h) in a fixed-rate control loop,
// with a watchdog, the operator protocol, and records in the formats of `wambench eval`.
//
// One episode (RealEpisodeRunner::run):
//   operator.prepare (instruction + setup card) -> robot.start_episode -> policy.reset
//   loop: observe -> [policy.act when the chunk is used up] -> safety filter -> command (or, in a
//         dry run, only the log and the twin) -> watchdog kick
//   until the robot's success predicate holds, the horizon is reached, or an error / emergency
//   stop; then hold (every exit path ends with a hold) and operator.judge.
// Pacing: a synchronous robot (SimRobot) executes each command for one control period itself;
// for robots on their own clock the loop sleeps until one period after the last observation's
// capture time, then waits for a newer observation, so it follows the robot's stream at the control
// rate and each command answers the newest observation.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bridge/robot.h"
#include "bridge/safety.h"
#include "eval/record.h"
#include "eval/runner.h"
#include "policies/policy.h"

namespace wambench {

/// What the operator answers after an episode.
struct OperatorVerdict {
  bool success = false;
  std::string note;              ///< free text, "" if none
  std::string source = "operator";  ///< "operator" (a person) or "simulator" (the success predicate)
};

/// The operator protocol: before each episode the operator sees the instruction and a rendered
/// setup card of the episode's initial scene (from the same seed as the sim sweep) and places the
/// objects; after it, the operator says whether it succeeded.
class Operator {
 public:
  virtual ~Operator() = default;
  /// Shows the episode; returns false if the operator ends the run (nothing of the episode is
  /// recorded then). `setup_card_png` is "" when no card was rendered.
  virtual bool prepare(const EpisodeSetup& setup, const std::string& setup_card_png) = 0;
  /// Asks for the outcome. `robot_success` is the robot's own predicate (simulated robots) or
  /// nullopt; `status` is the runtime's view ("finished", or "error: <why>").
  virtual OperatorVerdict judge(const EpisodeSetup& setup, std::optional<bool> robot_success,
                                const std::string& status) = 0;
};

/// Answers from the robot's success predicate (SimRobot, the twin); prepare() always proceeds.
/// @throws std::runtime_error from judge() for a robot without a predicate (a real arm needs a person).
class PredicateOperator final : public Operator {
 public:
  bool prepare(const EpisodeSetup&, const std::string&) override { return true; }
  OperatorVerdict judge(const EpisodeSetup& setup, std::optional<bool> robot_success, const std::string& status) override;
};

/// Asks a person on a terminal: prints the episode, the instruction and the setup card's path,
/// waits for Enter ('q' ends the run), and after the episode asks "success? [y/n]" (repeating until
/// it gets y or n) and a one-line note. End of input counts as 'q' before an episode and is an error
/// (std::runtime_error) after one, so an unattended run never invents an outcome.
class ConsoleOperator final : public Operator {
 public:
  ConsoleOperator(std::istream& in, std::ostream& out) : in_(in), out_(out) {}
  bool prepare(const EpisodeSetup& setup, const std::string& setup_card_png) override;
  OperatorVerdict judge(const EpisodeSetup& setup, std::optional<bool> robot_success, const std::string& status) override;

 private:
  std::istream& in_;
  std::ostream& out_;
};

/// Settings of the control loop.
struct RealRunOptions {
  /// Control rate (Hz); the policy's actions are per control period, as in the simulator (10 Hz).
  double control_hz = 10.0;
  /// Dry run: the policy runs on the robot's observations, but commands go only to the log (and
  /// to `dry_run_twin`, if set); the robot itself is only ever sent holds.
  bool dry_run = false;
  /// In a dry run, a twin (or any Robot) that executes the commands instead (may be nullptr).
  Robot* dry_run_twin = nullptr;
  /// Consecutive holds for stale observations after which the episode ends as an error.
  int max_stale_holds = 20;
  /// Front-camera frames in the trajectory (for the episode's MP4).
  bool frames = false;
};

/// Per-step series the runtime adds to the trajectory (Trajectory::real_series, the trajectory's
/// "real/" group): "obs_stamp_s" (T+1: state capture time of each observation used, s since the
/// episode's first), "command_s" (T: when each command was sent, same origin), "obs_to_command_ms"
/// (T: capture of the observation -> command sent), "period_ms" (T: interval between consecutive
/// commands; the first is the interval from the first observation), "ee_pos_m" (T+1 x 3 measured
/// EE position, world frame), "gripper_opening_m" (T+1), "joint_pos_rad" (T+1 x 7),
/// "ee_target_pos_m" (T x 3), "ee_target_quat_wxyz" (T x 4), "hold" (T: 1 where a hold was sent),
/// "sequence" (T+1 observation sequence numbers); attributes "interventions" (JSON: one list of
/// {reason, message} per step) and "robot" (driver name, dry run, control rate, robot stats).
/// Loop timing of one episode, for its record ("real" diagnostics) and the benchmarks.
struct LoopStats {
  std::vector<double> period_ms;          ///< interval between consecutive commands
  std::vector<double> obs_to_command_ms;  ///< observation capture -> command sent
  int deadline_misses = 0;                ///< commands sent more than one period after their observation's capture
  /// {"period_ms": {p50, p99, max}, "jitter_ms": {p50, p99, max} (|period - nominal|),
  ///  "obs_to_command_ms": {p50, p99, max}, "deadline_misses", "steps"}.
  nlohmann::json to_json(double nominal_period_ms) const;
};

/// Runs episodes of one policy on one robot. Not thread-safe; one per robot.
class RealEpisodeRunner {
 public:
  /// `robot`, `policy` and `filter` must outlive the runner. `filter` is always on.
  /// @throws std::invalid_argument for control_hz <= 0 or a privileged policy on a robot that is not
  /// simulated() (a real arm), naming the policy.
  RealEpisodeRunner(Robot& robot, Policy& policy, SafetyFilter& filter, const RealRunOptions& options);

  /// Runs episode `key` (the sweep's episode: same seed, same initial scene on simulated robots).
  /// `instruction` and `horizon_steps` are the episode's (Variation::instruction, Task::horizon_steps).
  /// The record has the format of `wambench eval` (status "success" / "failure" from the verdict,
  /// "error" with the reason for a robot fault, a policy exception, stale observations, or an
  /// emergency stop), and "real" diagnostics: loop statistics, safety interventions per reason,
  /// watchdog holds, the verdict's source and note, the robot's stats. `trajectory` (optional) receives the
  /// per-step log (actions as filtered and executed, the simulator state where the robot has one:
  /// the SimRobot's or the twin mirror's, and the real series above).
  /// Returns nullopt if the operator ended the run before the episode.
  /// Never throws for a robot or policy failure (they end the episode as "error"); the robot is
  /// held on every exit path.
  std::optional<EpisodeRecord> run(const EpisodeKey& key, uint64_t base_seed, const std::string& instruction,
                                   int horizon_steps, Operator& op, const std::string& setup_card_png,
                                   Trajectory* trajectory = nullptr);

  /// True once an emergency stop (SIGINT / SIGTERM, bridge/watchdog.h) ended an episode: the caller
  /// runs no further episodes.
  bool stopped() const { return stopped_; }
  /// Loop statistics of the last episode.
  const LoopStats& last_loop_stats() const { return loop_; }

 private:
  Robot& robot_;
  Policy& policy_;
  SafetyFilter& filter_;
  RealRunOptions options_;
  bool stopped_ = false;
  LoopStats loop_;
};

}  // namespace wambench
