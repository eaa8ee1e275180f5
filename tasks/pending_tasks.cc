// Placeholder factories for tasks under construction. Each is a weak symbol, overridden by the
// task's own file as it lands; a task still pending here throws a clear error.
#include <stdexcept>

#include "tasks/registry.h"

namespace wambench {
namespace {
[[noreturn]] void pending(const char* name) {
  throw std::invalid_argument(std::string("task '") + name + "' is not implemented in this build yet");
}
}  // namespace
__attribute__((weak)) std::unique_ptr<Task> make_pour() { pending("pour"); }
}  // namespace wambench
