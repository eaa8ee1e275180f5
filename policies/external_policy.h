// Policies registered at run time by the program that embeds wambench (e.g. a Python callable
// through the `wambench` Python package, python/): a name, and a factory that makes one instance
// per sweep worker. make_policy() (policies/policy.h) and the sweep config (eval/config.h) accept
// a registered name like a built-in one, so such a policy runs in `run_sweep` on the same episodes,
// with the same records and reports, as every bundled policy.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "policies/policy.h"

namespace wambench {

/// Makes one instance of an external policy for a sweep entry (its name, label and "options" are in
/// the spec). Called once per sweep worker that runs the entry, from that worker's thread, and once
/// on the calling thread when run_sweep validates its config. May throw std::invalid_argument for
/// bad options; the sweep then fails before any episode runs.
using ExternalPolicyFactory = std::function<std::unique_ptr<Policy>(const PolicySpec& spec)>;

/// Registers `factory` under `name`, with the metadata policy_info() reports for it (by default
/// family "other", not an ablation, no phase labels, not privileged). Thread-safe.
/// @throws std::invalid_argument if `name` is empty, not made of lowercase letters, digits and '_',
/// longer than 64 characters, the name of a built-in policy (policy_names()), or already registered.
void register_external_policy(const std::string& name, ExternalPolicyFactory factory, PolicyInfo info = {});

/// Removes the registration of `name`; returns false if it was not registered. Policy instances
/// already made stay valid. Thread-safe.
bool unregister_external_policy(const std::string& name);

/// True if `name` is registered as an external policy. Thread-safe.
bool is_external_policy(const std::string& name);

/// The registered external policy names, sorted. Thread-safe.
std::vector<std::string> external_policy_names();

/// The metadata `name` was registered with, or std::nullopt if it is not registered. Thread-safe.
std::optional<PolicyInfo> external_policy_info(const std::string& name);

/// A new instance of the external policy `spec.name`, or nullptr if no such name is registered.
/// The factory runs without the registry's lock held (it may register or look up other names).
/// @throws whatever the factory throws.
std::unique_ptr<Policy> make_external_policy(const PolicySpec& spec);

/// Registers the factory of an oracle policy: a built-in name (policy_names(), e.g. "scripted")
/// whose implementation reads the task's simulator and therefore lives in the evaluation layer
/// (eval/oracle_policy.h register_oracle_policies()), not in policies/. make_policy() makes such a
/// name through this factory, after its own checks of the spec. Registering a name again replaces
/// its factory. Thread-safe.
/// @throws std::invalid_argument if `name` is not a built-in policy name or `factory` is empty.
void register_oracle_policy(const std::string& name, ExternalPolicyFactory factory);

/// A new instance of the oracle policy `spec.name` from its registered factory.
/// @throws std::logic_error if no factory is registered for `spec.name` (the program did not call
/// register_oracle_policies(), eval/oracle_policy.h, before making policies); whatever the
/// factory throws.
std::unique_ptr<Policy> make_oracle_policy(const PolicySpec& spec);

/// Registers a factory for the lifetime of this object (unregisters it in the destructor).
class ExternalPolicyRegistration {
 public:
  /// @throws std::invalid_argument as register_external_policy().
  ExternalPolicyRegistration(std::string name, ExternalPolicyFactory factory, PolicyInfo info = {})
      : name_(std::move(name)) {
    register_external_policy(name_, std::move(factory), std::move(info));
  }
  ~ExternalPolicyRegistration() { unregister_external_policy(name_); }
  ExternalPolicyRegistration(const ExternalPolicyRegistration&) = delete;
  ExternalPolicyRegistration& operator=(const ExternalPolicyRegistration&) = delete;

 private:
  std::string name_;
};

}  // namespace wambench
