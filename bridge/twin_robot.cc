#include "bridge/twin_robot.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <sstream>
#include <thread>
#include <vector>

#include <mujoco/mujoco.h>
#include <spdlog/spdlog.h>
#include <zmq.hpp>

#include "bridge/sim_robot.h"

namespace wambench {
namespace {

[[noreturn]] void config_error(const std::string& key, const std::string& what) {
  throw RobotFault(RobotFault::Kind::kConfig, "twin robot config: '" + key + "' " + what);
}

double positive(const nlohmann::json& j, const std::string& key) {
  if (!j.is_number() || !std::isfinite(j.get<double>()) || j.get<double>() <= 0)
    config_error(key, "must be a number > 0 (seconds), got " + j.dump());
  return j.get<double>();
}

RobotFault::Kind kind_from_string(const std::string& s) {
  for (RobotFault::Kind k : {RobotFault::Kind::kDisconnected, RobotFault::Kind::kTimeout,
                             RobotFault::Kind::kStaleObservation, RobotFault::Kind::kProtocol,
                             RobotFault::Kind::kHardware, RobotFault::Kind::kEmergencyStop, RobotFault::Kind::kConfig})
    if (s == to_string(k)) return k;
  return RobotFault::Kind::kHardware;
}

std::string fmt_s(double s) {
  std::ostringstream o;
  o.precision(2);
  o << std::fixed << s;
  return o.str();
}

nlohmann::json summary_ms(std::vector<double> v) {
  if (v.empty()) return {{"n", 0}};
  std::sort(v.begin(), v.end());
  return {{"n", v.size()}, {"min", v.front() * 1000.0}, {"p50", v[v.size() / 2] * 1000.0}, {"max", v.back() * 1000.0}};
}

struct Received {
  TwinMessage message;
  double local_s = 0;  // bridge_clock_s() at receipt
};

}  // namespace

TwinRobotConfig twin_robot_config_from_json(const nlohmann::json& j) {
  if (!j.is_object()) throw RobotFault(RobotFault::Kind::kConfig, "twin robot config: the \"twin\" entry must be a JSON object");
  TwinRobotConfig c;
  for (const auto& [key, value] : j.items()) {
    if (key == "endpoint") {
      if (!value.is_string() || value.get<std::string>().empty())
        config_error(key, "must be a ZeroMQ endpoint string such as \"tcp://127.0.0.1:5560\"");
      c.endpoint = value.get<std::string>();
    } else if (key == "observe_timeout_s") {
      c.observe_timeout_s = positive(value, key);
    } else if (key == "request_timeout_s") {
      c.request_timeout_s = positive(value, key);
    } else if (key == "start_episode_timeout_s") {
      c.start_episode_timeout_s = positive(value, key);
    } else if (key == "clock_sync_rounds") {
      if (!value.is_number_integer() || value.get<int64_t>() < 1 || value.get<int64_t>() > 100)
        config_error(key, "must be an integer in 1..100, got " + value.dump());
      c.clock_sync_rounds = value.get<int>();
    } else if (key == "mirror") {
      if (!value.is_boolean()) config_error(key, "must be true or false, got " + value.dump());
      c.mirror = value.get<bool>();
    } else {
      config_error(key, "is not a valid key (valid: endpoint, observe_timeout_s, request_timeout_s, "
                        "start_episode_timeout_s, clock_sync_rounds, mirror)");
    }
  }
  return c;
}

struct TwinRobot::Impl {
  TwinRobotConfig config;
  zmq::context_t context{1};
  zmq::socket_t dealer{context, zmq::socket_type::dealer};  // owned by the I/O thread once started
  zmq::socket_t pipe_in{context, zmq::socket_type::pair};   // I/O thread's end of the pipe
  zmq::socket_t pipe_out{context, zmq::socket_type::pair};  // callers' end, under send_mutex
  std::mutex send_mutex;
  std::thread io;
  std::atomic<bool> stopping{false};

  // Shared with the I/O thread, under `mutex`.
  mutable std::mutex mutex;
  std::condition_variable cv;
  std::deque<Received> observations;  // of the current episode, not yet taken by observe()
  std::map<uint64_t, Received> replies;
  double last_heard = -1e300;  // bridge_clock_s() of the last message from the twin
  std::string protocol_error;
  uint64_t episode = 0;        // token of the current episode (0 = none)
  int64_t observations_received = 0;

  std::atomic<uint64_t> next_id{1};
  std::atomic<uint64_t> command_episode{0};  // token commands are sent with (read by hold())

