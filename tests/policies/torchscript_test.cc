// The `torchscript` policy: LibTorch computes what PyTorch computed for the same observation
// (scripted, traced and state-only modules), the metadata and options are applied, and bad modules
// or metadata get errors that say what was expected and what was found. The modules come from
// tests/policies/torchscript_models.py (a ctest fixture; run here when the binary runs alone).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>

#include <nlohmann/json.hpp>

#include "eval/config.h"
#include "policies/demo_dataset.h"
#include "policies/policy.h"
#include "policies/torchscript.h"

namespace wambench {
namespace {

namespace fs = std::filesystem;

// The fixture folder, with the models written once.
const fs::path& models() {
  static const fs::path dir = [] {
    const fs::path d = WAMBENCH_TS_MODELS_DIR;
    if (!fs::exists(d / "done")) {
      const std::string cmd = "timeout 300 /usr/bin/python3 '" + std::string(WAMBENCH_TS_MODELS_SCRIPT) + "' '" +
                              d.string() + "' > /dev/null";
      EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
    }
    return d;
  }();
  return dir;
}

std::string model(const std::string& name) { return (models() / (name + ".pt")).string(); }

nlohmann::json read_json(const fs::path& path) {
  std::ifstream f(path);
  EXPECT_TRUE(f.good()) << path;
  return nlohmann::json::parse(f);
}

// The parity file's observation: raw images as rendered and raw proprioception.
Observation parity_observation(const nlohmann::json& p) {
  Observation obs;
  const int size = p.at("image_size").get<int>();
  for (const char* cam : {"front", "wrist"}) {
    Image im(size, size);
    const auto& bytes = p.at(cam);
    EXPECT_EQ(bytes.size(), im.rgb.size());
    for (size_t i = 0; i < im.rgb.size(); ++i) im.rgb[i] = bytes[i].get<uint8_t>();
    obs.images[cam] = im;
  }
  const std::vector<double> s = p.at("state").get<std::vector<double>>();
  EXPECT_EQ(s.size(), 17u);
  for (int k = 0; k < 3; ++k) obs.ee_pos_m[k] = s[k];
  for (int k = 0; k < 6; ++k) obs.ee_rot6d[k] = s[3 + k];
  obs.gripper_opening_m = s[9];
  for (int k = 0; k < 7; ++k) obs.joint_pos_rad[k] = s[10 + k];
  return obs;
}

// make_policy's message for an entry, or "" if it loads.
std::string load_error(const std::string& path, const nlohmann::json& options = nlohmann::json::object()) {
  PolicySpec spec{"torchscript", path};
  spec.options = options;
  try {
    make_policy(spec);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

// act()'s message, or "" if it succeeds.
std::string act_error(const std::string& path, const nlohmann::json& options = nlohmann::json::object()) {
  PolicySpec spec{"torchscript", path};
  spec.options = options;
  auto policy = make_policy(spec);
  EpisodeInfo info;
  info.instruction = "press the button";
  policy->reset(info);
  const Observation obs = parity_observation(read_json(models() / "policy_parity.json"));
  try {
    policy->act(obs);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

#define EXPECT_HAS(text, part) EXPECT_NE(std::string(text).find(part), std::string::npos) << "message: " << (text)

void expect_parity(const std::string& name, bool images) {
  SCOPED_TRACE(name);
  const nlohmann::json p = read_json(models() / (name + "_parity.json"));
  TorchScriptPolicy policy(model(name), nlohmann::json::object());
  EXPECT_EQ(policy.needs_images(), images);
  EpisodeInfo info;
  info.instruction = p.at("instruction").get<std::string>();
  policy.reset(info);
  if (policy.contract().takes("tokens")) {
    EXPECT_EQ(policy.tokens(), p.at("tokens").get<std::vector<int64_t>>());
  }
  const Observation obs = parity_observation(p);

  const std::vector<float> raw = policy.forward_raw(obs);
  const std::vector<double> expected = p.at("raw").get<std::vector<double>>();
  ASSERT_EQ(raw.size(), expected.size());
  double max_diff = 0;
  for (size_t i = 0; i < raw.size(); ++i) max_diff = std::max(max_diff, std::abs(raw[i] - expected[i]));
  EXPECT_LE(max_diff, 1e-5);
  std::cout << name << ": " << raw.size() << " outputs, max |LibTorch - PyTorch| = " << max_diff << "\n";
  double spread = 0;  // the check means something only if the outputs are not all alike
  for (size_t i = 1; i < expected.size(); ++i) spread = std::max(spread, std::abs(expected[i] - expected[0]));
  EXPECT_GT(spread, 1e-3);

  // act() through make_policy, as the runner calls it: PyTorch-side conversion of the same output.
  auto made = make_policy({"torchscript", model(name)});
  made->reset(info);
  const PolicyOutput out = made->act(obs);
  const std::vector<double> actions = p.at("actions").get<std::vector<double>>();
  ASSERT_EQ(out.chunk.size() * 7, actions.size());
  for (size_t h = 0; h < out.chunk.size(); ++h)
    for (int k = 0; k < 7; ++k) EXPECT_NEAR(out.chunk[h][k], actions[h * 7 + k], 1e-5) << "action " << h << " component " << k;
  EXPECT_EQ(made->name(), "torchscript");
  EXPECT_EQ(made->checkpoint_hash(), file_sha256(model(name)));
}

TEST(TorchScriptPolicy, ScriptedModuleMatchesPyTorch) {
  expect_parity("policy", true);
  TorchScriptPolicy policy(model("policy"), nlohmann::json::object());
  EXPECT_EQ(policy.contract().front_size, 64);
  EXPECT_EQ(policy.contract().chunk, 8);
  EpisodeInfo info;
  info.instruction = "press the button";
  policy.reset(info);
  EXPECT_EQ(policy.act(parity_observation(read_json(models() / "policy_parity.json"))).execute_steps, 4);
}

TEST(TorchScriptPolicy, TracedModuleMatchesPyTorch) { expect_parity("traced", true); }

TEST(TorchScriptPolicy, StateOnlyModuleNeedsNoImagesAndTakesRawValues) {
  expect_parity("state_only", false);
  TorchScriptPolicy policy(model("state_only"), nlohmann::json::object());
  EXPECT_TRUE(policy.contract().state_mean.empty());
  EXPECT_TRUE(policy.contract().action_mean.empty());
  EpisodeInfo info;
  policy.reset(info);
  const PolicyOutput out = policy.act(Observation{});  // no camera at all
  EXPECT_EQ(out.chunk.size(), 5u);
  EXPECT_EQ(out.execute_steps, 0);  // the whole chunk
}

TEST(TorchScriptPolicy, OptionsOverrideTheMetadata) {
  const nlohmann::json p = read_json(models() / "policy_parity.json");
  const Observation obs = parity_observation(p);
  EpisodeInfo info;
  info.instruction = p.at("instruction").get<std::string>();
  // Raw actions: the output clipped as it is, no un-standardization.
  TorchScriptPolicy raw(model("policy"), {{"action_mean", nullptr}, {"action_std", nullptr}, {"execute", 2}});
  raw.reset(info);
  const PolicyOutput out = raw.act(obs);
  const std::vector<double> expected = p.at("raw").get<std::vector<double>>();
  EXPECT_EQ(out.execute_steps, 2);
  for (size_t h = 0; h < out.chunk.size(); ++h)
    for (int k = 0; k < 6; ++k) EXPECT_NEAR(out.chunk[h][k], std::clamp(expected[h * 7 + k], -1.0, 1.0), 1e-5);
  // Another front size: the 128 px render pooled 4 x 4 instead of 2 x 2 changes the output.
  TorchScriptPolicy small(model("policy"), {{"front_size", 32}});
  small.reset(info);
  const std::vector<float> a = small.forward_raw(obs);
  double diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff = std::max(diff, std::abs(a[i] - expected[i]));
  EXPECT_GT(diff, 1e-6);
  // Chunk execution options wrap it like any learned policy.
  PolicySpec spec{"torchscript", model("policy")};
  spec.execution.temporal_ensemble = true;
  auto ensembled = make_policy(spec);
  ensembled->reset(info);
  const PolicyOutput e = ensembled->act(obs);
  EXPECT_EQ(e.chunk.size(), 1u);
  EXPECT_EQ(e.execute_steps, 1);
}

TEST(TorchScriptPolicy, BadFilesSayWhatIsWrong) {
  EXPECT_HAS(load_error(model("wrong_signature")),
             "forward(front, wrist, proprio, tokens) does not match wambench.json \"inputs\" [front, wrist, state, tokens]");
  EXPECT_HAS(load_error(model("tuple_output")), "forward returns (Tensor, Tensor); wambench expects one Tensor [1, H, 7]");
  EXPECT_HAS(load_error(model("no_metadata")), "has no wambench.json metadata");
  EXPECT_HAS(load_error(model("no_metadata")), "_extra_files={\"wambench.json\"");
  EXPECT_HAS(load_error(model("corrupt")), "is not a TorchScript archive");
  EXPECT_HAS(load_error(model("missing")), "no TorchScript file");
  EXPECT_HAS(load_error(""), "policy 'torchscript' needs a TorchScript file");
  const std::string vla = std::string(WAMBENCH_SOURCE_DIR) + "/policies/checkpoints/vla.pt";
  if (fs::exists(vla)) {
    EXPECT_HAS(load_error(vla), "it is a wambench 'vla' checkpoint");
  }
  // Output problems show at the call.
  EXPECT_EQ(load_error(model("wrong_shape")), "");  // loads: the shape is only known once it runs
  EXPECT_HAS(act_error(model("wrong_shape")), "forward returned shape [1, 8, 6], expected [1, 8, 7]");
  EXPECT_HAS(act_error(model("policy"), {{"chunk", 4}, {"execute", 2}}), "forward returned shape [1, 8, 7], expected [1, 4, 7]");
  const std::string nan = act_error(model("nan_output"));
  EXPECT_HAS(nan, "forward returned a non-finite value (");
  EXPECT_HAS(nan, "at action 0, component 0");
  EXPECT_HAS(act_error(model("policy"), {{"front_size", 48}}),
             "the 'front' image is 128x128 px; the module takes 48 px");
}

TEST(TorchScriptPolicy, BadOptionsAndMetadataSayWhatIsValid) {
  EXPECT_HAS(load_error(model("policy"), {{"bogus", 1}}), "unknown torchscript option 'bogus'; valid options: front_size");
  EXPECT_HAS(load_error(model("policy"), {{"inputs", {"state"}}}), "torchscript options cannot change \"inputs\"");
  EXPECT_HAS(load_error(model("policy"), {{"execute", 9}}), "\"execute\" (from the entry's options): expected an integer in [1, 8], got 9");
  EXPECT_HAS(load_error(model("policy"), {{"state_std", nullptr}}), "\"state_mean\" and \"state_std\" come together");

  const nlohmann::json ok = {{"format", kTorchScriptFormat}, {"inputs", {"front", "tokens"}}, {"front_size", 64},
                             {"instruction_buckets", 16}};
  EXPECT_EQ(torchscript_contract(ok, nullptr, "m.pt").inputs, (std::vector<std::string>{"front", "tokens"}));
  auto error = [](nlohmann::json meta) {
    try {
      torchscript_contract(meta, nlohmann::json::object(), "m.pt");
    } catch (const std::runtime_error& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  nlohmann::json m = ok;
  m.erase("format");
  EXPECT_HAS(error(m), "wambench.json has no \"format\"; expected \"wambench-torchscript-1\"");
  m = ok;
  m["format"] = "wambench-torchscript-0";
  EXPECT_HAS(error(m), "\"format\" (in wambench.json): expected \"wambench-torchscript-1\"");
  m = ok;
  m.erase("front_size");
  EXPECT_HAS(error(m), "no \"front_size\", which the input 'front' needs");
  m = ok;
  m["inputs"] = {"front", "image"};
  EXPECT_HAS(error(m), "unknown input 'image'; valid inputs: front, wrist, state, tokens");
  m = ok;
  m["inputs"] = {"front", "front"};
  EXPECT_HAS(error(m), "'front' listed twice");
  m = ok;
  m["action_mean"] = std::vector<double>(7, 0.0);
  m["action_std"] = std::vector<double>(7, 1.0);
  EXPECT_EQ(error(m), "");
  m["action_std"][3] = 0.0;
  EXPECT_HAS(error(m), "\"action_std\" (in wambench.json): every std must be positive and finite");
  m["action_std"] = std::vector<double>(6, 1.0);
  EXPECT_HAS(error(m), "expected a list of 7 numbers");
  m = ok;
  m["front_szie"] = 64;
  EXPECT_HAS(error(m), "unknown key 'front_szie'; valid keys: format, inputs, front_size");
}

TEST(TorchScriptPolicy, SweepConfigsTakeTorchScriptEntries) {
  const std::vector<PolicySpec> specs =
      resolve_policies({"torchscript@" + model("policy"),
                        {{"name", "torchscript"}, {"checkpoint", model("traced")}, {"options", {{"execute", 2}}}}},
                       "test");
  ASSERT_EQ(specs.size(), 2u);
  EXPECT_EQ(specs[0].row_label(), "policy");
  EXPECT_EQ(specs[1].row_label(), "torchscript");
  EXPECT_EQ(specs[1].options, (nlohmann::json{{"execute", 2}}));
  auto config_error = [](const nlohmann::json& j) {
    try {
      resolve_policies(j, "test");
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_HAS(config_error({"torchscript@" + model("corrupt")}), "is not a TorchScript archive");
  EXPECT_HAS(config_error({"torchscript@" + model("no_metadata")}), "has no wambench.json metadata");
  EXPECT_HAS(config_error({"torchscript"}), "policy 'torchscript' needs a \"checkpoint\" file");
  EXPECT_HAS(config_error({"vla@" + model("policy")}), "checkpoint of 'policy'");
  for (const PolicySpec& p : resolve_policies("all", "test")) EXPECT_NE(p.name, "torchscript");
}

}  // namespace
}  // namespace wambench
