// Scene loading and the arm's kinematic facts.
#include <cmath>
#include <cstdio>
#include <fstream>

#include <Eigen/Dense>
#include <gtest/gtest.h>

#include "sim/arm_controller.h"
#include "sim/env.h"
#include "sim/model.h"
#include "sim/random.h"
#include "tests/sim/test_scenes.h"

namespace wambench {
namespace {

TEST(ModelLoad, MissingFileNamesTheFile) {
  try {
    load_model_from_file("/nonexistent/dir/scene.xml");
    FAIL() << "expected ModelLoadError";
  } catch (const ModelLoadError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/dir/scene.xml"), std::string::npos) << e.what();
  }
}

TEST(ModelLoad, MalformedMjcfCarriesFileAndMujocoMessage) {
  const std::string path = ::testing::TempDir() + "/malformed_scene.xml";
  {
    std::ofstream f(path);
    f << "<mujoco><worldbody><body name='a'><geom type='sphere' size='0.1'/></worldbody></mujoco>";
  }
  try {
    load_model_from_file(path);
    FAIL() << "expected ModelLoadError";
  } catch (const ModelLoadError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find(path), std::string::npos) << msg;
    EXPECT_NE(msg.find("XML_ERROR_MISMATCHED_ELEMENT"), std::string::npos) << "MuJoCo's own message is kept: " << msg;
  }
  std::remove(path.c_str());
}

TEST(ModelLoad, UnknownAttributeIsReportedWithMujocoText) {
  try {
    testing::scene_with("<body><geom type='box' size='0.1 0.1 0.1' colour='red'/></body>");
    FAIL() << "expected ModelLoadError";
  } catch (const ModelLoadError& e) {
    EXPECT_NE(std::string(e.what()).find("colour"), std::string::npos) << e.what();
  }
}

TEST(ModelLoad, EnvWithMissingSceneThrowsNamingIt) {
  EnvConfig c = testing::physics_only_config();
  c.scene_path = "/nonexistent/other.xml";
  EXPECT_THROW({ Env env(c); }, ModelLoadError);
}

TEST(ModelLoad, RequireIdNamesMissingElement) {
  ModelPtr m = testing::scene_with("");
  try {
    require_id(m.get(), mjOBJ_SITE, "no_such_site");
    FAIL();
  } catch (const ModelLoadError& e) {
    EXPECT_NE(std::string(e.what()).find("no_such_site"), std::string::npos);
  }
}

// Franka's documented joint limits (rad), frankaemika.github.io/docs/control_parameters.html.
TEST(PandaAsset, JointLimitsMatchFrankaDocumentation) {
  const double lo[7] = {-2.8973, -1.7628, -2.8973, -3.0718, -2.8973, -0.0175, -2.8973};
  const double hi[7] = {2.8973, 1.7628, 2.8973, -0.0698, 2.8973, 3.7525, 2.8973};
  ModelPtr m = load_model_from_file(asset_path("scene.xml"));
  for (int i = 0; i < 7; ++i) {
    const int j = require_id(m.get(), mjOBJ_JOINT, "joint" + std::to_string(i + 1));
    EXPECT_TRUE(m->jnt_limited[j]);
    EXPECT_DOUBLE_EQ(m->jnt_range[2 * j], lo[i]) << "joint" << i + 1;
    EXPECT_DOUBLE_EQ(m->jnt_range[2 * j + 1], hi[i]) << "joint" << i + 1;
  }
  const int f = require_id(m.get(), mjOBJ_JOINT, "finger_joint1");
  EXPECT_DOUBLE_EQ(m->jnt_range[2 * f + 1] * 2, kGripperMaxOpeningM);
}

// Forward kinematics by the modified DH convention (Craig): T_i = RotX(alpha_{i-1}) TransX(a_{i-1})
// RotZ(q_i) TransZ(d_i), with Franka's documented parameters, then the flange (d = 0.107).
Eigen::Isometry3d panda_flange_fk(const std::array<double, 7>& q) {
  const double a[7] = {0, 0, 0, 0.0825, -0.0825, 0, 0.088};
  const double d[7] = {0.333, 0, 0.316, 0, 0.384, 0, 0};
  const double alpha[7] = {0, -M_PI / 2, M_PI / 2, M_PI / 2, -M_PI / 2, M_PI / 2, M_PI / 2};
  Eigen::Isometry3d t = Eigen::Isometry3d::Identity();
  for (int i = 0; i < 7; ++i) {
    t = t * Eigen::AngleAxisd(alpha[i], Eigen::Vector3d::UnitX()) * Eigen::Translation3d(a[i], 0, 0) *
        Eigen::AngleAxisd(q[i], Eigen::Vector3d::UnitZ()) * Eigen::Translation3d(0, 0, d[i]);
  }
  return t * Eigen::Translation3d(0, 0, 0.107);
}

TEST(PandaAsset, KinematicsMatchDenavitHartenbergTable) {
  ModelPtr m = load_model_from_file(asset_path("scene.xml"));
  DataPtr d(mj_makeData(m.get()));
  const int hand = require_id(m.get(), mjOBJ_BODY, "hand");
  Rng rng(7);
  for (int trial = 0; trial < 20; ++trial) {
    std::array<double, 7> q{};
    for (int i = 0; i < 7; ++i) {
      const int j = require_id(m.get(), mjOBJ_JOINT, "joint" + std::to_string(i + 1));
      q[i] = rng.uniform(m->jnt_range[2 * j], m->jnt_range[2 * j + 1]);
      d->qpos[m->jnt_qposadr[j]] = q[i];
    }
    mj_kinematics(m.get(), d.get());
    const Eigen::Isometry3d expected = panda_flange_fk(q);
    const Eigen::Vector3d pos(d->xpos[3 * hand], d->xpos[3 * hand + 1], d->xpos[3 * hand + 2]);
    EXPECT_LT((pos - expected.translation()).norm(), 1e-6) << "trial " << trial;
    // The hand's z axis is the flange z axis (the hand is only rotated about it by -45 deg).
    const Eigen::Vector3d z(d->xmat[9 * hand + 2], d->xmat[9 * hand + 5], d->xmat[9 * hand + 8]);
    EXPECT_LT((z - expected.linear().col(2)).norm(), 1e-6);
  }
}

TEST(Rng, IsPortableAndSeedDependent) {
  // Reference values of SplitMix64 for seed 0 (Vigna's reference implementation).
  Rng r(0);
  EXPECT_EQ(r.next_u64(), 0xE220A8397B1DCDAFULL);
  EXPECT_EQ(r.next_u64(), 0x6E789E6AA1B965F4ULL);
  Rng a(1), b(1), c(2);
  EXPECT_EQ(a.uniform(), b.uniform());
  EXPECT_NE(Rng(1).uniform(), c.uniform());
  Rng u(3);
  for (int i = 0; i < 1000; ++i) {
    const double x = u.uniform(-2.0, 5.0);
    ASSERT_GE(x, -2.0);
    ASSERT_LT(x, 5.0);
    ASSERT_LT(u.uniform_index(7), 7u);
  }
}

}  // namespace
}  // namespace wambench
