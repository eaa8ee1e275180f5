// Phase labels (sim/phase.h): the spelling records and diagnostics use, and the default label.
#include "sim/phase.h"

#include <gtest/gtest.h>

#include <string>

namespace wambench {
namespace {

TEST(Phase, CoarsePhasesSpellAsRecordsWriteThem) {
  EXPECT_EQ(std::string(to_string(CoarsePhase::kTransit)), "transit");
  EXPECT_EQ(std::string(to_string(CoarsePhase::kInteraction)), "interaction");
}

TEST(Phase, ALabelStartsAsTransitReach) {
  const PhaseLabel label;
  EXPECT_EQ(label.coarse, CoarsePhase::kTransit);
  EXPECT_EQ(label.fine, "reach");
}

}  // namespace
}  // namespace wambench
