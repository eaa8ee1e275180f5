// The table-driven staged expert (tasks/staged_expert.h): the order of its parts within a step,
// transitions, step counts, action adjustments, noise, and its errors. The task experts built on
// it are held to their earlier actions by the invariants check (scripted trajectories and the
// expert table, byte for byte) and to their success by each task's tests.
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tasks/staged_expert.h"
#include "tasks/task_env.h"

namespace wambench {
namespace {

// A three-stage expert over the pick_place scene: "a" holds the EE where it is for two steps,
// "b" moves 5 cm up with the vertical action clamped to 0.25 until step 3, then "c" forever; or,
// with `bad_exit`, stage "a" exits to a stage that does not exist.
class ToyExpert final : public StagedExpert {
 public:
  ToyExpert(double noise_std, uint64_t seed, bool bad_exit = false) : StagedExpert(noise_std, seed) {
    std::vector<Stage> t(3);
    t[0] = {{CoarsePhase::kTransit, "a"},
            -1,
            [this](const Env&, int steps) {
              steps_seen.push_back(steps);
              return Target{ee_, ee_down_rotation(0)};
            },
            nullptr,
            [bad_exit](const Env&, int steps) { return bad_exit     ? 7
                                                       : steps >= 2 ? 1
                                                                    : kStay; }};
    t[1] = {{CoarsePhase::kInteraction, "b"},
            1,
            [this](const Env&, int steps) {
              steps_seen.push_back(steps);
              return Target{ee_ + Eigen::Vector3d(0, 0, 0.05), ee_down_rotation(0)};
            },
            [](const Env&, const Target&, Action* a) { (*a)[2] = std::min((*a)[2], 0.25); },
            [](const Env&, int steps) { return steps >= 3 ? 2 : kStay; }};
    t[2] = {{CoarsePhase::kTransit, "c"},
            -1,
            [this](const Env&, int) {
              return Target{ee_, ee_down_rotation(0)};
            },
            nullptr,
            nullptr};
    set_stages(std::move(t));
  }

  std::vector<int> steps_seen;   // `steps` passed to the targets of stages a and b
  std::vector<int> transitions;  // stages entered
  int observed = 0;

 private:
  void observe(const Env& env) override {
    ++observed;
    const auto p = env.controller().ee_pos_m(env.data());
    ee_ = Eigen::Vector3d(p[0], p[1], p[2]);
  }
  void on_transition(int to) override { transitions.push_back(to); }

  Eigen::Vector3d ee_ = Eigen::Vector3d::Zero();
};

// An expert that declares no stages.
class EmptyExpert final : public StagedExpert {
 public:
  EmptyExpert() : StagedExpert(0, 1) {}

 private:
  void observe(const Env&) override {}
};

class StagedExpertTest : public ::testing::Test {
 protected:
  void SetUp() override { env_.reset(Split::kTrain, 0, 0); }
  TaskEnv env_{"pick_place"};
};

TEST_F(StagedExpertTest, RunsTheTableInOrder) {
  ToyExpert expert(0.0, 1);
  std::vector<std::string> labels;
  std::vector<Action> actions;
  for (int i = 0; i < 7; ++i) {
    PhaseLabel phase;
    const Action a = expert.act(env_.env(), &phase);
    labels.push_back(phase.fine);
    actions.push_back(a);
    if (i == 2) {
      EXPECT_EQ(phase.coarse, CoarsePhase::kInteraction);
      EXPECT_EQ(expert.stage(), 1);
    }
    env_.step(a);
  }
  // The label of a step is that of the stage it acted in; the exit moves on after the action.
  EXPECT_EQ(labels, (std::vector<std::string>{"a", "a", "b", "b", "b", "c", "c"}));
  EXPECT_EQ(expert.steps_seen, (std::vector<int>{1, 2, 1, 2, 3}));
  EXPECT_EQ(expert.transitions, (std::vector<int>{1, 2}));
  EXPECT_EQ(expert.observed, 7);
  EXPECT_EQ(expert.stage(), 2);
  // Gripper per stage; stage b's vertical action is clamped by its adjustment (5 cm would be
  // beyond the per-step maximum, i.e. 1 without it).
  EXPECT_EQ(actions[0][6], -1.0);
  EXPECT_EQ(actions[2][6], 1.0);
  EXPECT_EQ(actions[2][2], 0.25);
  EXPECT_EQ(actions[5][6], -1.0);
}

TEST_F(StagedExpertTest, NoiseIsSeededAndOnlyOnMotion) {
  ToyExpert quiet(0.0, 1), a(0.3, 42), b(0.3, 42), c(0.3, 43);
  PhaseLabel phase;
  const Action q = quiet.act(env_.env(), &phase);
  const Action x = a.act(env_.env(), &phase);
  const Action y = b.act(env_.env(), &phase);
  const Action z = c.act(env_.env(), &phase);
  EXPECT_EQ(x, y);
  EXPECT_NE(x, z);
  EXPECT_NE(x, q);
  EXPECT_EQ(x[6], q[6]);  // the gripper command carries no noise
  for (int i = 0; i < 6; ++i) {
    EXPECT_LE(std::abs(x[i]), 1.0);
  }
}

TEST_F(StagedExpertTest, ExitToAMissingStageIsALogicError) {
  ToyExpert expert(0.0, 1, /*bad_exit=*/true);
  PhaseLabel phase;
  try {
    expert.act(env_.env(), &phase);
    FAIL() << "expected std::logic_error";
  } catch (const std::logic_error& e) {
    EXPECT_NE(std::string(e.what()).find("exits to stage 7; valid: 0..2"), std::string::npos) << e.what();
  }
}

TEST_F(StagedExpertTest, AnExpertWithoutStagesIsALogicError) {
  EmptyExpert expert;
  PhaseLabel phase;
  EXPECT_THROW(expert.act(env_.env(), &phase), std::logic_error);
}

}  // namespace
}  // namespace wambench
