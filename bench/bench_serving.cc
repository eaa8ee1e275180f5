// Cost of serving a policy over openpi's websocket protocol: one loopback round trip (client
// encode -> websocket -> server decode -> policy -> encode -> client decode) with a 2 x 224 x 224 x 3
// uint8 image observation + 22-value state + prompt, against a policy that returns a fixed 10 x 7
// chunk, versus calling that policy in process. The difference is the added latency per query
// (goal: <= 2 ms).
#include <benchmark/benchmark.h>

#include <thread>

#include "policies/policy.h"
#include "serving/mapping.h"
#include "serving/websocket.h"

namespace {

using namespace wambench;
namespace sv = wambench::serving;

class FixedChunkPolicy final : public Policy {
 public:
  std::string name() const override { return "fixed"; }
  void reset(const EpisodeInfo&) override {}
  PolicyOutput act(const Observation& obs) override {
    PolicyOutput out;
    const double g = obs.gripper_opening_m > 0.04 ? 1.0 : -1.0;
    out.chunk.assign(10, Action{0.1, 0, -0.1, 0, 0, 0, g});
    return out;
  }
};

Observation observation() {
  Observation obs;
  for (const char* cam : {"front", "wrist"}) {
    Image im(224, 224);
    for (size_t i = 0; i < im.rgb.size(); ++i) im.rgb[i] = static_cast<uint8_t>(i * 13);
    obs.images[cam] = im;
  }
  obs.ee_quat_wxyz = {1, 0, 0, 0};
  return obs;
}

class PolicyHandler final : public sv::Handler {
 public:
  sv::Map handle(const sv::Map& request) override {
    std::string prompt;
    const Observation obs = sv::decode_observation(request, sv::observation_layout("wambench"), &prompt);
    const PolicyOutput out = policy_.act(obs);
    std::vector<double> v;
    for (const Action& a : out.chunk) v.insert(v.end(), a.begin(), a.end());
    return {{"actions", sv::Value(sv::NdArray::from_doubles(v, {10, 7}, "<f8"))}};
  }

 private:
  FixedChunkPolicy policy_;
};

void BM_InProcess(benchmark::State& state) {
  FixedChunkPolicy policy;
  const Observation obs = observation();
  for (auto _ : state) benchmark::DoNotOptimize(policy.act(obs));
}
BENCHMARK(BM_InProcess)->Unit(benchmark::kMillisecond);

void BM_LoopbackRoundTrip(benchmark::State& state) {
  sv::Server server("127.0.0.1", 0, {}, [] { return std::make_unique<PolicyHandler>(); });
  std::thread runner([&] { server.run(); });
  {
    sv::Client client("ws://127.0.0.1:" + std::to_string(server.port()), 30.0, 0);
    const Observation obs = observation();
    const sv::ObservationLayout layout = sv::observation_layout("wambench");
    for (auto _ : state) {
      const sv::Map request = sv::encode_observation(obs, "put the red mug in the bowl", layout);
      benchmark::DoNotOptimize(sv::decode_actions(client.infer(request), sv::ActionMapping{}));
    }
    state.SetBytesProcessed(state.iterations() * 2 * 224 * 224 * 3);
  }
  server.stop();
  runner.join();
}
BENCHMARK(BM_LoopbackRoundTrip)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
