#include "tasks/registry.h"

#include <functional>
#include <stdexcept>
#include <utility>

namespace wambench {
namespace {

const std::vector<std::pair<std::string, std::function<std::unique_ptr<Task>()>>>& factories() {
  static const std::vector<std::pair<std::string, std::function<std::unique_ptr<Task>()>>> kFactories = {
      {"pick_place", make_pick_place},   {"stack_blocks", make_stack_blocks}, {"open_drawer", make_open_drawer},
      {"peg_insert", make_peg_insert},   {"press_button", make_press_button}, {"pour", make_pour},
  };
  return kFactories;
}

}  // namespace

const std::vector<std::string>& task_names() {
  static const std::vector<std::string> kNames = [] {
    std::vector<std::string> names;
    for (const auto& [name, factory] : factories()) names.push_back(name);
    return names;
  }();
  return kNames;
}

std::unique_ptr<Task> make_task(const std::string& name) {
  std::string valid;
  for (const auto& [n, factory] : factories()) {
    if (n == name) return factory();
    valid += (valid.empty() ? "" : ", ") + n;
  }
  throw std::invalid_argument("unknown task '" + name + "'; valid tasks: " + valid);
}

}  // namespace wambench
