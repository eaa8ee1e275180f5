// State phase labels in the runner, the recordings and the report: the labels follow what the
// acting policy really does (a hand-written policy that grasps long after the scripted expert
// would), the records carry them for every policy next to the expert's plan, and the report's gate
// table has the interaction fraction, the predictive share per phase, agreement and kappa.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "eval/oracle_policy.h"
#include "eval/recording.h"
#include "eval/report.h"
#include "eval/runner.h"
#include "tasks/expert_rollout.h"
#include "tasks/objects.h"

namespace wambench {
namespace {

namespace fs = std::filesystem;

// Tuning-free base seed (the evaluation seed 0 is never used to choose anything).
constexpr uint64_t kSeed = 777;
constexpr int kHoverSteps = 40;

// pick_place by hand, grasping late: hovers 30 cm up and 15 cm to the side of the object for
// kHoverSteps steps, then reaches above the object, descends, closes for 10 steps and lifts it to
// 30 cm. An oracle like `scripted` (it reads the episode's TaskEnv, which the runner attaches),
// one action per act().
class LateGraspPolicy final : public OraclePolicy {
 public:
  std::string name() const override { return "late_grasp"; }
  bool needs_images() const override { return false; }
  void set_task_env(const TaskEnv* env) override { env_ = env; }
  void reset(const EpisodeInfo&) override {
    const Variation& v = env_->variation();
    cat_ = &find_category(pick_place_train_objects(), v.object("object").category);
    const Placement& p = v.placement("object");
    const double natural = natural_yaw(p.x_m, p.y_m);
    hand_yaw_ = closest_grasp_yaw(closest_symmetric_yaw(p.yaw_rad + cat_->grasp_yaw_rad, cat_->grasp_symmetry_rad, natural),
                                  natural);
    grasp_ = Eigen::Vector3d(p.x_m, p.y_m, 0) +
             Eigen::AngleAxisd(p.yaw_rad, Eigen::Vector3d::UnitZ()) * Eigen::Vector3d(cat_->grasp_x_m, 0, 0) +
             Eigen::Vector3d(0, 0, cat_->grasp_z_m);
    step_ = stage_steps_ = 0;
    stage_ = 0;
  }
  PolicyOutput act(const Observation&) override {
    const Env& env = env_->env();
    const Eigen::Matrix3d rot = ee_down_rotation(hand_yaw_);
    const Eigen::Vector3d above = grasp_ + Eigen::Vector3d(0, 0, 0.10);
    Action a{};
    ++stage_steps_;
    switch (stage_) {
      case 0:  // hover aside
        a = servo_action(env, grasp_ + Eigen::Vector3d(0, grasp_.y() > 0 ? -0.15 : 0.15, 0.30), rot, -1);
        if (step_ + 1 >= kHoverSteps) next();
        break;
      case 1:  // reach above the object
        a = servo_action(env, above, rot, -1);
        if (ee_position_error(env, above) < 0.012 || stage_steps_ > 30) next();
        break;
      case 2:  // descend
        a = servo_action(env, grasp_, rot, -1);
        if (ee_position_error(env, grasp_) < 0.006 || stage_steps_ > 25) next();
        break;
      case 3:  // close
        a = servo_action(env, grasp_, rot, 1);
        if (stage_steps_ >= 10) next();
        break;
      default: {  // lift
        const auto ee = env.controller().ee_pos_m(env.data());
        a = servo_action(env, Eigen::Vector3d(ee[0], ee[1], 0.30), rot, 1);
      }
    }
    ++step_;
    PolicyOutput out;
    out.chunk = {a};
    out.execute_steps = 1;
    return out;
  }

