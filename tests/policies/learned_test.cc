// Learned-policy machinery: demonstration reader, training, checkpoints, the vla policy.
#include <hdf5.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "eval/collect.h"
#include "policies/demo_dataset.h"
#include "policies/policy.h"
#include "policies/train.h"
#include "policies/vla_model.h"
#include "policies/wam_model.h"
#include "tests/policies/fixture.h"

namespace wambench {
namespace {
namespace fs = std::filesystem;
using testing_fixture::blank_observation;
using testing_fixture::fixture;
using testing_fixture::temp_dir;

// A short training run on the fixture: one thread, `steps` steps of `batch`, a report every
// `eval_every` steps, no validation split, writing temp_dir() / out.
TrainConfig fixture_training(int steps, int batch, int eval_every, const std::string& out) {
  TrainConfig c;
  c.data = fixture();
  c.steps = steps;
  c.batch = batch;
  c.eval_every = eval_every;
  c.val_fraction = 0.0;
  c.threads = 1;
  c.out = (temp_dir() / out).string();
  return c;
}

TEST(Demos, ReadsEveryDemonstrationWithPooledImages) {
  const std::vector<Demo> demos = read_demos(fixture(), 64, 32);  // 128 px pooled 2 x 2 and 4 x 4
  ASSERT_EQ(demos.size(), 6u);
  EXPECT_EQ(demos[0].task, "press_button");
  EXPECT_EQ(demos[5].task, "pick_place");
  for (const Demo& d : demos) {
    EXPECT_GT(d.steps, 5);
    EXPECT_EQ(d.front.size(), static_cast<size_t>(d.steps) * 64 * 64 * 3);
    EXPECT_EQ(d.wrist.size(), static_cast<size_t>(d.steps) * 32 * 32 * 3);
    EXPECT_EQ(d.proprio.size(), static_cast<size_t>(d.steps) * kProprioDim);
    EXPECT_EQ(d.actions.size(), static_cast<size_t>(d.steps) * 7);
    EXPECT_EQ(d.state_features.size(), static_cast<size_t>(d.steps) * kStateFeatureDim);
    // Columns 3..8 are the 6-D rotation: two orthonormal columns of a rotation matrix.
    const float* r = &d.proprio[3];
    EXPECT_NEAR(r[0] * r[0] + r[1] * r[1] + r[2] * r[2], 1.0, 1e-4);
    EXPECT_NEAR(r[0] * r[3] + r[1] * r[4] + r[2] * r[5], 0.0, 1e-4);
    // Gripper labels are the binary command.
    for (int t = 0; t < d.steps; ++t) EXPECT_EQ(std::abs(d.actions[static_cast<size_t>(t) * 7 + 6]), 1.0f);
  }
  EXPECT_THROW(read_demos(fixture(), 48, 64), std::invalid_argument);  // 128 is not a multiple of 48
}

TEST(Demos, ProprioceptionReadsTheContinuousRotationNotTheQuaternion) {
  // A hand pointing down has w ~ 0, where the canonical quaternion (w >= 0) flips sign under a tiny
  // tilt. The proprioception must not see that flip: it reads ee_rot6d.
  Observation a, b;
  a.ee_quat_wxyz = {0.001, 1.0, 0.0, 0.0};
  b.ee_quat_wxyz = {0.001, -1.0, 0.0, 0.0};  // the sign flip of a 0.004 rad different pose
  a.ee_rot6d = b.ee_rot6d = {1, 0, 0, 0, -1, 0};
  EXPECT_EQ(proprio_vector(a), proprio_vector(b));
  a.ee_pos_m = {0.1, 0.2, 0.3};
  a.gripper_opening_m = 0.05;
  const std::vector<float> p = proprio_vector(a);
  ASSERT_EQ(p.size(), static_cast<size_t>(kProprioDim));
  EXPECT_FLOAT_EQ(p[2], 0.3f);
  EXPECT_FLOAT_EQ(p[7], -1.0f);  // rot6d r11
  EXPECT_FLOAT_EQ(p[9], 0.05f);
}

TEST(Demos, DartLabelsAreTheCleanExpertActionsWhileNoisyOnesAreExecuted) {
  CollectConfig c;
  c.tasks = {"press_button"};
  c.episodes = 2;
  c.image_size = 32;
  c.noise_std = 0.1;
  c.out = (temp_dir() / "dart.hdf5").string();
  collect_demonstrations(c);
  const hid_t f = H5Fopen(c.out.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  ASSERT_GE(f, 0);
  auto read = [&](const char* name) {
    const hid_t ds = H5Dopen2(f, name, H5P_DEFAULT);
    const hid_t space = H5Dget_space(ds);
    hsize_t dims[2];
    H5Sget_simple_extent_dims(space, dims, nullptr);
    std::vector<double> v(dims[0] * dims[1]);
    H5Dread(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data());
    H5Sclose(space);
    H5Dclose(ds);
    return v;
  };
  const std::vector<double> labels = read("data/demo_0/actions"), executed = read("data/demo_0/executed_actions");
  H5Fclose(f);
  ASSERT_EQ(labels.size(), executed.size());
  double diff = 0;
  for (size_t i = 0; i < labels.size(); ++i) {
    if (i % 7 == 6) {
      EXPECT_EQ(labels[i], executed[i]);  // no noise on the gripper
    }
    diff += std::abs(labels[i] - executed[i]);
  }
  const double mean_motion_diff = diff / (labels.size() / 7 * 6);
  // E|N(0, 0.1^2)| = 0.08, less where clipping to [-1, 1] cuts the noise of a saturated label.
  EXPECT_GT(mean_motion_diff, 0.03);
  EXPECT_LT(mean_motion_diff, 0.1);
}

TEST(Actions, TheGripperIsABinaryOutputTrainedWithCrossEntropy) {
  Normalization n;
  n.action_std.fill(1.0f);
  const auto chunk = torch::tensor(std::vector<float>{0.5f, 0, 0, 0, 0, 0, 0.3f,    //
                                                      -2.0f, 0, 0, 0, 0, 0, -0.01f}).view({2, 7});
  const std::vector<Action> actions = chunk_to_actions(chunk, n, "test");
  ASSERT_EQ(actions.size(), 2u);
  EXPECT_EQ(actions[0][6], 1.0);   // a small positive logit closes fully
  EXPECT_EQ(actions[1][6], -1.0);  // a small negative one opens fully
  EXPECT_EQ(actions[0][0], 0.5);
  EXPECT_EQ(actions[1][0], -1.0);  // motion clipped to [-1, 1]
  // Loss: motion MSE + BCE of the logit against "closed".
  const auto target = torch::tensor(std::vector<float>{0.5f, 0, 0, 0, 0, 0, 1.0f}).view({1, 1, 7});
  const auto exact = torch::tensor(std::vector<float>{0.5f, 0, 0, 0, 0, 0, 20.0f}).view({1, 1, 7});
  const auto wrong = torch::tensor(std::vector<float>{0.5f, 0, 0, 0, 0, 0, -2.0f}).view({1, 1, 7});
  EXPECT_NEAR(action_loss(exact, target).item<double>(), 0.0, 1e-6);
  EXPECT_NEAR(action_loss(wrong, target).item<double>(), std::log(1 + std::exp(2.0)), 1e-5);
  EXPECT_NEAR(chunk_as_commands(wrong)[0][0][6].item<double>(), std::tanh(-1.0), 1e-6);
}

TEST(ImageEncoder, KeypointsFollowWhereABrightSpotIs) {
  // Spatial softmax keeps position: with a fixed random encoder, moving a bright square from the
  // left to the right of an image moves the expected keypoint x positions (global average pooling,
  // the previous encoder, is blind to it by construction on a uniform background).
  torch::manual_seed(1);
  ImageEncoder enc(64);
  enc->eval();
  torch::NoGradGuard no_grad;
  auto spot = [](int x) {
    auto im = torch::zeros({1, 3, 64, 64});
    im.slice(2, 28, 36).slice(3, x, x + 8).fill_(1.0);
    return im;
  };
  const auto left = enc->forward(spot(4)), right = enc->forward(spot(52));
  ASSERT_EQ(left.sizes(), (std::vector<int64_t>{1, kImageFeatureDim}));
  const double shift = (right.slice(1, 0, kKeypoints) - left.slice(1, 0, kKeypoints)).mean().item<double>();
  EXPECT_GT(shift, 0.0) << "keypoints did not move right with the spot";
  EXPECT_THROW(ImageEncoder(48), std::invalid_argument);
}

TEST(ImageEncoder, PrecomputedFeaturesPassThroughAndOtherWidthsAreRefused) {
  torch::manual_seed(2);
  ImageEncoder enc(64);
  torch::NoGradGuard no_grad;
  const auto features = enc->forward(torch::rand({3, 3, 64, 64}));
  EXPECT_TRUE(torch::equal(enc->forward(features), features));  // the frozen-encoder stage's input
  EXPECT_THROW(enc->forward(torch::zeros({3, 100})), std::invalid_argument);
}

TEST(BcState, TrainsOnTheObjectStateAndActsWithPrivilegedAccess) {
  TrainConfig c = fixture_training(60, 16, 20, "bc_state.pt");
  c.policy = "bc_state";
  c.val_fraction = 0.2;
  c.learning_rate = 1e-3;
  std::vector<double> losses;
  const TrainResult r = train_policy(c, [&](const TrainProgress& p) { losses.push_back(p.train_loss); });
  ASSERT_EQ(losses.size(), 3u);
  EXPECT_LT(losses.back(), losses.front());
  EXPECT_FALSE(r.validation.contains("blind"));  // no images to blind
  auto policy = make_policy({"bc_state", c.out, 0.0, {}});
  EXPECT_FALSE(policy->needs_images());
  EXPECT_TRUE(is_privileged_policy("bc_state"));
  EpisodeInfo no_access;
  EXPECT_THROW(policy->reset(no_access), std::invalid_argument);
}

TEST(Demos, PoolingAveragesBlocks) {
  const std::vector<uint8_t> src = {0, 0, 0, 10, 10, 10, 20, 20, 20, 31, 31, 31};  // one 2x2 image
  EXPECT_EQ(pool_images(src.data(), 1, 1, 2), (std::vector<uint8_t>{15, 15, 15}));
}

TEST(Demos, AFileMissingRequiredKeysIsRejectedNamingThem) {
  const fs::path broken = temp_dir() / "broken.hdf5";
  fs::copy_file(fixture(), broken, fs::copy_options::overwrite_existing);
  {
    const hid_t f = H5Fopen(broken.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    ASSERT_GE(f, 0);
    ASSERT_GE(H5Ldelete(f, "data/demo_1/obs/wrist_image", H5P_DEFAULT), 0);
    ASSERT_GE(H5Ldelete(f, "data/demo_1/actions", H5P_DEFAULT), 0);
    H5Fclose(f);
  }
  try {
    read_demos(broken.string(), 128, 64);
    FAIL() << "no error for missing keys";
  } catch (const std::runtime_error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("data/demo_1/obs/wrist_image"), std::string::npos) << m;
    EXPECT_NE(m.find("data/demo_1/actions"), std::string::npos) << m;
  }
  EXPECT_THROW(read_demos((temp_dir() / "nope.hdf5").string(), 128, 64), std::runtime_error);
}

TEST(Instruction, HashedBagOfWordsIgnoresCaseAndPunctuationAndTakesUnseenWords) {
  EXPECT_EQ(instruction_tokens("Put the RED mug in the bowl.", 1024), instruction_tokens("put the red mug in the bowl", 1024));
  const auto unseen = instruction_tokens("place the zyzzyva onto the platter", 1024);
  EXPECT_EQ(unseen.size(), 6u);
  for (int64_t t : unseen) EXPECT_TRUE(t >= 0 && t < 1024);
  EXPECT_EQ(instruction_tokens("", 1024), std::vector<int64_t>{0});
}

TEST(Training, AFewStepsReduceTheLossAndTrainingIsDeterministic) {
  TrainConfig c = fixture_training(150, 16, 50, "a.pt");
  c.learning_rate = 1e-3;
  c.augment = false;
  std::vector<double> losses;
  const TrainResult r = train_policy(c, [&](const TrainProgress& p) { losses.push_back(p.train_loss); });
  ASSERT_EQ(losses.size(), 3u);
  // Mean loss over steps 101-150 well below that over steps 1-50 (measured: 0.77 -> 0.56).
  EXPECT_LT(losses.back(), 0.85 * losses.front()) << losses.front() << " -> " << losses.back();
  EXPECT_EQ(r.steps, 150);
  EXPECT_GT(r.parameters, 100000);
  // Same seed, same thread count: the same weights.
  c.out = (temp_dir() / "b.pt").string();
  std::vector<double> losses_b;
  train_policy(c, [&](const TrainProgress& p) { losses_b.push_back(p.train_loss); });
  EXPECT_EQ(losses, losses_b);
  CheckpointInfo ia, ib;
  VlaNet a = load_checkpoint((temp_dir() / "a.pt").string(), "vla", &ia);
  VlaNet b = load_checkpoint((temp_dir() / "b.pt").string(), "vla", &ib);
  auto pa = a->parameters(), pb = b->parameters();
  ASSERT_EQ(pa.size(), pb.size());
  for (size_t i = 0; i < pa.size(); ++i) EXPECT_TRUE(torch::equal(pa[i], pb[i])) << "parameter " << i;
  // The checkpoint describes itself.
  EXPECT_EQ(ia.training.at("steps"), 150);
  EXPECT_EQ(ia.training.at("data_sha256").get<std::string>(), file_sha256(fixture()));
  EXPECT_TRUE(ia.training.contains("git_commit"));
  EXPECT_TRUE(ia.training.contains("final_train_loss"));
  EXPECT_EQ(ia.training.at("sampling"), "per-task balanced");
}

TEST(Training, RolloutSelectionKeepsTheBestScoredWeights) {
  TrainConfig c = fixture_training(30, 8, 30, "selected.pt");
  c.select_every = 10;
  const std::vector<double> scores = {0.5, 0.9, 0.1};  // at steps 10, 20, 30
  std::vector<std::string> candidates;
  c.rollout_success = [&](const std::string& path) {
    candidates.push_back(path);
    EXPECT_TRUE(fs::is_regular_file(path));
    EXPECT_NO_THROW(load_checkpoint(path, "vla", nullptr));  // a loadable checkpoint of the averaged weights
    return scores.at(candidates.size() - 1);
  };
  const TrainResult r = train_policy(c);
  ASSERT_EQ(candidates.size(), 3u);
  EXPECT_FALSE(fs::exists(candidates.back()));  // temporary files are removed
  EXPECT_EQ(r.selected_step, 20);
  CheckpointInfo info;
  load_checkpoint(c.out, "vla", &info);
  EXPECT_EQ(info.training.at("selected_step"), 20);
  EXPECT_EQ(info.training.at("rollout_selection").size(), 3u);
  EXPECT_EQ(info.training.at("rollout_selection")[1].at("success_rate"), 0.9);
  // Without selection, the final averaged weights are kept.
  c.select_every = 0;
  c.out = (temp_dir() / "final.pt").string();
  EXPECT_EQ(train_policy(c).selected_step, 30);
}

// The parameters of a candidate checkpoint, split into the image encoders' and the rest's.
struct Weights {
  std::vector<torch::Tensor> encoders, rest;
};
Weights checkpoint_weights(const std::string& path, const std::string& policy) {
  std::shared_ptr<torch::nn::Module> net;
  if (policy == "vla") net = load_checkpoint(path, policy, nullptr).ptr();
  else net = load_wam_checkpoint(path, policy, nullptr).ptr();
  Weights w;
  for (const auto& p : net->named_parameters())
    (p.key().rfind("front_encoder.", 0) == 0 || p.key().rfind("wrist_encoder.", 0) == 0 ? w.encoders : w.rest)
        .push_back(p.value().clone());
  return w;
}
bool all_equal(const std::vector<torch::Tensor>& a, const std::vector<torch::Tensor>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (!torch::equal(a[i], b[i])) return false;
  return true;
}

TEST(Training, StagedTrainingFreezesTheEncodersAndTrainsTheRestOnCachedFeatures) {
  for (const std::string policy : {"vla", "harmowam"}) {
    SCOPED_TRACE(policy);
    TrainConfig c = fixture_training(5, 8, 5, "staged_" + policy + ".pt");
    c.policy = policy;
    c.encoder_steps = 2;
    c.ema_decay = 0.0;  // candidates hold the live weights of each step
    c.learning_rate = 1e-3;
    c.select_every = 1;
    std::vector<Weights> steps;
    c.rollout_success = [&](const std::string& path) {
      steps.push_back(checkpoint_weights(path, policy));
      return static_cast<double>(steps.size());  // the last step scores best
    };
    const TrainResult r = train_policy(c);
    ASSERT_EQ(steps.size(), 5u);
    EXPECT_EQ(r.selected_step, 5);
    EXPECT_FALSE(all_equal(steps[0].encoders, steps[1].encoders)) << "the encoders train in the first stage";
    for (int k = 2; k < 5; ++k) {
      EXPECT_TRUE(all_equal(steps[k].encoders, steps[1].encoders)) << "encoders changed at step " << k + 1;
      EXPECT_FALSE(all_equal(steps[k].rest, steps[k - 1].rest)) << "the rest did not train at step " << k + 1;
    }
    CheckpointInfo info;
    if (policy == "vla") load_checkpoint(c.out, policy, &info);
    else load_wam_checkpoint(c.out, policy, &info);
    EXPECT_EQ(info.training.at("encoder_steps"), 2);
    EXPECT_EQ(info.training.at("aux_state_weight"), 1.0);
    EXPECT_GT(info.training.at("feature_cache_s").get<double>(), 0.0);
  }
  // End to end throughout when encoder_steps >= steps; no auxiliary loss without images.
  TrainConfig c = fixture_training(2, 8, 2, "unstaged.pt");
  c.encoder_steps = 2;
  CheckpointInfo info;
  train_policy(c);
  load_checkpoint(c.out, "vla", &info);
  EXPECT_EQ(info.training.at("encoder_steps"), 0);
  c.policy = "bc_state";
  c.out = (temp_dir() / "bc_state_unstaged.pt").string();
  train_policy(c);
  load_bc_state_checkpoint(c.out, &info);
  EXPECT_EQ(info.training.at("aux_state_weight"), 0.0);
}

TEST(Training, TheAuxiliaryStateRegressionLearnsAndIsReportedOnlyWhenOn) {
  TrainConfig c = fixture_training(60, 16, 20, "aux.pt");
  c.learning_rate = 1e-3;
  std::vector<double> aux;
  train_policy(c, [&](const TrainProgress& p) { aux.push_back(p.aux_state_loss); });
  ASSERT_EQ(aux.size(), 3u);
  for (double v : aux) EXPECT_TRUE(std::isfinite(v) && v >= 0.0) << v;
  // The encoders and the head learn the state: the regression error falls (standardized units:
  // about 1 for a constant prediction).
  EXPECT_LT(aux.back(), 0.8 * aux.front()) << aux.front() << " -> " << aux.back();
  TrainConfig bad = c;
  bad.aux_state_weight = -1.0;
  EXPECT_THROW(train_policy(bad), std::invalid_argument);
  bad.aux_state_weight = std::nan("");
  EXPECT_THROW(train_policy(bad), std::invalid_argument);
  bad = c;
  bad.encoder_steps = -1;
  EXPECT_THROW(train_policy(bad), std::invalid_argument);
  c.aux_state_weight = 0.0;
  c.out = (temp_dir() / "no_aux.pt").string();
  aux.clear();
  train_policy(c, [&](const TrainProgress& p) { aux.push_back(p.aux_state_loss); });
  for (double v : aux) EXPECT_TRUE(std::isnan(v)) << "reported without the auxiliary loss: " << v;
  CheckpointInfo info;
  load_checkpoint(c.out, "vla", &info);
  EXPECT_EQ(info.training.at("aux_state_weight"), 0.0);
}

TEST(Training, ValidationReportsPerDimensionPerTaskTheBlindBaselineAndAProbe) {
  TrainConfig c = fixture_training(20, 8, 20, "diag.pt");
  c.val_fraction = 0.34;  // 2 of 6 demonstrations
  const TrainResult r = train_policy(c);
  const nlohmann::json& v = r.validation;
  ASSERT_TRUE(v.is_object());
  EXPECT_EQ(v.at("motion_mse_by_dim").size(), 6u);
  EXPECT_GE(v.at("motion_mse_by_task").size(), 1u);
  EXPECT_TRUE(v.at("gripper_accuracy").get<double>() >= 0 && v.at("gripper_accuracy").get<double>() <= 1);
  EXPECT_TRUE(std::isfinite(v.at("blind").at("loss").get<double>()));
  // The probe fits its own training features at least as well as held-out ones.
  const auto& probe = v.at("linear_probe");
  EXPECT_GE(probe.at("r2_train").get<double>(), probe.at("r2_val").get<double>() - 1e-9);
  EXPECT_LE(probe.at("r2_train").get<double>(), 1.0 + 1e-9);
  EXPECT_NEAR(v.at("loss").get<double>(), r.val_loss, 1e-12);
}

CheckpointInfo unit_info() {
  CheckpointInfo info;
  info.normalization.proprio_std.fill(1.0f);
  info.normalization.action_std.fill(1.0f);
  info.normalization.state_std.fill(1.0f);
  return info;
}

torch::Tensor run(VlaNet& net) {
  torch::manual_seed(7);
  torch::NoGradGuard no_grad;
  net->eval();
  return net->forward(torch::rand({2, 3, 128, 128}), torch::rand({2, 3, 64, 64}), torch::randn({2, kProprioDim}),
                      torch::tensor(std::vector<int64_t>{1, 2, 3}, torch::kInt64),
                      torch::tensor(std::vector<int64_t>{0, 1}, torch::kInt64));
}

TEST(Checkpoint, SaveLoadRoundTripGivesIdenticalOutputs) {
  torch::manual_seed(3);
  const CheckpointInfo info = unit_info();
  VlaNet net(info.config);
  const std::string path = (temp_dir() / "round.pt").string();
  save_checkpoint(path, net, info);
  VlaNet loaded = load_checkpoint(path, "vla", nullptr);
  EXPECT_TRUE(torch::equal(run(net), run(loaded)));
  EXPECT_EQ(run(net).sizes(), (std::vector<int64_t>{2, 8, 7}));
}

TEST(Checkpoint, CorruptMismatchedAndForeignCheckpointsAreRejectedClearly) {
  const CheckpointInfo info = unit_info();
  VlaNet net(info.config);
  const std::string good = (temp_dir() / "good.pt").string();
  save_checkpoint(good, net, info);
  auto message = [](const std::string& path, const std::string& policy) {
    try {
      load_checkpoint(path, policy, nullptr);
    } catch (const std::runtime_error& e) {
      return std::string(e.what());
    }
    return std::string("(no error)");
  };
  // Truncated.
  const std::string truncated = (temp_dir() / "truncated.pt").string();
  fs::copy_file(good, truncated, fs::copy_options::overwrite_existing);
  fs::resize_file(truncated, fs::file_size(good) / 2);
  EXPECT_NE(message(truncated, "vla").find("truncated or corrupt"), std::string::npos) << message(truncated, "vla");
  // Not a checkpoint at all.
  const std::string text = (temp_dir() / "text.pt").string();
  std::ofstream(text) << "hello";
  EXPECT_NE(message(text, "vla").find("text.pt"), std::string::npos);
  // Another policy's checkpoint.
  CheckpointInfo other = info;
  other.policy = "wam_joint";
  const std::string foreign = (temp_dir() / "foreign.pt").string();
  save_checkpoint(foreign, net, other);
  EXPECT_NE(message(foreign, "vla").find("is a 'wam_joint' checkpoint, not 'vla'"), std::string::npos);
  // Weights of another architecture than the stored config says.
  CheckpointInfo wide = info;
  wide.config.width = 128;
  VlaNet narrow_net(wide.config);
  const std::string mismatched = (temp_dir() / "mismatched.pt").string();
  save_checkpoint(mismatched, narrow_net, info);  // weights: width 128; config says 256
  EXPECT_NE(message(mismatched, "vla").find("do not fit the architecture"), std::string::npos)
      << message(mismatched, "vla");
  // Missing.
  EXPECT_NE(message((temp_dir() / "none.pt").string(), "vla").find("no checkpoint file"), std::string::npos);
  // Degenerate normalization.
  const std::string zero_std = (temp_dir() / "zero_std.pt").string();
  const CheckpointInfo degenerate;  // default normalization: every std 0
  save_checkpoint(zero_std, net, degenerate);
  EXPECT_NE(message(zero_std, "vla").find("std is not positive"), std::string::npos) << message(zero_std, "vla");
}

TEST(VlaPolicy, ActsWithAChunkOfValidActionsFromAnObservation) {
  const CheckpointInfo info = unit_info();
  VlaNet net(info.config);
  const std::string path = (temp_dir() / "policy.pt").string();
  save_checkpoint(path, net, info);
  auto policy = make_policy({"vla", path, 0.0, {}});
  EXPECT_EQ(policy->name(), "vla");
  EXPECT_EQ(policy->checkpoint_hash(), file_sha256(path));
  EpisodeInfo episode;
  episode.instruction = "press the blue button";
  policy->reset(episode);
  Observation obs = blank_observation();
  const PolicyOutput out = policy->act(obs);
  ASSERT_EQ(out.chunk.size(), 8u);
  EXPECT_EQ(out.execute_steps, 4);
  for (const Action& a : out.chunk)
    for (double v : a) EXPECT_TRUE(v >= -1.0 && v <= 1.0);
  obs.images["wrist"] = Image(100, 100);  // not a multiple of the network's 64 px
  EXPECT_THROW(policy->act(obs), std::runtime_error);
  EXPECT_THROW(make_policy({"vla", "", 0.0, {}}), std::invalid_argument);
  EXPECT_THROW(make_policy({"vla", (temp_dir() / "none.pt").string(), 0.0, {}}), std::invalid_argument);
}

}  // namespace
}  // namespace wambench
