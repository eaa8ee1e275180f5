// Tests of peg_insert: expert success on every split, rejection of near misses, disjoint held-out
// axes, determinism of episode initialization.
#include <algorithm>
#include <cmath>
#include <memory>
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "task_test_util.h"

#include "tasks/expert_rollout.h"
#include "tasks/task_env.h"
#include "tasks/peg_insert.h"

namespace wambench {
namespace {

constexpr Action kIdleOpen = {0, 0, 0, 0, 0, 0, -1};

// The hole block of the hand-built states: at (0.5, -0.05), yaw 0.3; the peg starts at (0.5, 0.15).
constexpr double kHoleX = 0.5, kHoleY = -0.05, kHoleYaw = 0.3;

class PegInsertTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    EnvConfig c;
    c.render = false;
    env_ = std::make_unique<TaskEnv>("peg_insert", c);
  }
  static void TearDownTestSuite() { env_.reset(); }

  static Variation base_variation(const std::string& shape) {
    Variation v = env_->task().sample_variation(Split::kTrain, 0, 0);
    v.objects[0].category = shape;
    v.placements[0] = {"peg", 0.5, 0.15, 0.0};
    v.placements[1] = {"block", kHoleX, kHoleY, kHoleYaw};
    return v;
  }

  static int peg_joint() {
    const mjModel* m = env_->env().model();
    const std::string body = peg_insert_peg_body(env_->variation().object("peg").category);
    return mj_name2id(m, mjOBJ_JOINT, (body + "_joint").c_str());
  }

  // Puts the peg's base centre at (x, y, z) (world, m), yaw `yaw` about world z, then tilted by
  // `tilt` about the world axis (cos(tilt_dir), sin(tilt_dir), 0) through the base centre; at rest.
  static void set_peg(double x, double y, double z, double yaw, double tilt = 0, double tilt_dir = 0) {
    const mjModel* m = env_->env().model();
    mjData* d = env_->env().mutable_data();
    const int j = peg_joint();
    ASSERT_GE(j, 0);
    const Eigen::Quaterniond q =
        Eigen::AngleAxisd(tilt, Eigen::Vector3d(std::cos(tilt_dir), std::sin(tilt_dir), 0)) *
        Eigen::AngleAxisd(yaw, Eigen::Vector3d::UnitZ());
    mjtNum* p = d->qpos + m->jnt_qposadr[j];
    p[0] = x, p[1] = y, p[2] = z;
    p[3] = q.w(), p[4] = q.x(), p[5] = q.y(), p[6] = q.z();
    for (int k = 0; k < 6; ++k) d->qvel[m->jnt_dofadr[j] + k] = 0;
    mj_forward(m, d);
  }

  // Peg base centre (world, m) and the cosine of its axis' tilt.
  static Eigen::Vector3d peg_base() {
    const mjModel* m = env_->env().model();
    const int b = m->jnt_bodyid[peg_joint()];
    return Eigen::Vector3d(env_->env().data()->xpos + 3 * b);
  }
  static double peg_axis_z() {
    const mjModel* m = env_->env().model();
    return env_->env().data()->xmat[9 * m->jnt_bodyid[peg_joint()] + 8];
  }
  static double insertion() { return kPegBlockHeightM - peg_base().z(); }

  // Steps `n` control steps of `action`; true if the success condition held at any step or success
  // latched.
  static bool any_success(int n, const Action& action = kIdleOpen) {
    bool any = false;
    for (int i = 0; i < n; ++i) {
      env_->step(action);
      any |= env_->status().condition || env_->status().success;
    }
    return any;
  }

  // Runs the expert of `v` until it first emits the phase `label` (not executed); returns the
  // expert for continuing.
  static std::unique_ptr<Expert> run_expert_until(const Variation& v, const std::string& label, Action* next) {
    env_->reset(v);
    auto expert = env_->task().make_expert(v, 0.0, 1);
    PhaseLabel phase;
    for (int k = 0; k < env_->task().horizon_steps(); ++k) {
      *next = expert->act(env_->env(), &phase);
      if (phase.fine == label) return expert;
      env_->step(*next);
    }
    ADD_FAILURE() << "the expert never reached phase " << label;
    return expert;
  }

  static std::unique_ptr<TaskEnv> env_;
};

std::unique_ptr<TaskEnv> PegInsertTest::env_;

// --- (a) the expert ---------------------------------------------------------------------------

TEST_F(PegInsertTest, ExpertSucceedsOnEverySplit) {
  check_expert_on_every_split(*env_, {{"reach", CoarsePhase::kTransit}, {"grasp", CoarsePhase::kInteraction}, {"lift", CoarsePhase::kInteraction}, {"move", CoarsePhase::kTransit}, {"align", CoarsePhase::kInteraction}, {"insert", CoarsePhase::kInteraction}, {"release", CoarsePhase::kInteraction}, {"retreat", CoarsePhase::kTransit}});
}

// --- (b) near misses --------------------------------------------------------------------------

