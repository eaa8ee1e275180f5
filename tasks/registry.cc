#include "tasks/registry.h"

#include <algorithm>
#include <stdexcept>
#include <utility>

namespace wambench {
namespace {

struct Entry {
  std::string name;
  TaskFactory factory;
  int table_rank = kUnrankedTask;
};

// Function-local so that it exists before the first registration, whatever the order in which
// the task files' initializers run.
std::vector<Entry>& entries() {
  static std::vector<Entry> kEntries;
  return kEntries;
}

// The registered names in table order.
std::vector<std::string>& names() {
  static std::vector<std::string> kNames;
  return kNames;
}

// Puts the entries in table order (by rank, then name) and refreshes names(); run on each
// registration, so the order never depends on the order of static initialization.
void sort_entries() {
  std::stable_sort(entries().begin(), entries().end(), [](const Entry& a, const Entry& b) {
    return a.table_rank != b.table_rank ? a.table_rank < b.table_rank : a.name < b.name;
  });
  names().clear();
  for (const Entry& e : entries()) names().push_back(e.name);
}

}  // namespace

bool register_task(const std::string& name, TaskFactory factory, int table_rank) {
  const bool valid_name = !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
  if (!valid_name) {
    throw std::logic_error("register_task: task name '" + name +
                           "' is not valid; names are non-empty and use a-z, 0-9 and '_'");
  }
  if (!factory) throw std::logic_error("register_task: task '" + name + "' has no factory");
  for (const Entry& e : entries()) {
    if (e.name == name) throw std::logic_error("register_task: task '" + name + "' is registered twice");
  }
  entries().push_back({name, std::move(factory), table_rank});
  sort_entries();
  return true;
}

const std::vector<std::string>& task_names() { return names(); }

std::unique_ptr<Task> make_task(const std::string& name) {
  std::string valid;
  for (const Entry& e : entries()) {
    if (e.name == name) return e.factory();
    valid += (valid.empty() ? "" : ", ") + e.name;
  }
  throw std::invalid_argument("unknown task '" + name + "'; valid tasks: " + valid);
}

}  // namespace wambench