  // Control thread only.
  std::mt19937_64 token_rng{std::random_device{}()};
  double offset = 0;  // twin time - bridge clock
  double best_rtt = 0;
  nlohmann::json info = nlohmann::json::object();
  std::unique_ptr<SimRobot> mirror;
  double mirror_hz = 0;
  bool started = false;
  int64_t last_returned = -1;
  uint64_t mirror_sequence = 0;
  TwinObservation last;
  bool have_last = false;
  nlohmann::json twin_final_stats;  // from end_episode's reply
  int64_t returned = 0, skipped = 0, commands_sent = 0, holds_sent = 0;
  std::vector<double> ages_s, command_latency_s;
  mutable std::mutex sent_mutex;
  std::map<uint64_t, double> sent_at;  // command id -> bridge_clock_s() it was sent (recent ones)

  void io_loop() {
    zmq::pollitem_t items[] = {{static_cast<void*>(dealer), 0, ZMQ_POLLIN, 0},
                               {static_cast<void*>(pipe_in), 0, ZMQ_POLLIN, 0}};
    while (!stopping.load()) {
      try {
        zmq::poll(items, 2, std::chrono::milliseconds(50));
      } catch (const zmq::error_t& e) {
        if (e.num() == ETERM) return;
        continue;
      }
      while (true) {
        zmq::message_t out;
        if (!pipe_in.recv(out, zmq::recv_flags::dontwait)) break;
        if (out.size() == 0) continue;  // a wake-up
        // Not connected (ZMQ_IMMEDIATE): the message is lost, as on a real link; requests retry.
        (void)dealer.send(out, zmq::send_flags::dontwait);
      }
      while (true) {
        zmq::message_t in;
        if (!dealer.recv(in, zmq::recv_flags::dontwait)) break;
        const double now = bridge_clock_s();
        Received r;
        r.local_s = now;
        std::string error;
        try {
          r.message = decode_twin_message(static_cast<const char*>(in.data()), in.size());
        } catch (const RobotFault& e) {
          error = e.what();
        }
        std::lock_guard<std::mutex> lock(mutex);
        last_heard = now;
        if (!error.empty()) {
          protocol_error = error;
        } else if (r.message.type == TwinMessageType::kObservation) {
          if (r.message.episode == episode && episode != 0) {
            // Only the newest is returned: older ones keep what the mirror needs, not their images.
            if (!observations.empty()) observations.back().message.observation.observation.images.clear();
            observations.push_back(std::move(r));
            ++observations_received;
          }
        } else if (r.message.type == TwinMessageType::kReply) {
          replies[r.message.id] = std::move(r);
          // Replies nobody waits for any more (a retried request answered twice) are dropped.
          while (replies.size() > 64) replies.erase(replies.begin());
        } else {
          protocol_error = std::string("twin robot: unexpected '") + to_string(r.message.type) + "' message from the twin";
        }
        cv.notify_all();
      }
    }
  }

  void send(const TwinMessage& m) {
    const std::string bytes = encode_twin_message(m);
    std::lock_guard<std::mutex> lock(send_mutex);
    pipe_out.send(zmq::buffer(bytes), zmq::send_flags::dontwait);
  }

  // Sends a request (a fresh id per try) until a reply to any try arrives or `deadline` passes.
  std::optional<Received> request(TwinMessage m, double deadline, double per_try_s) {
    std::set<uint64_t> ids;
    while (bridge_clock_s() < deadline) {
      m.id = next_id.fetch_add(1);
      ids.insert(m.id);
      send(m);
      const double try_end = std::min(deadline, bridge_clock_s() + per_try_s);
      std::unique_lock<std::mutex> lock(mutex);
      while (true) {
        for (uint64_t id : ids) {
          auto it = replies.find(id);
          if (it != replies.end()) {
            Received r = std::move(it->second);
            for (uint64_t other : ids) replies.erase(other);
            return r;
          }
        }
        const double left = try_end - bridge_clock_s();
        if (left <= 0) break;
        cv.wait_for(lock, std::chrono::duration<double>(std::min(left, 0.05)));
      }
    }
    std::lock_guard<std::mutex> lock(mutex);
    for (uint64_t other : ids) replies.erase(other);
    return std::nullopt;
  }

  void check_mirror(uint64_t sequence, uint64_t twin_hash) {
    const TaskEnv* env = mirror->privileged();
    const uint64_t h = fnv1a64(env->env().data()->qpos, sizeof(mjtNum) * env->env().model()->nq);
    if (h != twin_hash)
      throw RobotFault(RobotFault::Kind::kProtocol,
                       "twin robot: the mirror diverged from the twin at sequence " + std::to_string(sequence) +
                           " (qpos hash " + std::to_string(h) + " here, " + std::to_string(twin_hash) +
                           " on the twin): same build, same task assets and control_hz are required");
  }

