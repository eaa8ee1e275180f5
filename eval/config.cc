#include "eval/config.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <set>
#include <sstream>

#include "policies/external_policy.h"
#include "policies/torchscript.h"
#include "tasks/registry.h"
#include "tasks/split.h"

namespace wambench {
namespace {

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const std::string& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

[[noreturn]] void fail(const std::string& source, const std::string& field, const std::string& what) {
  throw ConfigError(source + ": field '" + field + "': " + what);
}

std::vector<std::string> split_names() {
  std::vector<std::string> names;
  for (Split s : all_splits()) names.push_back(to_string(s));
  return names;
}

// "all" or a non-empty list of names from `valid`, without duplicates.
std::vector<std::string> resolve_names(const nlohmann::json& j, const std::string& source, const std::string& field,
                                       const std::vector<std::string>& valid) {
  if (j.is_string() && j.get<std::string>() == "all") return valid;
  if (!j.is_array() || j.empty())
    fail(source, field, "expected \"all\" or a non-empty list of names; valid names: " + join(valid));
  std::vector<std::string> out;
  for (const auto& e : j) {
    if (!e.is_string()) fail(source, field, "expected names (strings), got " + e.dump());
    const std::string n = e.get<std::string>();
    if (n == "all" && j.size() == 1) return valid;
    if (std::find(valid.begin(), valid.end(), n) == valid.end())
      fail(source, field, "unknown name '" + n + "'; valid names: " + join(valid) + " (or \"all\")");
    if (std::find(out.begin(), out.end(), n) != out.end()) fail(source, field, "'" + n + "' listed twice");
    out.push_back(n);
  }
  return out;
}

int get_int(const nlohmann::json& j, const std::string& source, const std::string& key, int lo, int hi) {
  const auto& v = j.at(key);
  if (!v.is_number_integer()) fail(source, key, "expected an integer in [" + std::to_string(lo) + ", " +
                                                    std::to_string(hi) + "], got " + v.dump());
  const int64_t x = v.get<int64_t>();
  if (x < lo || x > hi)
    fail(source, key, "must be in [" + std::to_string(lo) + ", " + std::to_string(hi) + "], got " + std::to_string(x));
  return static_cast<int>(x);
}

}  // namespace

const std::vector<std::string>& eval_config_keys() {
  static const std::vector<std::string> kKeys = {"policies", "tasks",          "splits",
                                                 "episodes", "seed",           "workers",
                                                 "record_video", "record_trajectories", "image_size"};
  return kKeys;
}

namespace {

// A label names rows, files (recordings/<label>/...) and plot keys: letters, digits, '_', '-', '.',
// '+', starting with a letter, digit or '_'.
bool valid_label(const std::string& label) {
  if (label.empty() || label.size() > 64) return false;
  if (!(std::isalnum(static_cast<unsigned char>(label[0])) || label[0] == '_')) return false;
  return std::all_of(label.begin(), label.end(), [](char ch) {
    return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '-' || ch == '.' || ch == '+';
  });
}

// The command-line shorthand "[LABEL=]NAME[@CHECKPOINT]": a checkpoint without a label is labelled
// by its file name without the extension.
PolicySpec parse_policy_shorthand(const std::string& text, const std::string& source, const std::string& field) {
  PolicySpec spec;
  std::string rest = text;
  const size_t at = rest.find('@');
  const size_t eq = rest.find('=');
  if (eq != std::string::npos && (at == std::string::npos || eq < at)) {
    spec.label = rest.substr(0, eq);
    rest = rest.substr(eq + 1);
    if (spec.label.empty()) fail(source, field, "'" + text + "': empty label before '='; write LABEL=NAME@CHECKPOINT");
  }
  const size_t at2 = rest.find('@');
  if (at2 == std::string::npos) {
    spec.name = rest;
    return spec;
  }
  spec.name = rest.substr(0, at2);
  spec.checkpoint = rest.substr(at2 + 1);
  if (spec.checkpoint.empty())
    fail(source, field, "'" + text + "': no checkpoint file after '@'; write NAME@CHECKPOINT, e.g. vla@runs/v.pt");
  if (spec.label.empty()) {
    spec.label = std::filesystem::path(spec.checkpoint).stem().string();
    if (!valid_label(spec.label))
      fail(source, field, "'" + text + "': the file name gives the label '" + spec.label +
                              "', which is not a valid label (letters, digits, '_', '-', '.', '+'); name the entry: "
                              "LABEL=" + spec.name + "@" + spec.checkpoint);
  }
  return spec;
}

}  // namespace

std::vector<PolicySpec> resolve_policies(const nlohmann::json& j, const std::string& source) {
  const std::string field = "policies";
  if (j.is_string() && j.get<std::string>() == "all") {
    std::vector<PolicySpec> out;
    for (const std::string& n : policy_names()) {
      if (is_ablation_policy(n)) continue;
      if (n == "remote") continue;  // needs a server url in its "options"
      if (!policy_needs_checkpoint(n)) out.push_back({n, "", 0.0, {}});
      else if (!bundled_checkpoint(n).empty()) out.push_back({n, bundled_checkpoint(n), 0.0, {}});
    }
    return out;
  }
  if (!j.is_array() || j.empty())
    fail(source, field, "expected a non-empty list of policy names, NAME@CHECKPOINT / LABEL=NAME@CHECKPOINT "
                        "shorthands or {\"name\", \"checkpoint\", \"label\"} objects; valid policies: " +
                            join(policy_names()));
  std::vector<PolicySpec> out;
  for (const auto& e : j) {
    PolicySpec spec;
    if (e.is_string()) {
      spec = parse_policy_shorthand(e.get<std::string>(), source, field);
    } else if (e.is_object()) {
      for (const auto& [k, v] : e.items()) {
        if (k == "name" && v.is_string()) spec.name = v.get<std::string>();
        else if (k == "label" && v.is_string()) spec.label = v.get<std::string>();
        else if (k == "checkpoint" && v.is_string()) spec.checkpoint = v.get<std::string>();
        else if (k == "noise_std" && v.is_number()) spec.noise_std = v.get<double>();
        else if (k == "execute" && v.is_number_integer()) spec.execution.execute = v.get<int>();
        else if (k == "temporal_ensemble" && v.is_boolean()) spec.execution.temporal_ensemble = v.get<bool>();
        else if (k == "ensemble_decay" && v.is_number()) spec.execution.ensemble_decay = v.get<double>();
        else if (k == "options" && v.is_object()) spec.options = v;
        else if (k == "name" || k == "label" || k == "checkpoint" || k == "noise_std" || k == "execute" ||
                 k == "temporal_ensemble" || k == "ensemble_decay" || k == "options")
          fail(source, field + "." + k, "wrong type: " + v.dump());
        else
          fail(source, field, "unknown key '" + k + "' in a policy entry; valid keys: name, label, checkpoint, "
                              "noise_std, execute, temporal_ensemble, ensemble_decay, options");
      }
    } else {
      fail(source, field, "expected a policy name or an object, got " + e.dump());
    }
    const auto& names = policy_names();
    if (std::find(names.begin(), names.end(), spec.name) == names.end() && !is_external_policy(spec.name)) {
      std::vector<std::string> valid = names;  // plus the external policies registered now
      for (const std::string& n : external_policy_names()) valid.push_back(n);
      fail(source, field, "unknown policy '" + spec.name + "'; valid policies: " + join(valid));
    }
    if (policy_needs_checkpoint(spec.name)) {
      if (spec.checkpoint.empty()) spec.checkpoint = bundled_checkpoint(spec.name);
      if (spec.checkpoint.empty())
        fail(source, field, "policy '" + spec.name + "' needs a \"checkpoint\" file (none is bundled)");
      if (!std::filesystem::is_regular_file(spec.checkpoint))
        fail(source, field, "checkpoint of '" + spec.name + "' not found: " + spec.checkpoint);
      std::string type;
      try {
        if (spec.name == "torchscript") {  // a TorchScript archive with its own metadata, not a wambench checkpoint
          torchscript_metadata(spec.checkpoint);
          type = spec.name;
        } else {
          type = checkpoint_metadata(spec.checkpoint).value("policy", "");
        }
      } catch (const std::exception& ex) {
        fail(source, field, "checkpoint of '" + spec.row_label() + "': " + ex.what());
      }
      if (type != spec.name)
        fail(source, field, "checkpoint " + spec.checkpoint + " is a '" + type + "' checkpoint, not a '" + spec.name +
                                "' one; list it as " + type + "@" + spec.checkpoint);
    } else if (!spec.checkpoint.empty()) {
      fail(source, field, "policy '" + spec.name + "' takes no checkpoint (got " + spec.checkpoint +
                              "); checkpoints belong to the learned policies");
    }
    if (spec.label == spec.name) spec.label.clear();  // the default: records and configs stay as before
    if (!spec.label.empty()) {
      if (!valid_label(spec.label))
        fail(source, field, "label '" + spec.label + "' of '" + spec.name +
                                "' is not valid: use letters, digits, '_', '-', '.', '+' (at most 64), starting with "
                                "a letter, digit or '_'");
      if (std::find(names.begin(), names.end(), spec.label) != names.end())
        fail(source, field, "label '" + spec.label + "' of a '" + spec.name + "' entry is the name of another policy "
                                "type; choose another label");
    }
    for (const PolicySpec& p : out)
      if (p.row_label() == spec.row_label())
        fail(source, field, "label '" + spec.row_label() + "' listed twice (labels name a sweep's rows and must be "
                                "unique); give each entry of one policy type its own label: in a config "
                                "{\"name\": \"" + spec.name + "\", \"checkpoint\": \"...\", \"label\": \"new\"}, on "
                                "the command line new=" + spec.name + "@CHECKPOINT");
    if (!(spec.noise_std >= 0.0 && spec.noise_std <= 1.0))
      fail(source, field, "noise_std must be in [0, 1], got " + std::to_string(spec.noise_std));
    if (spec.execution.execute < 0)
      fail(source, field, "execute must be >= 1 (actions per query; 0 or absent = the checkpoint's own), got " +
                              std::to_string(spec.execution.execute));
    if (spec.execution.temporal_ensemble && spec.execution.execute != 0)
      fail(source, field, "temporal_ensemble queries the policy at every step: drop \"execute\" or the ensemble");
    if (!(spec.execution.ensemble_decay >= 0.0 && std::isfinite(spec.execution.ensemble_decay)))
      fail(source, field, "ensemble_decay must be a finite number >= 0");
    if (spec.name == "remote") {  // its options are checked here, before any episode runs (no connection)
      try {
        make_policy(spec);
      } catch (const std::invalid_argument& ex) {
        fail(source, field, ex.what());
      }
    }
    if (!spec.execution.is_default() && !policy_needs_checkpoint(spec.name) && spec.name != "remote")
      fail(source, field, "policy '" + spec.name + "' has no action chunks: execute / temporal_ensemble apply to learned policies");
    out.push_back(spec);
  }
  return out;
}

std::vector<std::string> resolve_tasks(const nlohmann::json& j, const std::string& source) {
  return resolve_names(j, source, "tasks", task_names());
}

std::vector<std::string> resolve_splits(const nlohmann::json& j, const std::string& source) {
  return resolve_names(j, source, "splits", split_names());
}

EvalConfig parse_eval_config(const nlohmann::json& j, const std::string& source) {
  if (!j.is_object()) throw ConfigError(source + ": expected a JSON object at the top level");
  const auto& keys = eval_config_keys();
  for (const auto& [k, v] : j.items()) {
    if (std::find(keys.begin(), keys.end(), k) == keys.end())
      throw ConfigError(source + ": unknown field '" + k + "'; valid fields: " + join(keys));
  }
  EvalConfig c;
  c.policies = j.contains("policies") ? resolve_policies(j.at("policies"), source)
                                      : std::vector<PolicySpec>{{"scripted", "", 0.0, {}}};
  c.tasks = resolve_tasks(j.value("tasks", nlohmann::json("all")), source);
  c.splits = resolve_splits(j.value("splits", nlohmann::json("all")), source);
  if (j.contains("episodes")) c.episodes = get_int(j, source, "episodes", 1, 1000000);
  if (j.contains("seed")) {
    const auto& v = j.at("seed");
    if (!v.is_number_unsigned() && !(v.is_number_integer() && v.get<int64_t>() >= 0))
      fail(source, "seed", "expected a non-negative integer, got " + v.dump());
    c.seed = v.get<uint64_t>();
    if (c.seed >= (uint64_t{1} << 63))
      fail(source, "seed", "must be < 2^63 (valid: 0..9223372036854775807); base seeds from 2^63 up are reserved for "
                           "demonstrations, so training data never contains an evaluation episode");
  }
  if (j.contains("workers")) c.workers = get_int(j, source, "workers", 1, 256);
  if (j.contains("record_video")) c.record_video = get_int(j, source, "record_video", 0, 1000000);
  if (j.contains("record_trajectories")) {
    if (!j.at("record_trajectories").is_boolean())
      fail(source, "record_trajectories", "expected true or false, got " + j.at("record_trajectories").dump());
    c.record_trajectories = j.at("record_trajectories").get<bool>();
  }
  if (j.contains("image_size")) c.image_size = get_int(j, source, "image_size", 16, 1024);
  return c;
}

EvalConfig load_eval_config(const std::string& path) {
  std::ifstream f(path);
  if (!f) throw ConfigError("cannot read config file '" + path + "'");
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(f);
  } catch (const nlohmann::json::parse_error& e) {
    throw ConfigError(path + ": malformed JSON: " + e.what());
  }
  return parse_eval_config(j, path);
}

