#include <algorithm>
#include <filesystem>
#include <map>
#include <optional>
#include <stdexcept>

#include "policies/external_policy.h"
#include "policies/policy.h"
#include "policies/remote.h"
#include "policies/torchscript.h"

namespace wambench {

std::unique_ptr<Policy> make_vla_policy(const std::string& checkpoint);
std::unique_ptr<Policy> make_bc_state_policy(const std::string& checkpoint);
std::unique_ptr<Policy> make_wam_policy(const std::string& name, const std::string& checkpoint);
const std::vector<std::string>& wam_policy_names();

const std::vector<std::string>& policy_names() {
  static const std::vector<std::string> kNames = [] {
    std::vector<std::string> names = {"scripted", "bc_state", "vla"};
    for (const std::string& n : wam_policy_names()) names.push_back(n);
    names.push_back("torchscript");  // a user's own TorchScript module (policies/torchscript.h)
    names.push_back("remote");       // openpi-protocol server (policies/remote.h)
    return names;
  }();
  return kNames;
}

namespace {

// The metadata of every built-in policy, one entry per name of policy_names().
const std::map<std::string, PolicyInfo>& builtin_policy_info() {
  static const std::map<std::string, PolicyInfo> kInfo = {
      //  name                         family               ablation phases privileged
      {"scripted", {"oracle", false, false, true}},
      {"bc_state", {"privileged", false, false, true}},
      {"vla", {"vla", false, false, false}},
      {"wam_ite", {"wam", false, false, false}},
      {"wam_joint", {"wam", false, false, false}},
      {"harmowam", {"harmowam", false, false, false}},
      {"harmowam_gate_predictive", {"harmowam_ablation", true, false, false}},
      {"harmowam_gate_reactive", {"harmowam_ablation", true, false, false}},
      {"harmowam_gate_schedule", {"harmowam_ablation", true, true, false}},
      {"torchscript", {"other", false, false, false}},
      {"remote", {"other", false, false, false}},
  };
  return kInfo;
}

}  // namespace

PolicyInfo policy_info(const std::string& name) {
  const auto& builtin = builtin_policy_info();
  if (const auto it = builtin.find(name); it != builtin.end()) return it->second;
  if (std::optional<PolicyInfo> external = external_policy_info(name)) return *external;
  return PolicyInfo{};
}

bool is_privileged_policy(const std::string& name) { return policy_info(name).privileged; }

bool is_ablation_policy(const std::string& name) { return policy_info(name).is_ablation; }

bool policy_needs_checkpoint(const std::string& name) {
  return name != "scripted" && name != "remote" && !is_external_policy(name);
}

std::string bundled_checkpoint(const std::string& name) {
  const std::string path = std::string(WAMBENCH_SOURCE_DIR) + "/policies/checkpoints/" + name + ".pt";
  return std::filesystem::is_regular_file(path) ? path : "";
}

std::unique_ptr<Policy> make_policy(const PolicySpec& spec) {
  if (spec.name == "torchscript") {
    if (spec.checkpoint.empty())
      throw std::invalid_argument("policy 'torchscript' needs a TorchScript file: torchscript@my_policy.pt "
                                  "(examples/torchscript/export_policy.py exports one)");
    try {
      return with_chunk_execution(std::make_unique<TorchScriptPolicy>(spec.checkpoint, spec.options), spec.execution);
    } catch (const std::runtime_error& e) {
      throw std::invalid_argument("policy 'torchscript': " + std::string(e.what()));
    }
  }
  const auto& names = policy_names();
  if (spec.name == "remote") {
    if (!spec.checkpoint.empty())
      throw std::invalid_argument("policy 'remote' takes no checkpoint (got " + spec.checkpoint + ")");
    return with_chunk_execution(make_remote_policy(spec.options), spec.execution);
  }
  if (!spec.options.empty() && std::find(names.begin(), names.end(), spec.name) != names.end())
    throw std::invalid_argument("policy '" + spec.name + "' takes no \"options\" (got " + spec.options.dump() + ")");
  if (spec.name == "scripted") {
    if (!(spec.noise_std >= 0.0 && spec.noise_std <= 1.0))
      throw std::invalid_argument("scripted policy: noise_std must be in [0, 1], got " + std::to_string(spec.noise_std));
    if (!spec.execution.is_default())
      throw std::invalid_argument("scripted policy: execute / temporal_ensemble apply to learned policies only");
    return make_oracle_policy(spec);  // eval/oracle_policy.h
  }
  if (std::find(names.begin(), names.end(), spec.name) != names.end()) {
    if (spec.checkpoint.empty())
      throw std::invalid_argument("policy '" + spec.name + "' needs a checkpoint (train one with `wambench train --policy " +
                                  spec.name + "`)");
    try {
      std::unique_ptr<Policy> policy = spec.name == "vla"        ? make_vla_policy(spec.checkpoint)
                                       : spec.name == "bc_state" ? make_bc_state_policy(spec.checkpoint)
                                                                 : make_wam_policy(spec.name, spec.checkpoint);
      return with_chunk_execution(std::move(policy), spec.execution);
    } catch (const std::runtime_error& e) {
      throw std::invalid_argument("policy '" + spec.name + "': " + e.what());
    }
  }
  if (std::unique_ptr<Policy> external = make_external_policy(spec)) return external;  // policies/external_policy.h
  std::string valid;
  for (const std::string& n : policy_names()) valid += (valid.empty() ? "" : ", ") + n;
  for (const std::string& n : external_policy_names()) valid += ", " + n;
  throw std::invalid_argument("unknown policy '" + spec.name + "'; valid policies: " + valid);
}

}  // namespace wambench
