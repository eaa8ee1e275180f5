// World-action models: forward shapes of every kind, the gate's range, the predictive expert's
// refinement, checkpoints, training on a fixture, the policies' outputs and the runner's gate tally.
#include <gtest/gtest.h>

#include <numeric>

#include "eval/runner.h"
#include "policies/demo_dataset.h"
#include "policies/policy.h"
#include "policies/train.h"
#include "policies/wam_model.h"
#include "tasks/task_env.h"
#include "tests/policies/fixture.h"

namespace wambench {
namespace {
using testing_fixture::blank_observation;
using testing_fixture::fixture;
using testing_fixture::temp_dir;

ModelConfig tiny(const std::string& gate = "learned") {
  ModelConfig c;
  c.front_size = 32;
  c.image_size = 32;
  c.width = 32;
  c.latent_dim = 8;
  c.instruction_buckets = 64;
  c.gate = gate;
  return c;
}

WamInputs random_inputs(int64_t B, int64_t S, double scale = 1.0) {
  torch::manual_seed(11);
  WamInputs in;
  in.front = torch::rand({B, 3, S, S}) * scale;
  in.wrist = torch::rand({B, 3, S, S}) * scale;
  in.proprio = torch::randn({B, kProprioDim}) * scale;
  std::vector<int64_t> tokens, offsets;
  for (int64_t b = 0; b < B; ++b) {
    offsets.push_back(static_cast<int64_t>(tokens.size()));
    tokens.push_back(b % 64);
    tokens.push_back((3 * b + 1) % 64);
  }
  in.tokens = torch::tensor(tokens, torch::kInt64);
  in.offsets = torch::tensor(offsets, torch::kInt64);
  in.interaction = torch::tensor(std::vector<float>(static_cast<size_t>(B), 1.0f));
  return in;
}

CheckpointInfo unit_info(const std::string& policy, const ModelConfig& config) {
  CheckpointInfo info;
  info.policy = policy;
  info.config = config;
  info.normalization.proprio_std.fill(1.0f);
  info.normalization.action_std.fill(1.0f);
  info.normalization.state_std.fill(1.0f);
  return info;
}

TEST(WamNet, ForwardShapesOfEveryKind) {
  const int64_t B = 3;
  for (const std::string& policy : wam_policy_names()) {
    SCOPED_TRACE(policy);
    WamNet net(tiny(wam_gate(policy)), wam_kind(policy));
    torch::NoGradGuard no_grad;
    const WamOutput out = net->forward(random_inputs(B, 32));
    EXPECT_EQ(out.actions.sizes(), (std::vector<int64_t>{B, 8, 7}));
    EXPECT_EQ(out.z.sizes(), (std::vector<int64_t>{B, 8}));
    EXPECT_EQ(out.futures.sizes(), (std::vector<int64_t>{B, 2, 8}));  // offsets 4 and 8
    EXPECT_EQ(net->decode(out.futures.select(1, 0)).sizes(), (std::vector<int64_t>{B, 3, 32, 32}));
    if (wam_kind(policy) == WamKind::kHarmo) {
      EXPECT_EQ(out.gate.sizes(), (std::vector<int64_t>{B, 8}));
      EXPECT_EQ(out.predictive.sizes(), (std::vector<int64_t>{B, 8, 7}));
      EXPECT_EQ(out.reactive.sizes(), (std::vector<int64_t>{B, 8, 7}));
      EXPECT_EQ(out.energies.size(), 4u);  // before refinement + 3 iterations
      // The acting chunk is, per action, the chunk of the expert the gate picks.
      const auto pick = (out.gate >= 0.5).unsqueeze(2).expand({B, 8, 7});
      EXPECT_TRUE(torch::equal(out.actions, torch::where(pick, out.predictive, out.reactive)));
    } else {
      EXPECT_FALSE(out.gate.defined());
    }
  }
  EXPECT_EQ(future_offsets(ModelConfig{}), (std::vector<int>{4, 8}));
  EXPECT_THROW(wam_kind("vla"), std::invalid_argument);
}

TEST(WamNet, GateIsAProbabilityEvenForExtremeInputs) {
  WamNet net(tiny(), WamKind::kHarmo);
  torch::NoGradGuard no_grad;
  for (double scale : {1.0, 1e3}) {
    const WamOutput out = net->forward(random_inputs(5, 32, scale));
    EXPECT_TRUE(torch::isfinite(out.gate).all().item<bool>());
    EXPECT_GE(out.gate.min().item<double>(), 0.0);
    EXPECT_LE(out.gate.max().item<double>(), 1.0);
  }
  // Fixed gates: exactly 1 / 0; the schedule follows the phase label.
  WamNet predictive(tiny("predictive"), WamKind::kHarmo), reactive(tiny("reactive"), WamKind::kHarmo);
  EXPECT_TRUE(torch::equal(predictive->forward(random_inputs(2, 32)).gate, torch::ones({2, 8})));
  EXPECT_TRUE(torch::equal(reactive->forward(random_inputs(2, 32)).gate, torch::zeros({2, 8})));
  WamNet schedule(tiny("schedule"), WamKind::kHarmo);
  WamInputs in = random_inputs(2, 32);
  in.interaction = torch::tensor(std::vector<float>{1.0f, 0.0f});
  const WamOutput s = schedule->forward(in);
  EXPECT_TRUE(torch::equal(s.actions[0], s.predictive[0]));
  EXPECT_TRUE(torch::equal(s.actions[1], s.reactive[1]));
  in.interaction = torch::Tensor();
  EXPECT_THROW(schedule->forward(in), std::invalid_argument);
}

TEST(WamNet, TheLossCoversEveryTermAndDifferentiatesThroughTheRefinement) {
  WamNet net(tiny(), WamKind::kHarmo);
  const WamInputs in = random_inputs(4, 32);
  const std::vector<torch::Tensor> ff = {torch::rand({4, 3, 32, 32}), torch::rand({4, 3, 32, 32})};
  const WamLoss loss = wam_loss(net, in, torch::randn({4, 8, 7}), ff, ff);
  for (const auto& t : {loss.total, loss.action, loss.world_model, loss.reconstruction})
    EXPECT_TRUE(std::isfinite(t.item<double>()));
  loss.total.backward();
  // The step size only enters through the refinement steps: a gradient shows they are in the graph.
  ASSERT_TRUE(net->step_logit.grad().defined());
  EXPECT_GT(net->step_logit.grad().abs().item<double>(), 0.0);
  ASSERT_TRUE(net->gate_net->parameters()[0].grad().defined());
  EXPECT_GT(net->gate_net->parameters()[0].grad().abs().sum().item<double>(), 0.0);
}

// A harmowam checkpoint trained briefly on the fixture (shared by the tests below).
const std::string& trained_harmowam() {
  static const std::string path = [] {
    TrainConfig c;
    c.policy = "harmowam";
    c.data = fixture();
    c.steps = 40;
    c.batch = 8;
    c.eval_every = 20;
    c.val_fraction = 0.34;  // 2 of the 6 demonstrations
    c.threads = 1;
    c.learning_rate = 1e-3;
    c.out = (temp_dir() / "harmowam.pt").string();
    const TrainResult r = train_policy(c);
    EXPECT_TRUE(std::isfinite(r.train_loss));
    EXPECT_TRUE(r.world_model.contains("by_offset")) << r.world_model.dump();
    return c.out;
  }();
  return path;
}

TEST(WamTraining, TrainsOnTheFixtureAndMeasuresTheWorldModelAgainstCopyLast) {
  CheckpointInfo info;
  WamNet net = load_wam_checkpoint(trained_harmowam(), "harmowam", &info);
  const auto& wm = info.training.at("world_model_eval");
  ASSERT_EQ(wm.at("by_offset").size(), 2u);
  for (const auto& row : wm.at("by_offset")) {
    for (const char* key : {"latent_mse", "latent_mse_copy_last", "image_mse", "image_mse_copy_last",
                            "image_mse_copy_last_decoded", "image_mse_reconstruction"})
      EXPECT_TRUE(row.at(key).get<double>() >= 0.0 && std::isfinite(row.at(key).get<double>())) << key;
  }
  EXPECT_EQ(wm.at("by_offset")[0].at("offset_steps"), 4);
  EXPECT_EQ(info.config.gate, "learned");
  EXPECT_EQ(info.training.at("steps"), 40);
}

TEST(WamNet, PredictiveRefinementLowersItsEnergyEveryIteration) {
  // On the trained fixture model, on fixture observations.
  WamNet net = load_wam_checkpoint(trained_harmowam(), "harmowam", nullptr);
  const std::vector<Demo> demos = read_demos(fixture(), 128, 64);
  WamInputs in;
  std::vector<torch::Tensor> front, wrist;
  for (const Demo& d : demos) {
    front.push_back(images_to_tensor(d.front.data(), 1, 128));
    wrist.push_back(images_to_tensor(d.wrist.data(), 1, 64));
  }
  in.front = torch::cat(front);
  in.wrist = torch::cat(wrist);
  in.proprio = torch::zeros({static_cast<int64_t>(demos.size()), kProprioDim});
  std::vector<int64_t> tokens, offsets;
  for (const Demo& d : demos) {
    offsets.push_back(static_cast<int64_t>(tokens.size()));
    for (int64_t t : instruction_tokens(d.instruction, 1024)) tokens.push_back(t);
  }
  in.tokens = torch::tensor(tokens, torch::kInt64);
  in.offsets = torch::tensor(offsets, torch::kInt64);
  torch::NoGradGuard no_grad;
  const WamOutput out = net->forward(in);
  ASSERT_EQ(out.energies.size(), 4u);
  for (size_t i = 1; i < out.energies.size(); ++i)
    EXPECT_LT(out.energies[i].mean().item<double>(), out.energies[i - 1].mean().item<double>())
        << "iteration " << i << ": " << out.energies[i - 1].mean().item<double>() << " -> "
        << out.energies[i].mean().item<double>();
}

TEST(WamCheckpoint, RoundTripGivesIdenticalOutputsAndTheGateModeMustMatch) {
  for (const std::string policy : {"wam_ite", "wam_joint", "harmowam", "harmowam_gate_reactive"}) {
    SCOPED_TRACE(policy);
    torch::manual_seed(5);
    const CheckpointInfo info = unit_info(policy, tiny(wam_gate(policy)));
    WamNet net(info.config, wam_kind(policy));
    const std::string path = (temp_dir() / (policy + "_round.pt")).string();
    save_checkpoint(path, net, info);
    WamNet loaded = load_wam_checkpoint(path, policy, nullptr);
    torch::NoGradGuard no_grad;
    net->eval();
    EXPECT_TRUE(torch::equal(net->forward(random_inputs(2, 32)).actions, loaded->forward(random_inputs(2, 32)).actions));
  }
  // A harmowam checkpoint whose stored gate says "reactive" is not a harmowam (learned gate) model.
  const CheckpointInfo info = unit_info("harmowam", tiny("reactive"));
  WamNet net(info.config, WamKind::kHarmo);
  const std::string path = (temp_dir() / "gate_mismatch.pt").string();
  save_checkpoint(path, net, info);
  try {
    load_wam_checkpoint(path, "harmowam", nullptr);
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("gate mode 'reactive' does not match policy 'harmowam'"), std::string::npos)
        << e.what();
  }
  EXPECT_THROW(load_wam_checkpoint(trained_harmowam(), "wam_ite", nullptr), std::runtime_error);
}

TEST(WamPolicy, HarmowamActsWithPerActionGateDiagnosticsAndImaginedFrames) {
  auto policy = make_policy({"harmowam", trained_harmowam(), 0.0, {}});
  EpisodeInfo episode;
  episode.instruction = "press the blue button";
  policy->reset(episode);
  Observation obs = blank_observation();
  const PolicyOutput out = policy->act(obs);
  ASSERT_EQ(out.chunk.size(), 8u);
  EXPECT_EQ(out.execute_steps, 4);
  ASSERT_EQ(out.step_diagnostics.size(), 8u);
  for (const auto& d : out.step_diagnostics) {
    const double w = d.at("gate").get<double>();
    EXPECT_TRUE(w >= 0.0 && w <= 1.0);
    EXPECT_EQ(d.at("expert"), w >= 0.5 ? "predictive" : "reactive");
  }
  EXPECT_EQ(out.diagnostics.at("refine_energy").size(), 2u);
  const std::vector<Image> imagined = policy->imagined_frames();
  ASSERT_EQ(imagined.size(), 2u);
  EXPECT_EQ(imagined[0].height, 64);
  EXPECT_EQ(imagined[0].rgb.size(), 64u * 64u * 3u);
  EXPECT_EQ(policy->imagined_stride_steps(), 4);
  // The schedule ablation needs the runner's phase labels.
  ModelConfig schedule_config;
  schedule_config.gate = "schedule";
  const CheckpointInfo schedule_info = unit_info("harmowam_gate_schedule", schedule_config);
  WamNet net(schedule_config, WamKind::kHarmo);
  const std::string path = (temp_dir() / "schedule.pt").string();
  save_checkpoint(path, net, schedule_info);
  auto schedule = make_policy({"harmowam_gate_schedule", path, 0.0, {}});
  EXPECT_THROW(schedule->reset(episode), std::invalid_argument);
  PhaseLabel phase{CoarsePhase::kInteraction, "grasp"};
  episode.phase = &phase;
  schedule->reset(episode);
  for (const auto& d : schedule->act(obs).step_diagnostics) EXPECT_EQ(d.at("expert"), "predictive");
  phase.coarse = CoarsePhase::kTransit;
  for (const auto& d : schedule->act(obs).step_diagnostics) EXPECT_EQ(d.at("expert"), "reactive");
}

TEST(WamPolicy, TheRunnerTalliesEveryStepsExpertByPhase) {
  auto policy = make_policy({"harmowam", trained_harmowam(), 0.0, {}});
  TaskEnv env("press_button");
  Trajectory trajectory;
  const EpisodeRecord r = run_episode(*policy, env, {"harmowam", "press_button", "train", 0}, 0, &trajectory);
  ASSERT_NE(r.status, "error") << r.error;
  ASSERT_TRUE(r.diagnostics.contains("gate_by_phase")) << r.diagnostics.dump();
  int steps = 0;
  for (const auto& [phase, experts] : r.diagnostics.at("gate_by_phase").items()) {
    EXPECT_TRUE(phase == "transit" || phase == "interaction") << phase;
    for (const auto& [expert, n] : experts.items()) steps += n.get<int>();
  }
  EXPECT_EQ(steps, r.steps);
  // Per-step gate values and experts in the record, consistent with each other.
  const auto& gates = r.diagnostics.at("gate_per_step");
  const std::string experts = r.diagnostics.at("expert_per_step").get<std::string>();
  ASSERT_EQ(gates.size(), static_cast<size_t>(r.steps));
  ASSERT_EQ(experts.size(), static_cast<size_t>(r.steps));
  for (size_t k = 0; k < experts.size(); ++k) {
    const double g = gates[k].get<double>();  // rounded to 1e-3: within that of 0.5 either expert is right
    if (std::abs(g - 0.5) > 1e-3) {
      EXPECT_EQ(experts[k], g >= 0.5 ? 'p' : 'r') << k;
    }
  }
  // The same steps by position in the executed chunk (the checkpoint executes 4 of each chunk): the
  // k-th position holds the steps t with t mod 4 == k, each counted under the expert that acted.
  const auto& by_position = r.diagnostics.at("gate_by_chunk_position");
  ASSERT_EQ(by_position.size(), 4u) << by_position.dump();
  for (size_t pos = 0; pos < by_position.size(); ++pos) {
    int predictive = 0, all = 0, expected_predictive = 0, expected_all = 0;
    for (const auto& [expert, n] : by_position[pos].items()) {
      all += n.get<int>();
      if (expert == "predictive") predictive += n.get<int>();
    }
    for (size_t k = pos; k < experts.size(); k += 4) {
      ++expected_all;
      expected_predictive += experts[k] == 'p';
    }
    EXPECT_EQ(all, expected_all) << pos;
    EXPECT_EQ(predictive, expected_predictive) << pos;
  }
  // Every step of the trajectory carries its own action's gate value.
  ASSERT_EQ(trajectory.diagnostics.size(), static_cast<size_t>(r.steps));
  for (const auto& d : trajectory.diagnostics) EXPECT_TRUE(d.contains("gate") && d.contains("expert") && d.contains("refine_energy"));
}

}  // namespace
}  // namespace wambench
