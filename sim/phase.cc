#include "sim/phase.h"

namespace wambench {

const char* to_string(CoarsePhase phase) { return phase == CoarsePhase::kTransit ? "transit" : "interaction"; }

}  // namespace wambench