nlohmann::json to_json(const EvalConfig& c) {
  nlohmann::json policies = nlohmann::json::array();
  for (const PolicySpec& p : c.policies) {
    nlohmann::json e = {{"name", p.name}};
    if (!p.label.empty() && p.label != p.name) e["label"] = p.label;
    if (!p.checkpoint.empty()) e["checkpoint"] = p.checkpoint;
    if (p.noise_std != 0.0) e["noise_std"] = p.noise_std;
    if (p.execution.execute != 0) e["execute"] = p.execution.execute;
    if (p.execution.temporal_ensemble) {
      e["temporal_ensemble"] = true;
      e["ensemble_decay"] = p.execution.ensemble_decay;
    }
    if (!p.options.empty()) e["options"] = p.options;
    policies.push_back(e);
  }
  return {{"policies", policies},
          {"tasks", c.tasks},
          {"splits", c.splits},
          {"episodes", c.episodes},
          {"seed", c.seed},
          {"workers", c.workers},
          {"record_video", c.record_video},
          {"record_trajectories", c.record_trajectories},
          {"image_size", c.image_size}};
}

std::string config_hash(const nlohmann::json& config) {
  // FNV-1a (64 bit) of the canonical JSON (keys sorted by nlohmann::json).
  nlohmann::json c = config;
  for (const char* k : {"workers", "record_video", "record_trajectories"}) c.erase(k);
  uint64_t h = 1469598103934665603ull;
  for (const unsigned char ch : c.dump()) {
    h ^= ch;
    h *= 1099511628211ull;
  }
  std::ostringstream out;
  out << std::hex << std::setw(16) << std::setfill('0') << h;
  return out.str();
}

}  // namespace wambench