TEST_F(PegInsertTest, PegSetIntoTheHoleWithGripperAwaySucceeds) {
  // Positive control for the hand-built states below: every peg standing on its hole's floor
  // (inserted 4 cm), the gripper open in the ready pose, succeeds after the 0.5 s dwell.
  for (const auto* list : {&peg_insert_train_shapes(), &peg_insert_heldout_shapes()}) {
    for (const PegShape& s : *list) {
      env_->reset(base_variation(s.name));
      set_peg(kHoleX, kHoleY, kPegBlockHeightM - kPegHoleDepthM + 0.0005, kHoleYaw);
      EXPECT_TRUE(any_success(8)) << s.name;
      EXPECT_TRUE(env_->status().success) << s.name;
      EXPECT_EQ(env_->status().progress_name, "released") << s.name;
      EXPECT_NEAR(insertion(), kPegHoleDepthM, 0.002) << s.name;
    }
  }
}

TEST_F(PegInsertTest, RejectsPegRestingTiltedOnTheHoleEdge) {
  // The peg's base centre 17 mm from the hole's axis (the hole's edge is at 16.25 mm: about half of
  // the base over the hole, half on the rim), tilted towards the hole, its lower base edge 1 mm
  // above the block's top; then 2 s to settle. A slightly tilted round or hexagonal peg rights
  // itself and stands on the edge, half on the rim; a more tilted square or cross peg tips over into
  // the mouth and comes to lie across the hole on the block. In no case is it inserted.
  struct Case {
    const char* shape;
    double tilt_rad;
    bool stands;  // ends upright on the edge (else lying across the hole)
  };
  for (const Case& c : {Case{"round", 0.15, true}, Case{"hexagonal", 0.15, true}, Case{"square", 0.3, false},
                        Case{"cross", 0.3, false}}) {
    env_->reset(base_variation(c.shape));
    const double off = 0.017;
    // Tilting about the horizontal axis at (kHoleYaw - pi/2) leans the top towards the hole's axis.
    set_peg(kHoleX + off * std::cos(kHoleYaw), kHoleY + off * std::sin(kHoleYaw),
            kPegBlockHeightM + 0.015 * std::sin(c.tilt_rad) + 0.001, kHoleYaw, c.tilt_rad, kHoleYaw - M_PI / 2);
    EXPECT_FALSE(any_success(20)) << c.shape;
    EXPECT_LT(insertion(), kPegMinInsertionM) << c.shape;
    EXPECT_GT(peg_base().z(), kPegBlockHeightM - 0.003) << c.shape << ": fell into the hole";
    EXPECT_LT(env_->status().progress, 5) << c.shape;
    if (c.stands) {
      EXPECT_GT(peg_axis_z(), 0.99) << c.shape;
      EXPECT_GT(std::hypot(peg_base().x() - kHoleX, peg_base().y() - kHoleY), 0.012) << c.shape;
    } else {
      EXPECT_LT(std::abs(peg_axis_z()), 0.2) << c.shape;
    }
  }
}

TEST_F(PegInsertTest, RejectsPegStandingOnTheBlockBesideTheHole) {
  // Upright on the block's top face, 35 mm from the hole's axis (the rim spans 16-55 mm).
  for (const char* shape : {"square", "round", "rectangular"}) {
    env_->reset(base_variation(shape));
    set_peg(kHoleX + 0.035 * std::cos(kHoleYaw), kHoleY + 0.035 * std::sin(kHoleYaw), kPegBlockHeightM + 0.0005,
            kHoleYaw + 0.2);
    EXPECT_FALSE(any_success(15)) << shape;
    EXPECT_NEAR(peg_base().z(), kPegBlockHeightM, 0.002) << shape;
    EXPECT_GT(peg_axis_z(), 0.99) << shape;
    EXPECT_LT(env_->status().progress, 4) << shape;
  }
}

TEST_F(PegInsertTest, RejectsPegInsertedOnlyOneAndAHalfCentimetresHeldByTheGripper) {
  // The expert aligns the peg over the hole; from there the test lowers the held peg to 1.5 cm
  // deep and keeps it there for 2 s, then opens the gripper while the peg is still 1.5 cm deep
  // and held by the fingers for one step: no success at any time before release.
  for (const char* shape : {"square", "round"}) {
    Action next{};
    auto expert = run_expert_until(base_variation(shape), "insert", &next);
    bool any = false;
    for (int k = 0; k < 20; ++k) {
      const auto ee = env_->env().controller().ee_pos_m(env_->env().data());
      const Eigen::Vector3d target(ee[0], ee[1], ee[2] + (kPegBlockHeightM - 0.015 - peg_base().z()));
      Action a = servo_action(env_->env(), target, env_->env().controller().target_rot(), 1);
      a[2] = std::clamp(a[2], -0.1, 0.1);
      env_->step(a);
      any |= env_->status().condition || env_->status().success;
    }
    EXPECT_FALSE(any) << shape;
    EXPECT_NEAR(insertion(), 0.015, 0.004) << shape;
    EXPECT_LT(env_->env().controller().gripper_opening_m(env_->env().data()), 0.032) << shape << ": not held";
    EXPECT_NE(env_->status().progress_name, "inserted") << shape;
    EXPECT_EQ(env_->status().progress_name, "aligned") << shape;
  }
}

