// The git commit a binary was built from, for provenance: checkpoints (`training.git_commit`),
// run manifests, exported episodes and `wambench info` record it.
#pragma once

namespace wambench {

/// The abbreviated (12 hex digits) commit of the source tree at the last build, "unknown" when the
/// tree is not a git checkout. Refreshed at every build (cmake/git_commit.cmake), so it names the
/// commit even when CMake was configured before it; uncommitted changes are not marked.
const char* git_commit();

}  // namespace wambench