 private:
  void next() {
    ++stage_;
    stage_steps_ = 0;
  }
  const TaskEnv* env_ = nullptr;
  const ObjectCategory* cat_ = nullptr;
  Eigen::Vector3d grasp_ = Eigen::Vector3d::Zero();
  double hand_yaw_ = 0;
  int step_ = 0, stage_ = 0, stage_steps_ = 0;
};

TEST(StatePhases, FollowALateGraspNotTheExpertsSchedule) {
  EnvConfig config;
  config.render = false;
  TaskEnv env("pick_place", config);
  // Where the scripted expert's plan enters interaction on this episode.
  const ExpertEpisode expert = run_expert_episode(env, Split::kTrain, 0, kSeed);
  ASSERT_TRUE(expert.success) << expert.error;
  int expert_first_interaction = -1;
  for (size_t k = 0; k < expert.phases.size() && expert_first_interaction < 0; ++k)
    if (expert.phases[k].coarse == CoarsePhase::kInteraction) expert_first_interaction = static_cast<int>(k);
  ASSERT_GE(expert_first_interaction, 0);
  ASSERT_LT(expert_first_interaction, kHoverSteps - 10) << "the expert should grasp well before the late policy";

  LateGraspPolicy policy;
  Trajectory trajectory;
  const EpisodeRecord r = run_episode(policy, env, {"late_grasp", "pick_place", "train", 0}, kSeed, &trajectory);
  ASSERT_EQ(r.status, "failure") << r.error;  // lifted, never placed: runs to the horizon
  ASSERT_EQ(trajectory.phases_coarse.size(), static_cast<size_t>(r.steps));
  ASSERT_EQ(trajectory.phases.size(), static_cast<size_t>(r.steps));
  // Hovering (including every step the expert spends grasping and lifting): transit.
  for (int k = 0; k < kHoverSteps; ++k) {
    EXPECT_EQ(trajectory.phases_coarse[k], "transit") << "step " << k << " (" << trajectory.phases[k] << ")";
    EXPECT_EQ(trajectory.phases[k], "reach") << "step " << k;
  }
  // Interaction starts only once the fingers get to the object, i.e. after the hover, and the
  // grasp is labelled as such; once lifted high and carried, the state is transit "move".
  int first_interaction = -1;
  for (int k = 0; k < r.steps && first_interaction < 0; ++k)
    if (trajectory.phases_coarse[k] == "interaction") first_interaction = k;
  ASSERT_GE(first_interaction, kHoverSteps);
  EXPECT_EQ(trajectory.phases[first_interaction], "grasp");
  EXPECT_LT(first_interaction, kHoverSteps + 20);
  int grasp_steps = 0, lift_steps = 0;
  for (const std::string& fine : trajectory.phases) grasp_steps += fine == "grasp", lift_steps += fine == "lift";
  EXPECT_GE(grasp_steps, 8);  // descending and closing for 10 steps
  EXPECT_GE(lift_steps, 1);
  EXPECT_EQ(trajectory.phases_coarse.back(), "transit");
  EXPECT_EQ(trajectory.phases.back(), "move");  // held 30 cm up
  EXPECT_GE(r.progress, 3) << "the object was lifted";  // reached, grasped, lifted
  // The record carries the same state labels, one letter per step; no plan labels (the policy
  // reports none).
  const std::string letters = r.diagnostics.at("phase_per_step").get<std::string>();
  ASSERT_EQ(letters.size(), trajectory.phases_coarse.size());
  for (size_t k = 0; k < letters.size(); ++k) EXPECT_EQ(letters[k], trajectory.phases_coarse[k] == "interaction" ? 'i' : 't');
  EXPECT_FALSE(r.diagnostics.contains("plan_phase_per_step"));
  for (const std::string& plan : trajectory.plan_phases) EXPECT_EQ(plan, "");
}

TEST(StatePhases, ScriptedRecordsKeepThePlanApartAndReplayRelabelsFromTheState) {
  const fs::path dir = fs::temp_directory_path() / ("wambench_phase_test_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  EnvConfig config;
  config.render = false;
  TaskEnv env("open_drawer", config);
  register_oracle_policies();
  std::unique_ptr<Policy> scripted = make_policy({"scripted", "", 0.0, {}});
  Trajectory trajectory;
  const EpisodeRecord r = run_episode(*scripted, env, {"scripted", "open_drawer", "train", 0}, kSeed, &trajectory);
  ASSERT_TRUE(r.success) << r.error;
  const std::string state = r.diagnostics.at("phase_per_step").get<std::string>();
  const std::string plan = r.diagnostics.at("plan_phase_per_step").get<std::string>();
  ASSERT_EQ(state.size(), static_cast<size_t>(r.steps));
  ASSERT_EQ(plan.size(), static_cast<size_t>(r.steps));
  EXPECT_NE(state.find('i'), std::string::npos) << "a successful drawer opening has interaction steps: " << state;
  for (size_t k = 0; k < trajectory.plan_phases.size(); ++k) {
    EXPECT_EQ(trajectory.plan_phases[k], trajectory.diagnostics[k].at("phase").get<std::string>());
    EXPECT_EQ(plan[k], trajectory.diagnostics[k].at("coarse").get<std::string>() == "interaction" ? 'i' : 't');
  }
  // The recording holds the state labels; the replay recomputes them from the states, identically.
  save_recordings(dir.string(), r, trajectory, true, false);
  const RecordedEpisode t = read_recording(recording_path(dir.string(), r.key, "h5"));
  EXPECT_EQ(t.trajectory.phases, trajectory.phases);
  EXPECT_EQ(t.trajectory.phases_coarse, trajectory.phases_coarse);
  const Trajectory replayed = replay(env, t);
  EXPECT_EQ(replayed.phases, trajectory.phases);
  EXPECT_EQ(replayed.phases_coarse, trajectory.phases_coarse);
  EXPECT_EQ(replayed.plan_phases, trajectory.plan_phases);
  fs::remove_all(dir);
}

TEST(Report, GateTableHasInteractionShareAgreementAndKappa) {
  // harmowam on pick_place: 4 interaction steps (3 predictive), 6 transit steps (1 predictive).
  // Agreement (3 + 5) / 10 = 0.8; p_e = 0.4 * 0.4 + 0.6 * 0.6 = 0.52; kappa = 0.28 / 0.48.
  // A gate alternating p, r, ... on open_drawer: 2 of 4 interaction steps and 3 of 6 transit
  // steps predictive: kappa 0.
  std::vector<EpisodeRecord> recs;
  EpisodeRecord a;
  a.key = {"harmowam", "pick_place", "train", 0};
  a.diagnostics = {{"gate_by_phase", {{"interaction", {{"predictive", 3}, {"reactive", 1}}},
                                      {"transit", {{"predictive", 1}, {"reactive", 5}}}}}};
  // The same 10 steps by position in the executed chunk (4 actions per chunk): the predictive expert
  // acted at the first action of every chunk and once more at the second.
  a.diagnostics["gate_by_chunk_position"] = nlohmann::json::array(
      {{{"predictive", 3}}, {{"predictive", 1}, {"reactive", 2}}, {{"reactive", 2}}, {{"reactive", 2}}});
  recs.push_back(a);
  EpisodeRecord b = a;
  b.key.task = "open_drawer";
  b.diagnostics = {{"gate_by_phase", {{"interaction", {{"predictive", 2}, {"reactive", 2}}},
                                      {"transit", {{"predictive", 3}, {"reactive", 3}}}}}};
  recs.push_back(b);
  // The scripted expert's plan against the state labels: 8 of 10 steps agree.
  EpisodeRecord c;
  c.key = {"scripted", "pick_place", "train", 0};
  c.diagnostics = {{"phase_per_step", "ttiiiiittt"}, {"plan_phase_per_step", "tttiiiiitt"}};
  recs.push_back(c);
  const nlohmann::json s = summarize(recs, nlohmann::json::object());
  bool pick = false, drawer = false;
  for (const auto& row : s.at("gate")) {
    if (row.at("task") == "pick_place") {
      pick = true;
      EXPECT_NEAR(row.at("interaction_fraction").get<double>(), 0.4, 1e-12);
      EXPECT_NEAR(row.at("predictive_share").at("interaction").get<double>(), 0.75, 1e-12);
      EXPECT_NEAR(row.at("predictive_share").at("transit").get<double>(), 1.0 / 6, 1e-12);
      EXPECT_NEAR(row.at("agreement").get<double>(), 0.8, 1e-12);
      EXPECT_NEAR(row.at("kappa").get<double>(), 0.28 / 0.48, 1e-12);
      const auto& by_position = row.at("predictive_share_by_chunk_position");
      ASSERT_EQ(by_position.size(), 4u);
      EXPECT_NEAR(by_position[0].get<double>(), 1.0, 1e-12);
      EXPECT_NEAR(by_position[1].get<double>(), 1.0 / 3, 1e-12);
      EXPECT_NEAR(by_position[2].get<double>(), 0.0, 1e-12);
    }
    if (row.at("task") == "open_drawer") {
      drawer = true;
      EXPECT_FALSE(row.contains("predictive_share_by_chunk_position"));
      EXPECT_NEAR(row.at("agreement").get<double>(), 0.5, 1e-12);
      EXPECT_NEAR(row.at("kappa").get<double>(), 0.0, 1e-12);
    }
  }
  EXPECT_TRUE(pick && drawer);
  ASSERT_FALSE(s.at("phase_labels").empty());
  const auto& pl = s.at("phase_labels")[0];
  EXPECT_EQ(pl.at("policy"), "scripted");
  EXPECT_EQ(pl.at("steps"), 10);
  EXPECT_NEAR(pl.at("agreement").get<double>(), 0.8, 1e-12);
  EXPECT_NEAR(pl.at("state_interaction_fraction").get<double>(), 0.5, 1e-12);
  EXPECT_NEAR(pl.at("plan_interaction_fraction").get<double>(), 0.5, 1e-12);
  EXPECT_NEAR(pl.at("kappa").get<double>(), 0.6, 1e-12);  // p_o 0.8, p_e 0.5
  const std::string md = render_report_md(s, "");
  EXPECT_NE(md.find("| `harmowam` | pick_place | 10 | 40.0 % | 16.7 % of 6 | 75.0 % of 4 | 80.0 % | 0.58 |"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("| `harmowam` | open_drawer | 10 | 40.0 % | 50.0 % of 6 | 50.0 % of 4 | 50.0 % | 0.00 |"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("## State phase labels vs the expert's plan"), std::string::npos) << md;
  EXPECT_NE(md.find("| `scripted` | pick_place | train | 1 | 10 | 50.0 % | 50.0 % | 80.0 % | 0.60 |"), std::string::npos)
      << md;
}

}  // namespace
}  // namespace wambench