  // Executes on the mirror the action the twin applied to reach observation `o`.
  void follow(const TwinObservation& o) {
    if (!mirror) return;
    if (o.sequence <= mirror_sequence) return;
    if (o.sequence != mirror_sequence + 1)
      throw RobotFault(RobotFault::Kind::kDisconnected,
                       "twin robot: observations " + std::to_string(mirror_sequence + 1) + ".." +
                           std::to_string(o.sequence - 1) + " never arrived (lost connection); the mirror cannot follow");
    RobotCommand c;
    c.action = o.applied_action;
    mirror->command(c);
    mirror_sequence = o.sequence;
    check_mirror(o.sequence, o.state_hash);
  }

  TimedObservation convert(const TwinObservation& o) const {
    TimedObservation t;
    t.observation = o.observation;
    t.state_stamp_s = o.state_stamp_s - offset;
    for (const auto& [camera, stamp] : o.image_stamp_s) t.image_stamp_s[camera] = stamp - offset;
    t.sequence = o.sequence;
    return t;
  }

  void note_applied(const TwinObservation& o) {
    if (o.applied_command_id == 0) return;
    std::lock_guard<std::mutex> lock(sent_mutex);
    auto it = sent_at.find(o.applied_command_id);
    if (it == sent_at.end()) return;
    command_latency_s.push_back(o.applied_command_received_s - offset - it->second);
    sent_at.erase(sent_at.begin(), std::next(it));
  }

  void send_command(const RobotCommand& c, bool hold) {
    TwinMessage m;
    m.type = TwinMessageType::kCommand;
    m.id = next_id.fetch_add(1);
    m.episode = command_episode.load();
    m.command.action = c.action;
    m.command.hold = hold;
    m.command.answers_sequence = c.answers_sequence;
    {
      std::lock_guard<std::mutex> lock(sent_mutex);
      sent_at[m.id] = bridge_clock_s();
      if (sent_at.size() > 4096) sent_at.erase(sent_at.begin());
    }
    send(m);
  }

