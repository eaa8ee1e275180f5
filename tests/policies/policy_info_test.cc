// Policy metadata in the registry (policies/policy.h PolicyInfo): every built-in policy has its
// entry, is_privileged_policy / is_ablation_policy read it, external policies carry their own, and
// names the registry does not know get the default.
#include <gtest/gtest.h>

#include <map>

#include "policies/external_policy.h"
#include "policies/policy.h"

namespace wambench {
namespace {

TEST(PolicyInfo, EveryBuiltInPolicyHasItsFamilyAndFlags) {
  const std::map<std::string, std::string> family = {
      {"scripted", "oracle"},
      {"bc_state", "privileged"},
      {"vla", "vla"},
      {"wam_ite", "wam"},
      {"wam_joint", "wam"},
      {"harmowam", "harmowam"},
      {"harmowam_gate_predictive", "harmowam_ablation"},
      {"harmowam_gate_reactive", "harmowam_ablation"},
      {"harmowam_gate_schedule", "harmowam_ablation"},
      {"torchscript", "other"},
      {"remote", "other"},
  };
  ASSERT_EQ(policy_names().size(), family.size());
  for (const std::string& name : policy_names()) {
    SCOPED_TRACE(name);
    ASSERT_TRUE(family.count(name)) << "a built-in policy without an expected family";
    const PolicyInfo info = policy_info(name);
    EXPECT_EQ(info.family, family.at(name));
    EXPECT_EQ(info.privileged, name == "scripted" || name == "bc_state");
    EXPECT_EQ(info.is_ablation, name.rfind("harmowam_gate_", 0) == 0);
    EXPECT_EQ(info.needs_phase_labels, name == "harmowam_gate_schedule");
    EXPECT_EQ(is_privileged_policy(name), info.privileged);
    EXPECT_EQ(is_ablation_policy(name), info.is_ablation);
  }
}

TEST(PolicyInfo, UnknownNamesGetTheDefault) {
  for (const std::string name : {"", "aha_wam", "vla_big", "wam", "harmowam_v2", "python"}) {
    SCOPED_TRACE(name);
    const PolicyInfo info = policy_info(name);
    EXPECT_EQ(info.family, "other");
    EXPECT_FALSE(info.is_ablation);
    EXPECT_FALSE(info.needs_phase_labels);
    EXPECT_FALSE(info.privileged);
  }
}

TEST(PolicyInfo, ExternalPoliciesCarryTheirRegisteredMetadata) {
  const ExternalPolicyFactory none = [](const PolicySpec&) -> std::unique_ptr<Policy> { return nullptr; };
  {
    ExternalPolicyRegistration plain("info_plain", none);
    EXPECT_EQ(policy_info("info_plain").family, "other");
    EXPECT_FALSE(is_privileged_policy("info_plain"));
    PolicyInfo vla_like;
    vla_like.family = "vla";
    vla_like.privileged = true;
    ExternalPolicyRegistration described("info_described", none, vla_like);
    EXPECT_EQ(policy_info("info_described").family, "vla");
    EXPECT_TRUE(is_privileged_policy("info_described"));
    ASSERT_TRUE(external_policy_info("info_described").has_value());
    EXPECT_FALSE(external_policy_info("info_missing").has_value());
  }
  // Unregistered: back to the default.
  EXPECT_EQ(policy_info("info_described").family, "other");
  EXPECT_FALSE(is_privileged_policy("info_described"));
}

}  // namespace
}  // namespace wambench
