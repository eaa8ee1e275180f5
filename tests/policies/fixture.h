// Shared fixture of the learned-policy tests: a per-process temporary folder and a tiny
// demonstration file (3 press_button + 3 pick_place demonstrations at 128 px, as evaluation renders
// them and the learned policies' front camera reads them), made once.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <string>

#include "eval/collect.h"
#include "sim/env.h"

namespace wambench::testing_fixture {

inline std::filesystem::path temp_dir() {
  static const std::filesystem::path dir = [] {
    const auto d = std::filesystem::temp_directory_path() / ("wambench_learned_" + std::to_string(::getpid()));
    std::filesystem::remove_all(d);
    std::filesystem::create_directories(d);
    return d;
  }();
  return dir;
}

inline const std::string& fixture() {
  static const std::string path = [] {
    CollectConfig c;
    c.tasks = {"press_button", "pick_place"};
    c.episodes = 3;
    c.image_size = 128;
    c.out = (temp_dir() / "fixture.hdf5").string();
    collect_demonstrations(c);
    return c.out;
  }();
  return path;
}

// An observation with black 128 px `front` and `wrist` images (what evaluation renders).
inline Observation blank_observation() {
  Observation obs;
  obs.images["front"] = Image(128, 128);
  obs.images["wrist"] = Image(128, 128);
  return obs;
}

}  // namespace wambench::testing_fixture
