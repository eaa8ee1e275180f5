#include "policies/remote.h"

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "serving/mapping.h"
#include "serving/websocket.h"

namespace wambench {
namespace {

namespace sv = serving;

std::string hex64(uint64_t h) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

uint64_t fnv1a(const std::string& s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

struct RemoteOptions {
  std::string url;
  sv::ObservationLayout layout;
  sv::ActionMapping actions;
  int execute = 0;
  double timeout_s = 30;
  int retries = 3;
  bool send_episode = true;
};

RemoteOptions parse_options(const nlohmann::json& o) {
  auto bad = [](const std::string& key, const std::string& what) {
    return std::invalid_argument("remote policy option \"" + key + "\": " + what);
  };
  if (!o.is_object()) throw std::invalid_argument("remote policy: \"options\" must be an object");
  const auto& valid = remote_option_keys();
  for (const auto& [k, v] : o.items()) {
    if (std::find(valid.begin(), valid.end(), k) == valid.end()) {
      std::string list;
      for (const std::string& n : valid) list += (list.empty() ? "" : ", ") + n;
      throw std::invalid_argument("remote policy: unknown option \"" + k + "\"; valid options: " + list);
    }
  }
  RemoteOptions r;
  if (!o.contains("url") || !o["url"].is_string())
    throw std::invalid_argument("remote policy needs the option \"url\" (a string, e.g. \"ws://localhost:8000\")");
  r.url = o["url"].get<std::string>();
  try {
    sv::Endpoint::parse(r.url);
  } catch (const std::invalid_argument& e) {
    throw bad("url", e.what());
  }
  try {
    r.layout = sv::observation_layout(o.value("layout", std::string("libero")));
  } catch (const std::exception& e) {
    throw bad("layout", e.what());
  }
  auto str = [&](const char* key, std::string* out) {
    if (!o.contains(key)) return;
    if (!o[key].is_string()) throw bad(key, "must be a string, got " + o[key].dump());
    *out = o[key].get<std::string>();
  };
  auto num = [&](const char* key, double* out) {
    if (!o.contains(key)) return;
    if (!o[key].is_number()) throw bad(key, "must be a number, got " + o[key].dump());
    *out = o[key].get<double>();
  };
  auto integer = [&](const char* key, int* out) {
    if (!o.contains(key)) return;
    if (!o[key].is_number_integer()) throw bad(key, "must be an integer, got " + o[key].dump());
    *out = o[key].get<int>();
  };
  auto boolean = [&](const char* key, bool* out) {
    if (!o.contains(key)) return;
    if (!o[key].is_boolean()) throw bad(key, "must be true or false, got " + o[key].dump());
    *out = o[key].get<bool>();
  };
  auto numbers = [&](const char* key, std::vector<double>* out) {
    if (!o.contains(key)) return;
    if (!o[key].is_array()) throw bad(key, "must be a list of numbers, got " + o[key].dump());
    out->clear();
    for (const auto& x : o[key]) {
      if (!x.is_number()) throw bad(key, "must be a list of numbers, got " + o[key].dump());
      out->push_back(x.get<double>());
    }
  };
  str("image_key", &r.layout.image_key);
  str("wrist_image_key", &r.layout.wrist_image_key);
  str("state_key", &r.layout.state_key);
  str("prompt_key", &r.layout.prompt_key);
  integer("image_size", &r.layout.image_size);
  boolean("resize_with_pad", &r.layout.resize_with_pad);
  if (o.contains("state_fields")) {
    if (!o["state_fields"].is_array()) throw bad("state_fields", "must be a list of field names");
    r.layout.state_fields.clear();
    for (const auto& x : o["state_fields"]) {
      if (!x.is_string()) throw bad("state_fields", "must be a list of field names, got " + x.dump());
      r.layout.state_fields.push_back(x.get<std::string>());
    }
  }
  str("state_dtype", &r.layout.state_dtype);
  try {
    r.layout.validate();
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(std::string("remote policy: ") + e.what());
  }
  str("action_convention", &r.actions.convention);
  integer("action_dim", &r.actions.action_dim);
  numbers("action_scale", &r.actions.scale);
  numbers("action_offset", &r.actions.offset);
  integer("gripper_index", &r.actions.gripper_index);
  str("gripper_mode", &r.actions.gripper_mode);
  num("gripper_threshold", &r.actions.gripper_threshold);
  numbers("gripper_range", &r.actions.gripper_range);
  boolean("gripper_invert", &r.actions.gripper_invert);
  try {
    r.actions.validate();
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(std::string("remote policy: ") + e.what());
  }
  integer("execute", &r.execute);
  if (o.contains("execute") && r.execute < 1) throw bad("execute", "must be >= 1 (actions per query)");
  num("timeout_s", &r.timeout_s);
  if (!(r.timeout_s > 0 && r.timeout_s <= 86400)) throw bad("timeout_s", "must be in (0, 86400] seconds");
  integer("retries", &r.retries);
  if (r.retries < 0 || r.retries > 100) throw bad("retries", "must be 0..100");
  boolean("send_episode", &r.send_episode);
  return r;
}

class RemotePolicy final : public Policy {
 public:
  static constexpr double kMaxIdleS = 10.0;  // below openpi's 20 s keepalive ping interval

  explicit RemotePolicy(RemoteOptions options)
      : options_(std::move(options)), client_(options_.url, options_.timeout_s, options_.retries) {}

  std::string name() const override { return "remote"; }

  // "remote-" + FNV-1a (64 bit) of the URL, a newline and the server metadata as canonical JSON
  // (serving::to_json, keys sorted): two servers with the same address and metadata (e.g. a
  // `wambench serve` of one checkpoint, whose metadata holds its SHA-256) hash alike. Before the
  // first successful connection it connects; if that fails: "remote-unreachable-" + hash of the URL.
  std::string checkpoint_hash() const override {
    try {
      if (!client_.connected()) client_.connect();
    } catch (const std::exception&) {
      return "remote-unreachable-" + hex64(fnv1a(options_.url));
    }
    return "remote-" + hex64(fnv1a(options_.url + "\n" + sv::to_json(sv::Value(client_.metadata())).dump()));
  }

  bool needs_images() const override {
    return !options_.layout.image_key.empty() || !options_.layout.wrist_image_key.empty();
  }

  void reset(const EpisodeInfo& info) override {
    // A connection idle for a while (e.g. this worker ran other policies' episodes) may have been
    // dropped by the server's keepalive (openpi: ~20-40 s without pongs): start each such episode
    // on a fresh connection.
    if (client_.connected() && client_.idle_s() > kMaxIdleS) client_.close();
    client_.connect();
    instruction_ = info.instruction;
    extra_.clear();
    if (options_.send_episode)
      extra_["wambench/episode"] = sv::Value(sv::Map{{"task", sv::Value(info.task)},
                                                     {"split", sv::Value(info.split)},
                                                     {"index", sv::Value(info.index)},
                                                     {"seed", sv::Value(std::to_string(info.seed))}});  // decimal: may exceed int64
    latencies_ms_.clear();
  }

  PolicyOutput act(const Observation& obs) override {
    const sv::Map request = sv::encode_observation(obs, instruction_, options_.layout, extra_);
    const auto t0 = std::chrono::steady_clock::now();
    const sv::Map result = client_.infer(request);
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    latencies_ms_.push_back(ms);
    PolicyOutput out;
    const std::vector<Action> chunk = sv::decode_actions(result, options_.actions);
    out.chunk = chunk;
    int execute = options_.execute;
    if (execute == 0) {  // a `wambench serve` reply says it per chunk; else the metadata may
      const sv::Value* advertised = nullptr;
      auto in_result = result.find("wambench/execute_steps");
      auto in_metadata = client_.metadata().find("execute_steps");
      if (in_result != result.end()) advertised = &in_result->second;
      else if (in_metadata != client_.metadata().end()) advertised = &in_metadata->second;
      if (advertised) {
        try {
          execute = static_cast<int>(advertised->as_number());
        } catch (const std::invalid_argument&) {
          execute = 0;
        }
      }
    }
    if (execute > static_cast<int>(chunk.size()))
      throw std::runtime_error("remote policy: execute = " + std::to_string(execute) + " but the server sent " +
                               std::to_string(chunk.size()) + " actions per chunk");
    out.execute_steps = std::max(0, execute);
    out.diagnostics = {{"latency_ms", ms}};
    auto timing = result.find("server_timing");
    if (timing != result.end() && timing->second.is<sv::Map>()) {
      const sv::Map& t = std::get<sv::Map>(timing->second.v);
      auto infer = t.find("infer_ms");
      if (infer != t.end()) {
        try {
          out.diagnostics["server_infer_ms"] = infer->second.as_number();
        } catch (const std::invalid_argument&) {
        }
      }
    }
    return out;
  }

  nlohmann::json episode_summary() const override {
    nlohmann::json j = {{"queries", latencies_ms_.size()}};
    if (!latencies_ms_.empty()) {
      double sum = 0, mx = 0;
      for (double x : latencies_ms_) sum += x, mx = std::max(mx, x);
      j["latency_ms_mean"] = sum / latencies_ms_.size();
      j["latency_ms_max"] = mx;
    }
    return j;
  }

 private:
  RemoteOptions options_;
  mutable sv::Client client_;
  std::string instruction_;
  sv::Map extra_;
  std::vector<double> latencies_ms_;
};

}  // namespace

const std::vector<std::string>& remote_option_keys() {
  static const std::vector<std::string> kKeys = {
      "url",          "layout",        "image_key",         "wrist_image_key", "state_key",
      "prompt_key",   "image_size",    "resize_with_pad",   "state_fields",    "state_dtype",
      "action_convention", "action_dim", "action_scale",    "action_offset",   "gripper_index",
      "gripper_mode", "gripper_threshold", "gripper_range", "gripper_invert",  "execute",
      "timeout_s",    "retries",       "send_episode"};
  return kKeys;
}

std::unique_ptr<Policy> make_remote_policy(const nlohmann::json& options) {
  return std::make_unique<RemotePolicy>(parse_options(options));
}

}  // namespace wambench
