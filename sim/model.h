// Loading MJCF scenes into MuJoCo and owning the resulting mjModel / mjData.
#pragma once

#include <memory>
#include <stdexcept>
#include <string>

#include <mujoco/mujoco.h>

namespace wambench {

/// Raised when a scene cannot be loaded: the message names the file (or "<string>") and carries
/// MuJoCo's compiler message verbatim (which itself names the offending element and line).
class ModelLoadError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct MjModelDeleter {
  void operator()(mjModel* m) const { mj_deleteModel(m); }
};
struct MjDataDeleter {
  void operator()(mjData* d) const { mj_deleteData(d); }
};
/// Owning pointers; `mjModel` is the compiled scene (constants), `mjData` the episode's state.
using ModelPtr = std::unique_ptr<mjModel, MjModelDeleter>;
using DataPtr = std::unique_ptr<mjData, MjDataDeleter>;

/// The directory holding the bundled MJCF assets: $WAMBENCH_ASSETS if set, else the source tree's
/// `assets/` (baked in at build time).
std::string asset_dir();

/// Absolute path of an asset given relative to asset_dir(), e.g. "scene.xml".
std::string asset_path(const std::string& relative);

/// Compiles the MJCF file at `path` (relative `<include>`s resolve against its directory).
/// @throws ModelLoadError if the file is missing or unreadable, or MuJoCo rejects it.
ModelPtr load_model_from_file(const std::string& path);

/// Compiles MJCF given as text. `<include file=...>` and asset files resolve against
/// `base_dir` (the text is placed there under a temporary VFS name, nothing is written to disk).
/// @throws ModelLoadError with MuJoCo's message if the text does not compile.
ModelPtr load_model_from_string(const std::string& xml, const std::string& base_dir);

/// Id of a named MuJoCo object of type `type` (mjOBJ_JOINT, mjOBJ_SITE, ...).
/// @throws ModelLoadError naming the object when the model has no such name.
int require_id(const mjModel* m, mjtObj type, const std::string& name);

}  // namespace wambench
