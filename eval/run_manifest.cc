#include "eval/run_manifest.h"

#include <sys/utsname.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <thread>

#include <mujoco/mujoco.h>

#include "build_info/git_commit.h"
#include "eval/oracle_policy.h"
#include "eval/store.h"
#include "policies/policy.h"
#include "sim/gl_context.h"

namespace wambench {
namespace {

nlohmann::json machine_info() {
  utsname u{};
  uname(&u);
  return {{"hostname", u.nodename},
          {"system", std::string(u.sysname) + " " + u.release},
          {"arch", u.machine},
          {"hardware_threads", std::thread::hardware_concurrency()}};
}

std::string gl_renderer_string(const EvalConfig& c) {
  register_oracle_policies();
  bool renders = c.record_video > 0;
  for (const PolicySpec& p : c.policies) renders |= make_policy(p)->needs_images();
  if (!renders) return "not used (no policy reads images, no video recorded)";
  try {
    auto ctx = GlContext::create();
    return std::string(to_string(ctx->backend())) + ": " + ctx->renderer();
  } catch (const std::exception& e) {
    return std::string("unavailable: ") + e.what();
  }
}

}  // namespace

nlohmann::json new_run_manifest(const EvalConfig& config, const std::string& command) {
  const nlohmann::json config_json = to_json(config);
  return {{"config", config_json},
          {"config_hash", config_hash(config_json)},
          {"wambench", {{"version", WAMBENCH_VERSION}, {"git_commit", git_commit()}, {"build_type", WAMBENCH_BUILD_TYPE}}},
          {"mujoco", mj_versionString()},
          {"libtorch", WAMBENCH_TORCH_VERSION},
          {"gl_renderer", gl_renderer_string(config)},
          {"machine", machine_info()},
          {"command", command},
          {"start_time", utc_timestamp()},
          {"end_time", nullptr}};
}

void mark_resumed(nlohmann::json* manifest, int workers) {
  (*manifest)["resumed"].push_back({{"time", utc_timestamp()}, {"git_commit", git_commit()}, {"workers", workers}});
}

void write_json_atomic(const std::string& path, const nlohmann::json& j) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp);
    if (!f) throw std::runtime_error("cannot write '" + tmp + "'");
    f << j.dump(2) << "\n";
    if (!f) throw std::runtime_error("cannot write '" + tmp + "'");
  }
  std::filesystem::rename(tmp, path);
}

}  // namespace wambench
