// Oracle policies (eval/oracle_policy.h): the evaluation layer registers `scripted` with
// make_policy() and hands it the episode's TaskEnv; policies/ sees neither tasks/ nor the oracle.
#include "eval/oracle_policy.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "eval/runner.h"
#include "policies/external_policy.h"

namespace wambench {
namespace {

EnvConfig no_render() {
  EnvConfig c;
  c.render = false;
  return c;
}

// A policy that is not an oracle and records what it was given.
class PlainPolicy final : public Policy {
 public:
  std::string name() const override { return "plain"; }
  bool needs_images() const override { return false; }
  void reset(const EpisodeInfo& info) override { privileged = info.privileged; }
  PolicyOutput act(const Observation&) override {
    PolicyOutput out;
    out.chunk = {Action{}};
    return out;
  }
  const PrivilegedState* privileged = nullptr;
};

TEST(OraclePolicy, ScriptedIsFirstInTableOrderAndMadeThroughTheRegisteredFactory) {
  ASSERT_FALSE(policy_names().empty());
  EXPECT_EQ(policy_names().front(), "scripted");
  register_oracle_policies();
  register_oracle_policies();  // idempotent
  std::unique_ptr<Policy> p = make_policy({"scripted", "", 0.0, {}});
  ASSERT_NE(dynamic_cast<OraclePolicy*>(p.get()), nullptr);
  EXPECT_EQ(p->name(), "scripted");
  EXPECT_FALSE(p->needs_images());
  EXPECT_EQ(p->checkpoint_hash(), "none");
  // make_policy's own checks still come first.
  EXPECT_THROW(make_policy({"scripted", "", 1.5, {}}), std::invalid_argument);
}

TEST(OraclePolicy, RegistrationNamesMustBeBuiltInAndFactoriesNonEmpty) {
  const auto factory = [](const PolicySpec&) -> std::unique_ptr<Policy> { return std::make_unique<PlainPolicy>(); };
  try {
    register_oracle_policy("not_a_policy", factory);
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("is not a built-in policy name"), std::string::npos) << e.what();
  }
  try {
    register_oracle_policy("scripted", nullptr);
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("the factory is empty"), std::string::npos) << e.what();
  }
  // No oracle factory is registered under a learned policy's name.
  try {
    make_oracle_policy(PolicySpec("vla", ""));
    FAIL() << "expected std::logic_error";
  } catch (const std::logic_error& e) {
    EXPECT_NE(std::string(e.what()).find("register_oracle_policies()"), std::string::npos) << e.what();
  }
}

TEST(OraclePolicy, ResetWithoutATaskEnvIsRefused) {
  auto scripted = make_scripted_oracle(0.0);
  EpisodeInfo info;
  try {
    scripted->reset(info);
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "scripted policy: needs privileged simulator access");
  }
  EXPECT_THROW(scripted->act(Observation{}), std::logic_error);
  // A caller without a simulator attaches nullptr: the same refusal.
  EXPECT_TRUE(attach_task_env(*scripted, nullptr));
  EXPECT_THROW(scripted->reset(info), std::invalid_argument);
}

TEST(OraclePolicy, AttachReachesOraclesOnlyAndTheRunnerAttachesTheEpisodesEnv) {
  TaskEnv env("press_button", no_render());
  PlainPolicy plain;
  EXPECT_FALSE(attach_task_env(plain, &env));

  // The runner hands other policies the TaskEnv as their PrivilegedState only.
  const EpisodeKey key{"plain", "press_button", "train", 0};
  run_episode(plain, env, key, 0);
  EXPECT_EQ(plain.privileged, static_cast<const PrivilegedState*>(&env));
  // ... which is the task's object state.
  const PrivilegedState& state = env;
  EXPECT_EQ(state.object_state(), env.task().object_state(env.env().model(), env.env().data()));

  // The scripted oracle gets the TaskEnv from the runner, with no attach by the caller.
  auto scripted = make_scripted_oracle(0.0);
  const EpisodeRecord r = run_episode(*scripted, env, {"scripted", "press_button", "train", 0}, 0);
  EXPECT_EQ(r.status, "success") << r.error;
  EXPECT_EQ(r.policy_type, "scripted");
}

}  // namespace
}  // namespace wambench
