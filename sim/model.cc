#include "sim/model.h"

#include <cstdlib>
#include <fstream>
#include <cstring>
#include <memory>
#include <sstream>

namespace wambench {

std::string asset_dir() {
  if (const char* env = std::getenv("WAMBENCH_ASSETS"); env != nullptr && *env != '\0') {
    return env;
  }
  return WAMBENCH_ASSET_DIR;
}

std::string asset_path(const std::string& relative) { return asset_dir() + "/" + relative; }

ModelPtr load_model_from_file(const std::string& path) {
  std::ifstream probe(path);
  if (!probe.good()) {
    throw ModelLoadError("cannot read MJCF file '" + path +
                         "': no such file or not readable (assets are looked up in " +
                         asset_dir() + "; set WAMBENCH_ASSETS to change that)");
  }
  char error[1024] = {0};
  mjModel* m = mj_loadXML(path.c_str(), nullptr, error, sizeof(error));
  if (m == nullptr) {
    throw ModelLoadError("MuJoCo could not load '" + path + "': " + error);
  }
  if (error[0] != '\0') {
    // A model was produced but the compiler warned; MuJoCo's text is kept, not swallowed.
    mju_warning_s("MJCF warning: %s", error);
  }
  return ModelPtr(m);
}

ModelPtr load_model_from_string(const std::string& xml, const std::string& base_dir) {
  // The VFS is ~2 MB (fixed-size name table); keep it off the stack.
  auto vfs = std::make_unique<mjVFS>();
  mj_defaultVFS(vfs.get());
  // Place the text in the VFS under a name inside base_dir, so that relative includes and asset
  // files in base_dir resolve as they would for a file there.
  const std::string name = "__wambench_inline_scene__.xml";
  if (mj_makeEmptyFileVFS(vfs.get(), name.c_str(), static_cast<int>(xml.size())) != 0) {
    throw ModelLoadError("could not allocate MuJoCo VFS entry for inline MJCF");
  }
  const int index = mj_findFileVFS(vfs.get(), name.c_str());
  std::memcpy(vfs->filedata[index], xml.data(), xml.size());
  char error[1024] = {0};
  const std::string path = base_dir + "/" + name;
  mjModel* m = mj_loadXML(path.c_str(), vfs.get(), error, sizeof(error));
  mj_deleteVFS(vfs.get());
  if (m == nullptr) {
    throw ModelLoadError(std::string("MuJoCo could not load MJCF text <string> (includes relative to ") +
                         base_dir + "): " + error);
  }
  return ModelPtr(m);
}

int require_id(const mjModel* m, mjtObj type, const std::string& name) {
  const int id = mj_name2id(m, type, name.c_str());
  if (id < 0) {
    throw ModelLoadError(std::string("the scene has no ") + mju_type2Str(type) + " named '" + name +
                         "' (the robot asset assets/robot/panda.xml defines it)");
  }
  return id;
}

}  // namespace wambench
