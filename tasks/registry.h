// Tasks by name (names are public interface). Each task registers itself in its own .cc file with
// WAMBENCH_REGISTER_TASK_AT / WAMBENCH_REGISTER_TASK, so adding a task touches no other file.
//
// The registrations run during static initialization. The tasks library is linked whole-archive
// (tasks/CMakeLists.txt), so no task's object file is dropped for lack of a referenced symbol.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "tasks/task.h"

namespace wambench {

/// Makes a new instance of one task.
using TaskFactory = std::function<std::unique_ptr<Task>()>;

/// Table rank of a task registered without one: after every ranked task.
inline constexpr int kUnrankedTask = 1 << 30;

/// Registered task names in table order: by table rank, then by name. The benchmark's six tasks
/// come first, ranked 0..5: pick_place, stack_blocks, open_drawer, peg_insert, press_button, pour.
const std::vector<std::string>& task_names();

/// A new instance of the named task. @throws std::invalid_argument listing the valid names.
std::unique_ptr<Task> make_task(const std::string& name);

/// Registers `factory` under `name` at table position `table_rank` (smaller first). Called by the
/// macros below during static initialization; returns true so that the macros can keep the result
/// in a namespace-scope constant. @throws std::logic_error if `name` is empty, is not made of
/// lower-case letters, digits and '_', is already registered, or `factory` is empty (at static
/// initialization this ends the program with the message).
bool register_task(const std::string& name, TaskFactory factory, int table_rank = kUnrankedTask);

}  // namespace wambench

#define WAMBENCH_TASK_CONCAT_INNER(a, b) a##b
#define WAMBENCH_TASK_CONCAT(a, b) WAMBENCH_TASK_CONCAT_INNER(a, b)

/// Registers a task by name at table rank `table_rank`: `name` is the bare identifier of the
/// public task name (e.g. pick_place), `factory` anything callable as
/// std::unique_ptr<Task>() (a function or a capture-less lambda). Use once, at namespace scope of
/// the task's .cc file.
#define WAMBENCH_REGISTER_TASK_AT(name, factory, table_rank)                                  \
  namespace {                                                                                \
  [[maybe_unused]] const bool WAMBENCH_TASK_CONCAT(wambench_task_registered_, name) =        \
      ::wambench::register_task(#name, factory, table_rank);                                 \
  }

/// Registers a task by name, listed after the ranked tasks (in name order): see
/// WAMBENCH_REGISTER_TASK_AT.
#define WAMBENCH_REGISTER_TASK(name, factory) WAMBENCH_REGISTER_TASK_AT(name, factory, ::wambench::kUnrankedTask)
