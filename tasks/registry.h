// Tasks by name (names are public interface).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "tasks/task.h"

namespace wambench {

/// The six task names in table order: pick_place, stack_blocks, open_drawer, peg_insert,
/// press_button, pour.
const std::vector<std::string>& task_names();

/// A new instance of the named task. @throws std::invalid_argument listing the valid names.
std::unique_ptr<Task> make_task(const std::string& name);

// Factories, one per task file.
std::unique_ptr<Task> make_pick_place();
std::unique_ptr<Task> make_stack_blocks();
std::unique_ptr<Task> make_open_drawer();
std::unique_ptr<Task> make_peg_insert();
std::unique_ptr<Task> make_press_button();
std::unique_ptr<Task> make_pour();

}  // namespace wambench
