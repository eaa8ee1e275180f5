#include "policies/external_policy.h"

#include <algorithm>
#include <map>
#include <mutex>
#include <optional>
#include <stdexcept>

namespace wambench {
namespace {

std::mutex& registry_mutex() {
  static std::mutex m;
  return m;
}

struct Entry {
  ExternalPolicyFactory factory;
  PolicyInfo info;
};

std::map<std::string, Entry>& registry() {
  static std::map<std::string, Entry> r;
  return r;
}

std::map<std::string, ExternalPolicyFactory>& oracle_registry() {
  static std::map<std::string, ExternalPolicyFactory> r;
  return r;
}

}  // namespace

void register_external_policy(const std::string& name, ExternalPolicyFactory factory, PolicyInfo info) {
  const bool valid_chars = std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
  if (name.empty() || name.size() > 64 || !valid_chars)
    throw std::invalid_argument("external policy name '" + name +
                                "' is not valid: use 1 to 64 lowercase letters, digits and '_'");
  const auto& builtin = policy_names();
  if (std::find(builtin.begin(), builtin.end(), name) != builtin.end())
    throw std::invalid_argument("external policy name '" + name + "' is the name of a built-in policy; choose another");
  if (!factory) throw std::invalid_argument("external policy '" + name + "': the factory is empty");
  std::lock_guard<std::mutex> lock(registry_mutex());
  if (!registry().emplace(name, Entry{std::move(factory), std::move(info)}).second)
    throw std::invalid_argument("external policy '" + name +
                                "' is already registered (is another evaluation using it right now?)");
}

bool unregister_external_policy(const std::string& name) {
  std::lock_guard<std::mutex> lock(registry_mutex());
  return registry().erase(name) > 0;
}

bool is_external_policy(const std::string& name) {
  std::lock_guard<std::mutex> lock(registry_mutex());
  return registry().count(name) > 0;
}

std::vector<std::string> external_policy_names() {
  std::lock_guard<std::mutex> lock(registry_mutex());
  std::vector<std::string> names;
  for (const auto& [name, entry] : registry()) names.push_back(name);
  return names;
}

std::optional<PolicyInfo> external_policy_info(const std::string& name) {
  std::lock_guard<std::mutex> lock(registry_mutex());
  const auto it = registry().find(name);
  if (it == registry().end()) return std::nullopt;
  return it->second.info;
}

std::unique_ptr<Policy> make_external_policy(const PolicySpec& spec) {
  ExternalPolicyFactory factory;
  {
    std::lock_guard<std::mutex> lock(registry_mutex());
    const auto it = registry().find(spec.name);
    if (it == registry().end()) return nullptr;
    factory = it->second.factory;
  }
  return factory(spec);
}

void register_oracle_policy(const std::string& name, ExternalPolicyFactory factory) {
  const auto& builtin = policy_names();
  if (std::find(builtin.begin(), builtin.end(), name) == builtin.end())
    throw std::invalid_argument("oracle policy '" + name + "' is not a built-in policy name (policy_names())");
  if (!factory) throw std::invalid_argument("oracle policy '" + name + "': the factory is empty");
  std::lock_guard<std::mutex> lock(registry_mutex());
  oracle_registry()[name] = std::move(factory);
}

std::unique_ptr<Policy> make_oracle_policy(const PolicySpec& spec) {
  ExternalPolicyFactory factory;
  {
    std::lock_guard<std::mutex> lock(registry_mutex());
    const auto it = oracle_registry().find(spec.name);
    if (it == oracle_registry().end())
      throw std::logic_error("policy '" + spec.name +
                             "' is an oracle the evaluation layer provides: call register_oracle_policies() "
                             "(eval/oracle_policy.h) before making it");
    factory = it->second;
  }
  return factory(spec);
}

}  // namespace wambench
