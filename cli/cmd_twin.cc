// `wambench twin`: the networked twin of a real arm (bridge/twin_server.h), served until SIGINT /
// SIGTERM.
#include <signal.h>

#include <atomic>
#include <cstdio>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include "bridge/twin_server.h"
#include "cli/commands.h"

namespace wambench::cli {
namespace {

struct TwinOptions {
  std::string scenario;
  std::string endpoint = "tcp://127.0.0.1:5560";
  int image_size = 128;
  std::string log;
};

std::atomic<TwinServer*> g_server{nullptr};

void on_signal(int) {
  if (TwinServer* s = g_server.load()) s->stop();
}

}  // namespace

CommandRunner add_twin_command(CLI::App& app) {
  auto o = std::make_shared<TwinOptions>();
  CLI::App* cmd = app.add_subcommand(
      "twin",
      "Emulate a real arm behind a network (ZeroMQ + msgpack) with the simulator inside, injecting the faults of a "
      "scenario file; drive it with a robot config whose driver is \"twin\". Stop with Ctrl-C / SIGTERM");
  cmd->add_option("--scenario", o->scenario,
                  "Scenario file (JSON: latencies, frame drops, noise, camera miscalibration, tracking lag, "
                  "disconnect; see bridge/twin_scenario.h). Omitted = no faults");
  cmd->add_option("--endpoint", o->endpoint,
                  "ZeroMQ endpoint to bind; port * = any free port (the bound endpoint is printed at start)")
      ->capture_default_str();
  cmd->add_option("--image-size", o->image_size, "Square camera image size (pixels)")
      ->check(CLI::Range(1, 4096))
      ->capture_default_str();
  cmd->add_option("--log", o->log, "Append one JSON line of stats per finished episode to this file");
  return [o]() -> int {
    TwinServerConfig config;
    config.endpoint = o->endpoint;
    config.image_size = o->image_size;
    config.log_path = o->log;
    if (!o->scenario.empty()) {
      try {
        config.scenario = load_twin_scenario(o->scenario);
      } catch (const std::invalid_argument& e) {
        throw UsageError(std::string("--scenario: ") + e.what());
      }
    }
    if (o->endpoint.rfind("tcp://", 0) != 0 && o->endpoint.rfind("ipc://", 0) != 0)
      throw UsageError("--endpoint must be tcp://HOST:PORT (PORT * = any free port) or ipc://PATH, got '" +
                       o->endpoint + "'");
    std::unique_ptr<TwinServer> server;
    try {
      server = std::make_unique<TwinServer>(config);
    } catch (const std::exception& e) {
      throw UsageError("cannot start the twin on " + o->endpoint + ": " + e.what());
    }
    g_server.store(server.get());
    struct sigaction action {};
    action.sa_handler = on_signal;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGTERM, &action, nullptr);
    std::string faults;
    for (const auto& f : config.scenario.active_faults()) faults += (faults.empty() ? "" : ", ") + f;
    std::printf("wambench twin: listening on %s (control %.3g Hz, time scale %.3g, faults: %s)\n",
                server->endpoint().c_str(), config.scenario.control_hz, config.scenario.time_scale,
                faults.empty() ? "none" : faults.c_str());
    std::fflush(stdout);
    server->run();
    g_server.store(nullptr);
    std::printf("wambench twin: stopped\n");
    return 0;
  };
}

}  // namespace wambench::cli
