#include "eval/record.h"

namespace wambench {

nlohmann::json to_json(const EpisodeRecord& r) {
  nlohmann::json j = {
      {"policy", r.key.policy},
      {"policy_type", r.policy_type.empty() ? r.key.policy : r.policy_type},
      {"checkpoint_hash", r.checkpoint_hash},
      {"task", r.key.task},
      {"split", r.key.split},
      {"episode", r.key.index},
      {"seed", r.seed},
      {"instruction", r.instruction},
      {"status", r.status},
      {"success", r.success},
      {"progress", r.progress},
      {"progress_name", r.progress_name},
      {"steps", r.steps},
      {"sim_time_s", r.sim_time_s},
      {"timing_s",
       {{"wall", r.timing.wall_s},
        {"physics", r.timing.physics_s},
        {"render", r.timing.render_s},
        {"policy", r.timing.policy_s},
        {"harness", r.timing.harness_s}}},
      {"diagnostics", r.diagnostics},
  };
  if (!r.error.empty()) j["error"] = r.error;
  return j;
}

EpisodeRecord episode_record_from_json(const nlohmann::json& j) {
  EpisodeRecord r;
  r.key.policy = j.at("policy").get<std::string>();
  r.policy_type = j.value("policy_type", r.key.policy);
  r.key.task = j.at("task").get<std::string>();
  r.key.split = j.at("split").get<std::string>();
  r.key.index = j.at("episode").get<int64_t>();
  r.checkpoint_hash = j.at("checkpoint_hash").get<std::string>();
  r.seed = j.at("seed").get<uint64_t>();
  r.instruction = j.at("instruction").get<std::string>();
  r.status = j.at("status").get<std::string>();
  r.success = j.at("success").get<bool>();
  r.progress = j.at("progress").get<int>();
  r.progress_name = j.at("progress_name").get<std::string>();
  r.steps = j.at("steps").get<int>();
  r.sim_time_s = j.at("sim_time_s").get<double>();
  const auto& t = j.at("timing_s");
  r.timing = {t.at("wall").get<double>(), t.at("physics").get<double>(), t.at("render").get<double>(),
              t.at("policy").get<double>(), t.at("harness").get<double>()};
  r.error = j.value("error", "");
  r.diagnostics = j.value("diagnostics", nlohmann::json::object());
  return r;
}

}  // namespace wambench
