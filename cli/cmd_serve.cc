// `wambench serve`: serves any wambench policy over openpi's websocket protocol
// (shared/recipes/openpi-protocol.md; serving/websocket.h), so openpi clients and the `remote`
// policy can query it.
#include <pthread.h>
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <thread>

#include <spdlog/spdlog.h>

#include "cli/commands.h"
#include "policies/policy.h"
#include "serving/mapping.h"
#include "serving/websocket.h"
#include "tasks/registry.h"
#include "tasks/task.h"

namespace wambench::cli {
namespace {

namespace sv = serving;

struct ServeOptions {
  std::string policy;
  std::string checkpoint;
  std::string host = "0.0.0.0";
  int port = 8000;
  std::string layout = "wambench";
  int image_size = 128;  // camera images are resized to this before the policy sees them (0 = as received)
};

// One connection's policy. No reset message exists in the protocol, so the policy is reset
// (Policy::reset) on the connection's first request, whenever the prompt changes, and whenever the
// optional extension entry "wambench/episode" ({"task", "split", "index", "seed"}, sent by the
// `remote` policy) changes. An openpi client that runs two episodes of one task back to back
// without that entry therefore keeps one policy episode (acceptable for the stateless chunk
// policies; stateful ones should be queried by clients that send the entry).
class PolicyHandler final : public sv::Handler {
 public:
  PolicyHandler(const PolicySpec& spec, sv::ObservationLayout layout, int image_size)
      : policy_(make_policy(spec)), layout_(std::move(layout)), image_size_(image_size) {}

  sv::Map handle(const sv::Map& request) override {
    std::string prompt;
    Observation obs = sv::decode_observation(request, layout_, &prompt);
    // The policy sees images of the size the benchmark renders (e.g. a LIBERO client's 224 px
    // frames become 128 px ones); images of that size pass unchanged.
    for (auto& [name, image] : obs.images)
      if (image_size_ > 0 && (image.height != image_size_ || image.width != image_size_))
        image = resize_bilinear(image, image_size_, image_size_);
    std::string episode_key;
    EpisodeInfo info;
    info.instruction = prompt;
    auto it = request.find("wambench/episode");
    if (it != request.end()) {
      const sv::Map* e = it->second.get_if<sv::Map>();
      if (!e)
        throw std::invalid_argument("\"wambench/episode\" must be a map {task, split, index, seed}, got " +
                                    it->second.type_name());
      episode_key = sv::to_json(it->second).dump();
      auto text = [&](const char* k) -> std::string {
        auto f = e->find(k);
        return f != e->end() && f->second.is<std::string>() ? std::get<std::string>(f->second.v) : "";
      };
      auto number = [&](const char* k) -> int64_t {
        auto f = e->find(k);
        return f != e->end() && f->second.is<int64_t>() ? std::get<int64_t>(f->second.v) : 0;
      };
      info.task = text("task");
      info.split = text("split");
      info.index = number("index");
      auto seed = e->find("seed");  // a decimal string (the remote policy: seeds use all 64 bits) or an int
      if (seed != e->end() && seed->second.is<std::string>()) {
        try {
          info.seed = std::stoull(std::get<std::string>(seed->second.v));
        } catch (const std::exception&) {
          throw std::invalid_argument("\"wambench/episode\" seed must be a decimal integer, got \"" +
                                      std::get<std::string>(seed->second.v) + "\"");
        }
      } else {
        info.seed = static_cast<uint64_t>(number("seed"));
      }
      if (!info.task.empty()) {
        try {
          info.horizon_steps = make_task(info.task)->horizon_steps();
        } catch (const std::exception&) {
          info.horizon_steps = 0;  // a task this build does not know: the policy gets no horizon
        }
      }
    }
    if (first_ || prompt != prompt_ || episode_key != episode_key_) {
      policy_->reset(info);
      first_ = false;
      prompt_ = prompt;
      episode_key_ = episode_key;
    }
    const auto t0 = std::chrono::steady_clock::now();
    const PolicyOutput out = policy_->act(obs);
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    std::vector<double> values;
    for (const Action& a : out.chunk) values.insert(values.end(), a.begin(), a.end());
    sv::Map result;
    // float64: the actions exactly as the policy computed them (openpi clients accept <f4 and <f8).
    result["actions"] =
        sv::Value(sv::NdArray::from_doubles(values, {static_cast<int64_t>(out.chunk.size()), kActionDim}, "<f8"));
    result["policy_timing"] = sv::Value(sv::Map{{"infer_ms", sv::Value(ms)}});
    result["wambench/execute_steps"] = sv::Value(static_cast<int64_t>(out.execute_steps));
    return result;
  }

