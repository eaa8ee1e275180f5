#include "tests/sim/test_scenes.h"

#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstring>

namespace wambench::testing {

ModelPtr scene_with(const std::string& worldbody_extra) {
  const std::string xml = R"(<mujoco model="test_scene">
  <compiler angle="radian" autolimits="true"/>
  <option timestep="0.002" integrator="Euler" cone="elliptic" impratio="10"/>
  <size nconmax="400" njmax="1200"/>
  <include file="arena.xml"/>
  <include file="robot/panda.xml"/>
  <worldbody>)" + worldbody_extra + R"(</worldbody>
</mujoco>)";
  return load_model_from_string(xml, asset_dir());
}

EnvConfig physics_only_config() {
  EnvConfig c;
  c.render = false;
  return c;
}

std::vector<Action> determinism_actions() {
  std::vector<Action> out;
  for (int t = 0; t < 500; ++t) {
    Action a{};
    for (int i = 0; i < 6; ++i) a[i] = 0.8 * std::sin(0.05 * t * (1.0 + 0.37 * i) + i);
    a[6] = (t / 40) % 2 == 0 ? -1.0 : 1.0;
    out.push_back(a);
  }
  return out;
}

std::vector<double> run_determinism_rollout() {
  Env env(physics_only_config());
  env.reset();
  for (const Action& a : determinism_actions()) env.step(a);
  const mjData* d = env.data();
  return std::vector<double>(d->qpos, d->qpos + env.model()->nq);
}

std::string to_hex_lines(const std::vector<double>& values) {
  std::string out;
  for (double v : values) {
    uint64_t bits;
    std::memcpy(&bits, &v, sizeof(bits));
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%016" PRIx64 "\n", bits);
    out += buf;
  }
  return out;
}

}  // namespace wambench::testing