  double heard_ago() const {
    std::lock_guard<std::mutex> lock(mutex);
    return bridge_clock_s() - last_heard;
  }
};

TwinRobot::TwinRobot(const TwinRobotConfig& config) : impl_(std::make_unique<Impl>()) {
  if (!(config.observe_timeout_s > 0) || !(config.request_timeout_s > 0) || !(config.start_episode_timeout_s > 0))
    throw RobotFault(RobotFault::Kind::kConfig, "twin robot config: time limits must be > 0 s");
  if (config.clock_sync_rounds < 1 || config.clock_sync_rounds > 100)
    throw RobotFault(RobotFault::Kind::kConfig, "twin robot config: clock_sync_rounds must be in 1..100");
  Impl& s = *impl_;
  s.config = config;
  try {
    s.dealer.set(zmq::sockopt::linger, 0);
    s.dealer.set(zmq::sockopt::immediate, 1);
    s.dealer.connect(config.endpoint);
    std::ostringstream pipe;
    pipe << "inproc://twin-robot-" << static_cast<const void*>(this);
    s.pipe_in.bind(pipe.str());
    s.pipe_out.connect(pipe.str());
    s.pipe_out.set(zmq::sockopt::linger, 0);
    s.pipe_in.set(zmq::sockopt::linger, 0);
  } catch (const zmq::error_t& e) {
    throw RobotFault(RobotFault::Kind::kConfig,
                     "twin robot: cannot connect to endpoint '" + config.endpoint + "': " + e.what() +
                         " (valid: e.g. tcp://127.0.0.1:5560)");
  }
  s.io = std::thread([&s] { s.io_loop(); });
}

TwinRobot::~TwinRobot() {
  impl_->stopping.store(true);
  if (impl_->io.joinable()) impl_->io.join();
}

void TwinRobot::start_episode(const EpisodeSetup& setup) {
  Impl& s = *impl_;
  const double begin = bridge_clock_s();
  const double deadline = begin + s.config.start_episode_timeout_s;
  uint64_t token = 0;
  while (token == 0) token = s.token_rng();
  {
    std::lock_guard<std::mutex> lock(s.mutex);
    s.episode = token;
    s.observations.clear();
    s.protocol_error.clear();
  }
  s.command_episode.store(token);
  s.started = false;
  s.have_last = false;
  s.last_returned = -1;
  s.returned = s.skipped = s.commands_sent = s.holds_sent = 0;
  s.ages_s.clear();
  s.command_latency_s.clear();
  s.twin_final_stats = nullptr;
  {
    std::lock_guard<std::mutex> lock(s.sent_mutex);
    s.sent_at.clear();
  }

  // Clock offset: the round trip with the smallest delay (retried until the twin answers).
  bool synced = false;
  while (!synced && bridge_clock_s() < deadline) {
    double best = 1e300;
    for (int round = 0; round < s.config.clock_sync_rounds && bridge_clock_s() < deadline; ++round) {
      TwinMessage hello;
      hello.type = TwinMessageType::kHello;
      const double t0 = bridge_clock_s();
      auto r = s.request(hello, std::min(deadline, t0 + s.config.request_timeout_s), s.config.request_timeout_s);
      const double t1 = bridge_clock_s();
      if (!r) break;
      if (t1 - t0 < best) {
        best = t1 - t0;
        s.offset = r->message.twin_time_s - 0.5 * (t0 + t1);
        s.best_rtt = best;
        s.info = r->message.info;
      }
      synced = true;
    }
  }
  if (!synced)
    throw RobotFault(RobotFault::Kind::kDisconnected, "twin robot: the twin at " + s.config.endpoint +
                                                          " did not answer for " + fmt_s(bridge_clock_s() - begin) +
                                                          " s (start_episode_timeout_s)");

  // The mirror is reset before the twin starts (compiling a task's scene takes a while).
  if (s.config.mirror) {
    const double hz = s.info.value("control_hz", 10.0);
    if (!s.mirror || s.mirror_hz != hz) {
      EnvConfig env;
      env.render = false;
      env.control_frequency_hz = hz;
      s.mirror = std::make_unique<SimRobot>(env);
      s.mirror_hz = hz;
    }
    s.mirror->start_episode(setup);
    s.mirror_sequence = 0;
  }

  TwinMessage start;
  start.type = TwinMessageType::kStartEpisode;
  start.episode = token;
  start.setup = setup;
  auto r = s.request(start, deadline, s.config.request_timeout_s);
  if (!r)
    throw RobotFault(RobotFault::Kind::kDisconnected, "twin robot: the twin at " + s.config.endpoint +
                                                          " did not start the episode within " +
                                                          fmt_s(bridge_clock_s() - begin) + " s (start_episode_timeout_s)");
  if (!r->message.ok) throw RobotFault(kind_from_string(r->message.error_kind), r->message.error);
  if (!r->message.has_observation || r->message.observation.sequence != 0)
    throw RobotFault(RobotFault::Kind::kProtocol, "twin robot: the twin's start_episode reply lacks observation 0");

  if (s.config.mirror) s.check_mirror(0, r->message.observation.state_hash);
  {
    std::lock_guard<std::mutex> lock(s.mutex);
    s.observations.push_front(std::move(*r));
  }
  s.started = true;
}

TimedObservation TwinRobot::observe() {
  Impl& s = *impl_;
  if (!s.started) throw RobotFault(RobotFault::Kind::kConfig, "twin robot: observe() before start_episode()");
  const double begin = bridge_clock_s();
  const double deadline = begin + s.config.observe_timeout_s;
  std::vector<Received> taken;
  {
    std::unique_lock<std::mutex> lock(s.mutex);
    auto ready = [&] {
      if (!s.protocol_error.empty()) return true;
      for (const Received& r : s.observations)
        if (static_cast<int64_t>(r.message.observation.sequence) > s.last_returned) return true;
      return false;
    };
    while (!ready()) {
      const double left = deadline - bridge_clock_s();
      if (left <= 0) break;
      s.cv.wait_for(lock, std::chrono::duration<double>(left));
    }
    if (!s.protocol_error.empty()) throw RobotFault(RobotFault::Kind::kProtocol, s.protocol_error);
    for (Received& r : s.observations)
      if (static_cast<int64_t>(r.message.observation.sequence) > s.last_returned) taken.push_back(std::move(r));
    s.observations.clear();
    if (taken.empty()) {
      const double now = bridge_clock_s();
      const double ago = now - s.last_heard;
      const bool silent = ago >= s.config.observe_timeout_s;
      throw RobotFault(silent ? RobotFault::Kind::kDisconnected : RobotFault::Kind::kTimeout,
                       "twin robot: no new observation from " + s.config.endpoint + " after waiting " +
                           fmt_s(now - begin) + " s (observe_timeout_s " + fmt_s(s.config.observe_timeout_s) +
                           "); last message from the twin " + (ago > 1e9 ? std::string("never") : fmt_s(ago) + " s ago"));
    }
  }
  std::sort(taken.begin(), taken.end(), [](const Received& a, const Received& b) {
    return a.message.observation.sequence < b.message.observation.sequence;
  });
  for (const Received& r : taken) {
    s.follow(r.message.observation);
    s.note_applied(r.message.observation);
    if (r.message.observation.sequence > 0)  // observation 0 comes in the start reply, not the stream
      s.ages_s.push_back(r.local_s - (r.message.observation.state_stamp_s - s.offset));
  }
  s.skipped += static_cast<int64_t>(taken.size()) - 1;
  ++s.returned;
  s.last = std::move(taken.back().message.observation);
  s.have_last = true;
  s.last_returned = static_cast<int64_t>(s.last.sequence);
  return s.convert(s.last);
}

void TwinRobot::command(const RobotCommand& command) {
  Impl& s = *impl_;
  for (double v : command.action)
    if (!std::isfinite(v)) throw std::invalid_argument("twin robot: command with a NaN / Inf action component");
  if (!s.started) throw RobotFault(RobotFault::Kind::kConfig, "twin robot: command() before start_episode()");
  const double ago = s.heard_ago();
  if (ago > s.config.observe_timeout_s)
    throw RobotFault(RobotFault::Kind::kDisconnected, "twin robot: nothing from " + s.config.endpoint + " for " +
                                                          fmt_s(ago) + " s; command not sent");
  s.send_command(command, command.hold);
  ++s.commands_sent;
}

void TwinRobot::hold() noexcept {
  try {
    RobotCommand c;
    c.hold = true;
    impl_->send_command(c, true);
  } catch (const std::exception& e) {
    spdlog::error("twin robot: could not send a hold: {}", e.what());
  }
}

void TwinRobot::end_episode() noexcept {
  Impl& s = *impl_;
  try {
    const uint64_t token = s.command_episode.load();
    if (token == 0) return;
    TwinMessage end;
    end.type = TwinMessageType::kEndEpisode;
    end.episode = token;
    auto r = s.request(end, bridge_clock_s() + s.config.request_timeout_s, s.config.request_timeout_s);
    if (r && r->message.ok && !r->message.info.empty()) s.twin_final_stats = r->message.info;
    if (!r) spdlog::warn("twin robot: the twin did not confirm the end of the episode within {} s", s.config.request_timeout_s);
    std::lock_guard<std::mutex> lock(s.mutex);
    s.episode = 0;
    s.observations.clear();
  } catch (const std::exception& e) {
    spdlog::error("twin robot: end_episode: {}", e.what());
  }
}

std::optional<bool> TwinRobot::success() const {
  if (!impl_->have_last) return std::nullopt;
  return impl_->last.success;
}

std::optional<int> TwinRobot::progress() const {
  if (!impl_->have_last) return std::nullopt;
  return impl_->last.progress;
}

const TaskEnv* TwinRobot::privileged() const {
  if (!impl_->mirror || !impl_->started) return nullptr;
  return impl_->mirror->privileged();
}

nlohmann::json TwinRobot::episode_stats() const {
  const Impl& s = *impl_;
  int64_t received = 0;
  {
    std::lock_guard<std::mutex> lock(s.mutex);
    received = s.observations_received;
  }
  std::vector<double> latency;
  {
    std::lock_guard<std::mutex> lock(s.sent_mutex);
    latency = s.command_latency_s;
  }
  nlohmann::json client = {{"endpoint", s.config.endpoint},
                           {"observations_received_total", received},
                           {"observations_returned", s.returned},
                           {"observations_skipped", s.skipped},
                           {"commands_sent", s.commands_sent},
                           {"clock_offset_s", s.offset},
                           {"clock_sync_rtt_ms", s.best_rtt * 1000.0},
                           {"observation_age_at_receipt_ms", summary_ms(s.ages_s)},
                           {"command_latency_ms", summary_ms(latency)},
                           {"mirror", s.mirror != nullptr && s.config.mirror}};
  nlohmann::json twin = s.twin_final_stats.is_object() ? s.twin_final_stats
                        : s.have_last                  ? s.last.stats
                                                       : nlohmann::json::object();
  return {{"client", client}, {"twin", twin}};
}

const TwinObservation& TwinRobot::last_twin_observation() const { return impl_->last; }
double TwinRobot::clock_offset_s() const { return impl_->offset; }
nlohmann::json TwinRobot::twin_info() const { return impl_->info; }

}  // namespace wambench
