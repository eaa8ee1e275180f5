// External policies (policies/external_policy.h): registered at run time, made by make_policy,
// accepted by sweep configs, run by run_sweep like a bundled policy, gone once unregistered.
#include <filesystem>

#include <gtest/gtest.h>

#include "eval/config.h"
#include "eval/runner.h"
#include "eval/store.h"
#include "policies/external_policy.h"
#include "policies/policy.h"

namespace wambench {
namespace {

// Holds the arm still (zero deltas, gripper open) and counts its instances.
class StillPolicy final : public Policy {
 public:
  explicit StillPolicy(int* instances) { ++*instances; }
  std::string name() const override { return "still"; }
  bool needs_images() const override { return false; }
  void reset(const EpisodeInfo&) override {}
  PolicyOutput act(const Observation&) override {
    PolicyOutput out;
    out.chunk.assign(5, Action{0, 0, 0, 0, 0, 0, -1});
    return out;
  }
};

TEST(ExternalPolicy, RegisteredNameIsMadeAndAcceptedByConfigsUntilUnregistered) {
  int instances = 0;
  nlohmann::json seen_options;
  {
    ExternalPolicyRegistration registration("still", [&](const PolicySpec& spec) {
      seen_options = spec.options;
      return std::make_unique<StillPolicy>(&instances);
    });
    EXPECT_TRUE(is_external_policy("still"));
    EXPECT_EQ(external_policy_names(), std::vector<std::string>{"still"});
    EXPECT_FALSE(policy_needs_checkpoint("still"));
    PolicySpec spec("still", "");
    spec.options = {{"gain", 2}};
    EXPECT_EQ(make_policy(spec)->name(), "still");
    EXPECT_EQ(seen_options, spec.options);
    const EvalConfig c = parse_eval_config(
        {{"policies", {{{"name", "still"}, {"label", "mine"}}, "scripted"}}, {"tasks", {"press_button"}},
         {"splits", {"train"}}, {"episodes", 2}, {"workers", 2}, {"record_trajectories", false}},
        "test");
    ASSERT_EQ(c.policies.size(), 2u);
    EXPECT_EQ(c.policies[0].row_label(), "mine");

    const std::string dir = (std::filesystem::temp_directory_path() / "wambench_external_policy_test").string();
    std::filesystem::remove_all(dir);
    ResultStore store(dir, false);
    instances = 0;
    const SweepSummary s = run_sweep(c, store, "");
    EXPECT_EQ(s.ran, 4u);
    EXPECT_EQ(s.errors, 0u);
    EXPECT_GE(instances, 2);  // run_sweep's validation, then one per worker that ran it
    for (const EpisodeRecord& r : store.records())
      if (r.key.policy == "mine") {
        EXPECT_EQ(r.policy_type, "still");
        EXPECT_EQ(r.status, "failure");  // holding still never presses the button
      }
    std::filesystem::remove_all(dir);
  }
  EXPECT_FALSE(is_external_policy("still"));
  EXPECT_THROW(
      {
        try {
          make_policy(PolicySpec("still", ""));
        } catch (const std::invalid_argument& e) {
          EXPECT_NE(std::string(e.what()).find("unknown policy 'still'"), std::string::npos) << e.what();
          throw;
        }
      },
      std::invalid_argument);
  EXPECT_THROW(parse_eval_config({{"policies", {"still"}}}, "test"), ConfigError);
}

void expect_register_error(const std::string& name, const std::string& message) {
  try {
    register_external_policy(name, [](const PolicySpec&) -> std::unique_ptr<Policy> { return nullptr; });
    FAIL() << "registered '" << name << "'";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find(message), std::string::npos) << e.what();
  }
}

TEST(ExternalPolicy, BadNamesAndDuplicatesAreRefused) {
  expect_register_error("", "is not valid: use 1 to 64 lowercase letters, digits and '_'");
  expect_register_error("My-Policy", "is not valid");
  expect_register_error(std::string(65, 'a'), "is not valid");
  expect_register_error("scripted", "is the name of a built-in policy");
  ExternalPolicyRegistration first("twice", [](const PolicySpec&) -> std::unique_ptr<Policy> { return nullptr; });
  expect_register_error("twice", "'twice' is already registered");
  try {
    register_external_policy("empty", nullptr);
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("the factory is empty"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(unregister_external_policy("never_registered"));
}

}  // namespace
}  // namespace wambench