TEST_F(PegInsertTest, InsertedButStillHeldIsNotSuccessUntilReleased) {
  // Run the expert up to its release step: the peg is fully inserted, still grasped. Holding it
  // there (gripper closed) never succeeds; letting the expert finish from the same state does.
  for (const char* shape : {"square", "cross"}) {
    for (int variant = 0; variant < 2; ++variant) {
      Variation v = base_variation(shape);
      if (std::string(shape) == "cross") v = env_->task().sample_variation(Split::kUnseenObject, 0, 2);
      Action next{};
      auto expert = run_expert_until(v, "release", &next);
      ASSERT_FALSE(env_->status().success);
      EXPECT_GE(insertion(), kPegMinInsertionM) << shape;
      if (variant == 0) {
        EXPECT_FALSE(any_success(20, {0, 0, 0, 0, 0, 0, 1})) << "held in the hole, " << shape;
        EXPECT_EQ(env_->status().progress_name, "inserted") << shape;
      } else {
        PhaseLabel phase;
        env_->step(next);
        for (int k = 0; k < 30 && !env_->status().success; ++k) env_->step(expert->act(env_->env(), &phase));
        EXPECT_TRUE(env_->status().success) << "released, " << shape;
      }
    }
  }
}

// --- (c) held-out axes ------------------------------------------------------------------------

// Train / held-out disjointness of every axis is the conformance suite's (conformance_test.cc);
// these are the task's own properties of its space and of every variation.
TEST_F(PegInsertTest, YawsStayDisjointUnderTheSquaresSymmetryAndVariationsFitTheTable) {
  const VariationSpace& space = env_->task().variation_space();
  EXPECT_GE(space.categories.train.size(), 2u);
  EXPECT_GE(space.categories.held_out.size(), 3u);
  // Yaw: disjoint also modulo the square's quarter-turn symmetry.
  for (double shift : {-M_PI / 2, 0.0, M_PI / 2}) {
    variation::IntervalSet shifted;
    for (const auto& [lo, hi] : space.yaw_rad->held_out.intervals) shifted.intervals.push_back({lo + shift, hi + shift});
    EXPECT_TRUE(space.yaw_rad->train.disjoint_from(shifted)) << shift;
  }

  for (Split split : all_splits()) {
    for (int64_t i = 0; i < 500; ++i) {
      const Variation v = env_->task().sample_variation(split, 0, i);
      ASSERT_EQ(v.objects.size(), 2u);
      ASSERT_EQ(v.placements.size(), 2u);
      const ObjectChoice& peg = v.object("peg");
      const ObjectChoice& block = v.object("block");
      EXPECT_NE(peg.color_name, block.color_name);
      // The instruction names the peg by colour and shape; a block colour, if named, is the block's.
      EXPECT_NE(v.instruction.find("the " + peg.color_name + " " + peg.category + " peg into the "), std::string::npos)
          << v.instruction;
      EXPECT_EQ(v.instruction.rfind("insert the ", 0) == 0 || v.instruction.rfind("put the ", 0) == 0, true);
      if (v.instruction.find(" block") != std::string::npos) {
        EXPECT_NE(v.instruction.find("the " + block.color_name + " block"), std::string::npos) << v.instruction;
      }
      for (const Placement& p : v.placements) {
        const double r =
            p.role == "peg" ? peg_insert_find_shape(peg.category).radius_m : peg_insert_block_radius_m();
        EXPECT_GE(p.x_m - r, 0.25);
        EXPECT_LE(p.x_m + r, 0.80);
        EXPECT_LE(std::abs(p.y_m) + r, 0.46);  // clear of the background distractors (|y| >= 0.50)
        EXPECT_LE(std::hypot(p.x_m, p.y_m), 0.72);
      }
      const Placement& a = v.placement("peg");
      const Placement& b = v.placement("block");
      EXPECT_GE(std::hypot(a.x_m - b.x_m, a.y_m - b.y_m),
                peg_insert_find_shape(peg.category).radius_m + peg_insert_block_radius_m() + 0.04);
    }
  }
}

// --- (d) determinism --------------------------------------------------------------------------

TEST(PegInsertObjectState, TracksThePegAndRespectsItsSymmetry) {
  TaskEnv env("peg_insert", no_render());
  const int64_t i = find_episode(env, Split::kTrain, "peg", "square");
  ObjectStateCase c;
  c.index = i;
  c.object_body = c.yaw_body = peg_insert_peg_body("square");
  c.target_body = peg_insert_block_body("square");
  c.object_symmetry_rad = M_PI / 2;
  c.min_motion_m = 0.05;
  check_object_state(env, c);
}
}  // namespace
}  // namespace wambench