 private:
  std::unique_ptr<Policy> policy_;
  sv::ObservationLayout layout_;
  int image_size_;
  bool first_ = true;
  std::string prompt_, episode_key_;
};

// The metadata message: what a client needs to talk to this server.
sv::Map server_metadata(const PolicySpec& spec, const Policy& policy, const sv::ObservationLayout& layout,
                        int image_size) {
  nlohmann::json m = {
      {"server", "wambench"},
      {"protocol", "openpi websocket policy protocol (openpi 15a9616a)"},
      {"policy", spec.name},
      {"checkpoint_hash", policy.checkpoint_hash()},
      {"observation", layout.to_json()},
      {"policy_image_size", image_size},  // images are resized to this square size for the policy (0 = as sent)
      {"episode_key", "wambench/episode"},
      {"action_space", "delta_ee: [dx, dy, dz, droll, dpitch, dyaw, gripper] normalized to [-1, 1], gripper -1 open "
                       "/ +1 closed (wambench DESIGN.md \"Actions\")"},
      {"action_dim", kActionDim},
      {"action_dtype", "<f8"}};
  if (!spec.checkpoint.empty()) {
    const nlohmann::json meta = checkpoint_metadata(spec.checkpoint);
    const nlohmann::json config = meta.value("config", nlohmann::json::object());
    if (config.contains("chunk")) m["chunk_length"] = config["chunk"];
    if (config.contains("execute")) m["execute_steps"] = config["execute"];
  }
  return std::get<sv::Map>(sv::from_json(m).v);
}

}  // namespace

CommandRunner add_serve_command(CLI::App& app) {
  auto o = std::make_shared<ServeOptions>();
  CLI::App* cmd = app.add_subcommand(
      "serve",
      "Serve a policy over openpi's websocket protocol (GET /healthz for health checks); stop with Ctrl-C / SIGTERM");
  cmd->add_option("--policy", o->policy, "Policy to serve (a learned policy: vla, wam_ite, harmowam, ...)")->required();
  cmd->add_option("--checkpoint", o->checkpoint, "Checkpoint file (default: the bundled one)");
  cmd->add_option("--host", o->host, "Address to listen on")->capture_default_str();
  cmd->add_option("--port", o->port, "TCP port (0 = any free port, printed at start)")->capture_default_str();
  cmd->add_option("--layout", o->layout,
                  "Observation layout requests use: wambench (lossless, what the remote policy's \"layout\": "
                  "\"wambench\" sends) or libero")
      ->capture_default_str();
  cmd->add_option("--image-size", o->image_size,
                  "Camera images are resized (bilinear) to this square size before the policy sees them, as "
                  "`wambench eval` renders them (its config's image_size); 0 = as received")
      ->check(CLI::Range(0, 4096))
      ->capture_default_str();
  return [o]() -> int {
    if (is_privileged_policy(o->policy))
      throw UsageError("policy '" + o->policy +
                       "' reads the simulator's privileged state, which a remote client cannot send; serve a "
                       "vision-based policy (vla, wam_ite, harmowam, ...)");
    if (o->policy == "remote") throw UsageError("cannot serve the 'remote' policy (it is a client)");
    PolicySpec spec{o->policy, o->checkpoint};
    if (spec.checkpoint.empty() && policy_needs_checkpoint(spec.name)) spec.checkpoint = bundled_checkpoint(spec.name);
    sv::ObservationLayout layout;
    try {
      layout = sv::observation_layout(o->layout);
    } catch (const std::invalid_argument& e) {
      throw UsageError(std::string("--layout: ") + e.what());
    }
    if (o->port < 0 || o->port > 65535) throw UsageError("--port must be 0..65535, got " + std::to_string(o->port));
    std::unique_ptr<Policy> probe;
    try {
      probe = make_policy(spec);  // checks the name and checkpoint before listening
    } catch (const std::invalid_argument& e) {
      throw UsageError(e.what());
    }
    const sv::Map metadata = server_metadata(spec, *probe, layout, o->image_size);
    probe.reset();

    // SIGINT / SIGTERM are blocked in every thread and taken by one watcher, which stops the server.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    const int image_size = o->image_size;
    sv::Server server(o->host, o->port, metadata, [spec, layout, image_size]() {
      return std::make_unique<PolicyHandler>(spec, layout, image_size);
    });
    std::thread watcher([&server, signals]() {
      int sig = 0;
      sigwait(&signals, &sig);
      spdlog::info("signal {}: stopping", sig);
      server.stop();
    });
    std::printf("wambench serve: %s on ws://%s:%d (health: http://%s:%d/healthz)\n", o->policy.c_str(), o->host.c_str(),
                server.port(), o->host.c_str(), server.port());
    std::fflush(stdout);
    server.run();
    watcher.join();
    std::printf("wambench serve: stopped after %d connection(s)\n", server.connections_served());
    return 0;
  };
}

}  // namespace wambench::cli
