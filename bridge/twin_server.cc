#include "bridge/twin_server.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <deque>
#include <fstream>
#include <optional>
#include <random>
#include <set>
#include <vector>

#include <mujoco/mujoco.h>
#include <spdlog/spdlog.h>
#include <zmq.hpp>

#include "bridge/sim_robot.h"
#include "bridge/twin_protocol.h"

namespace wambench {
namespace {

constexpr double kPi = 3.14159265358979323846;

double steady_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// A FIFO link with a random delay per message (LatencySpec).
struct Link {
  LatencySpec spec;
  std::mt19937_64 rng;
  double last_delivery = -1e300;
  double sum_ms = 0, max_ms = 0;
  int64_t n = 0;

  // Delivery time of a message sent at `now`.
  double delivery(double now) {
    double ms = 0;
    if (spec.active()) {
      std::uniform_real_distribution<double> u(spec.mean_ms - spec.jitter_ms, spec.mean_ms + spec.jitter_ms);
      ms = std::max(0.0, u(rng));
    }
    sum_ms += ms;
    max_ms = std::max(max_ms, ms);
    ++n;
    last_delivery = std::max(last_delivery, now + ms / 1000.0);
    return last_delivery;
  }
  nlohmann::json stats() const { return {{"mean", n ? sum_ms / n : 0.0}, {"max", max_ms}}; }
};

struct PendingCommand {
  double arrive = 0;    // twin time it counts as arrived (receipt + injected latency)
  double received = 0;  // twin time it was received
  uint64_t id = 0;
  TwinCommand command;
};

// What a tick applies (after the tracking lag).
struct Step {
  bool hold = true;
  Action action{};  // meaningful when !hold
  uint64_t id = 0;
  double received = 0;
};

struct Outbound {
  double send_at = 0;
  std::string bytes;
};

}  // namespace

struct TwinServer::Impl {
  TwinServerConfig config;
  zmq::context_t context{1};
  zmq::socket_t socket{context, zmq::socket_type::router};
  std::string endpoint;
  double clock_origin = steady_s();
  EnvConfig env_config;
  std::unique_ptr<SimRobot> robot;  // made and destroyed on run()'s thread (its GL contexts live there)
  std::set<const mjModel*> calibrated_models;

  // The running episode.
  bool active = false;
  uint64_t token = 0;
  int ordinal = -1;
  EpisodeSetup setup;
  std::string client;  // ZeroMQ identity of the client that started it
  uint64_t sequence = 0;
  double start_time = 0, next_tick = 0;
  bool waiting_first_command = false;  // ticks start with the first command (or after start_grace_s)
  int ticks_without_command = 0;
  bool in_watchdog = false;
  std::deque<PendingCommand> inbox;
  std::deque<Step> lag;
  std::deque<Outbound> outbox;
  Link command_link, observation_link;
  std::mt19937_64 drop_rng, noise_rng;
  std::map<std::string, Image> last_images;
  std::map<std::string, double> last_image_stamps;
  TwinMessage first_reply;  // reply to kStartEpisode (observation 0), resent for a repeated request
  nlohmann::json stats;
  bool outage_seen = false;
  std::array<double, kArmDof> outage_q0{};

  double now() const { return steady_s() - clock_origin; }
  std::array<double, kArmDof> arm_joints() const {
    const Env& env = robot->privileged()->env();
    return env.controller().joint_pos_rad(env.data());
  }
  double period() const { return config.scenario.period_s(); }

  bool in_outage(double t) const {
    const DisconnectSpec& d = config.scenario.disconnect;
    if (!active || !d.applies_to(ordinal)) return false;
    const double rel = t - start_time;
    return rel >= d.at_s && rel < d.at_s + d.duration_s;
  }

  void send(const std::string& identity, const std::string& bytes) {
    socket.send(zmq::buffer(identity), zmq::send_flags::sndmore);
    socket.send(zmq::buffer(bytes), zmq::send_flags::dontwait);
  }

  void reply_error(const std::string& identity, uint64_t id, const std::string& kind, const std::string& what) {
    TwinMessage r;
    r.type = TwinMessageType::kReply;
    r.id = id;
    r.ok = false;
    r.error = what;
    r.error_kind = kind;
    r.twin_time_s = now();
    send(identity, encode_twin_message(r));
  }

  nlohmann::json info() const {
    return {{"protocol", kTwinProtocolVersion},     {"control_hz", config.scenario.control_hz},
            {"time_scale", config.scenario.time_scale}, {"period_s", period()},
            {"cameras", config.cameras},             {"image_size", config.image_size},
            {"scenario", config.scenario.to_json()}};
  }

  void finish_episode(const char* why) {
    if (!active) return;
    active = false;
    outbox.clear();
    inbox.clear();
    stats["ticks"] = sequence;
    stats["ended_by"] = why;
    command_link_stats();
    spdlog::info("twin: episode {} ({} {} #{}) ended by {} after {} ticks: {}", ordinal, setup.task, setup.split,
                 setup.index, why, sequence, stats.dump());
    if (!config.log_path.empty()) {
      std::ofstream log(config.log_path, std::ios::app);
      log << stats.dump() << "\n";
    }
  }

  void command_link_stats() {
    stats["command_latency_ms"] = command_link.stats();
    stats["observation_latency_ms"] = observation_link.stats();
  }

  // Moves the cameras of a freshly compiled task model as the scenario's miscalibration says.
  void calibrate_cameras(TaskEnv& env) {
    mjModel* m = env.env().mutable_model();
    mjData* d = env.env().mutable_data();
    if (calibrated_models.count(m)) return;
    for (const auto& [name, err] : config.scenario.camera_miscalibration) {
      const int id = mj_name2id(m, mjOBJ_CAMERA, name.c_str());
      if (id < 0)
        throw RobotFault(RobotFault::Kind::kConfig, "twin scenario: camera_miscalibration names camera '" + name +
                                                        "', which the task's scene does not have");
      mjtNum q_err[4] = {1, 0, 0, 0};
      for (int axis = 0; axis < 3; ++axis) {
        mjtNum a[3] = {0, 0, 0}, q[4], tmp[4];
        a[axis] = 1;
        mju_axisAngle2Quat(q, a, err.rotation_deg[axis] * kPi / 180.0);
        mju_mulQuat(tmp, q_err, q);
        mju_copy4(q_err, tmp);
      }
      if (m->cam_mode[id] != mjCAMLIGHT_FIXED) {
        // A tracking camera (e.g. `front`, mode targetbody): freeze it at its nominal world pose.
        if (m->cam_bodyid[id] != 0)
          throw RobotFault(RobotFault::Kind::kConfig, "twin scenario: camera '" + name +
                                                          "' tracks a target and is not mounted on the world; "
                                                          "miscalibration supports fixed cameras and world-mounted ones");
        mj_camlight(m, d);
        mjtNum nominal[4];
        mju_mat2Quat(nominal, d->cam_xmat + 9 * id);
        m->cam_mode[id] = mjCAMLIGHT_FIXED;
        for (int i = 0; i < 3; ++i) m->cam_pos[3 * id + i] = d->cam_xpos[3 * id + i];
        mju_copy4(m->cam_quat + 4 * id, nominal);
      }
      for (int i = 0; i < 3; ++i) m->cam_pos[3 * id + i] += err.translation_m[i];
      mjtNum rotated[4];
      mju_mulQuat(rotated, m->cam_quat + 4 * id, q_err);
      mju_normalize4(rotated);
      mju_copy4(m->cam_quat + 4 * id, rotated);
      m->cam_fovy[id] += err.fovy_error_deg;
      if (m->cam_fovy[id] <= 0 || m->cam_fovy[id] >= 180)
        throw RobotFault(RobotFault::Kind::kConfig, "twin scenario: camera '" + name + "' fovy error leaves fovy " +
                                                        std::to_string(m->cam_fovy[id]) + " deg, outside (0, 180)");
    }
    mj_camlight(m, d);
    calibrated_models.insert(m);
  }

  // Observation of the current state with the scenario's noise and frame drops, stamped `t`.
  TwinObservation make_observation(double t) {
    TimedObservation timed = robot->observe();
    TwinObservation o;
    o.observation = std::move(timed.observation);
    o.sequence = sequence;
    o.state_stamp_s = t;
    const TaskEnv& env = *robot->privileged();
    o.state_hash = fnv1a64(env.env().data()->qpos, sizeof(mjtNum) * env.env().model()->nq);
    o.success = env.status().success;
    o.progress = env.status().progress;
    // Frame drops: the previous image with its old stamp.
    const double p = config.scenario.frame_drop_probability;
    for (auto& [camera, image] : o.observation.images) {
      bool drop = false;
      if (p > 0 && sequence > 0) drop = std::bernoulli_distribution(p)(drop_rng);
      if (sequence > 0) stats["frames_total"] = stats["frames_total"].get<int64_t>() + 1;
      if (drop && last_images.count(camera)) {
        image = last_images[camera];
        o.image_stamp_s[camera] = last_image_stamps[camera];
        auto& n = stats["frames_dropped"][camera];
        n = n.is_number() ? n.get<int64_t>() + 1 : 1;
      } else {
        last_images[camera] = image;
        last_image_stamps[camera] = t;
        o.image_stamp_s[camera] = t;
      }
    }
    const SensorNoiseSpec& n = config.scenario.sensor_noise;
    if (n.active()) {
      std::normal_distribution<double> g(0.0, 1.0);
      for (double& v : o.observation.ee_pos_m) v += n.ee_pos_std_m * g(noise_rng);
      for (double& v : o.observation.joint_pos_rad) v += n.joint_pos_std_rad * g(noise_rng);
      o.observation.gripper_opening_m = std::max(0.0, o.observation.gripper_opening_m + n.gripper_std_m * g(noise_rng));
    }
    return o;
  }

  void start_episode(const std::string& identity, const TwinMessage& request) {
    if (active && request.episode == token) {  // a retried request: the episode is already running
      TwinMessage r = first_reply;
      r.id = request.id;
      r.twin_time_s = now();
      send(identity, encode_twin_message(r));
      return;
    }
    finish_episode("start_episode");
    try {
      robot->start_episode(request.setup);
      calibrate_cameras(*robot->task_env());
    } catch (const RobotFault& e) {
      reply_error(identity, request.id, to_string(e.kind()), e.what());
      return;
    } catch (const std::exception& e) {
      reply_error(identity, request.id, "config", std::string("twin: ") + e.what());
      return;
    }
    active = true;
    token = request.episode;
    ++ordinal;
    setup = request.setup;
    client = identity;
    sequence = 0;
    in_watchdog = false;
    inbox.clear();
    lag.clear();
    outbox.clear();
    last_images.clear();
    last_image_stamps.clear();
    outage_seen = false;
    const uint64_t base = config.scenario.seed * 0x9E3779B97F4A7C15ull + static_cast<uint64_t>(ordinal);
    command_link = Link{config.scenario.command_latency, std::mt19937_64(base ^ 0x1111), -1e300, 0, 0, 0};
    observation_link = Link{config.scenario.observation_latency, std::mt19937_64(base ^ 0x2222), -1e300, 0, 0, 0};
    drop_rng.seed(base ^ 0x3333);
    noise_rng.seed(base ^ 0x4444);
    stats = {{"episode", ordinal},
             {"task", setup.task},
             {"split", setup.split},
             {"index", setup.index},
             {"ticks", 0},
             {"faults", config.scenario.active_faults()},
             {"commands_received", 0},
             {"commands_applied", 0},
             {"commands_superseded", 0},
             {"commands_other_episode", 0},
             {"watchdog_holds", 0},
             {"watchdog_events", 0},
             {"frames_total", 0},
             {"frames_dropped", nlohmann::json::object()},
             {"observations_sent", 0},
             {"observations_lost", 0},
             {"overruns", 0},
             {"disconnect", nullptr}};
    const double t = now();
    TwinMessage r;
    r.type = TwinMessageType::kReply;
    r.id = request.id;
    r.episode = token;
    r.has_observation = true;
    r.observation = make_observation(t);
    r.observation.stats = stats;
    first_reply = r;
    start_time = now();
    ticks_without_command = 0;
    waiting_first_command = true;
    next_tick = start_time + std::max(period(), config.scenario.start_grace_s);
    r.twin_time_s = start_time;
    send(identity, encode_twin_message(r));
    spdlog::info("twin: episode {} started: {} {} #{} (token {})", ordinal, setup.task, setup.split, setup.index, token);
  }

  void handle(const std::string& identity, const std::string& payload) {
    const double t = now();
    TwinMessage m;
    try {
      m = decode_twin_message(payload.data(), payload.size());
    } catch (const RobotFault& e) {
      spdlog::warn("twin: dropped a malformed message ({} bytes): {}", payload.size(), e.what());
      return;
    }
    if (in_outage(t)) {
      auto& d = stats["disconnect"];
      if (d.is_object()) d["messages_discarded"] = d["messages_discarded"].get<int64_t>() + 1;
      return;
    }
    switch (m.type) {
      case TwinMessageType::kHello: {
        TwinMessage r;
        r.type = TwinMessageType::kReply;
        r.id = m.id;
        r.info = info();
        r.twin_time_s = now();
        send(identity, encode_twin_message(r));
        break;
      }
      case TwinMessageType::kStartEpisode: start_episode(identity, m); break;
      case TwinMessageType::kEndEpisode: {
        TwinMessage r;
        r.type = TwinMessageType::kReply;
        r.id = m.id;
        r.episode = m.episode;
        if (active && m.episode == token) {
          finish_episode("end_episode");
          r.info = stats;
        }
        r.twin_time_s = now();
        send(identity, encode_twin_message(r));
        break;
      }
      case TwinMessageType::kCommand: {
        if (!active || m.episode != token) {
          if (active) stats["commands_other_episode"] = stats["commands_other_episode"].get<int64_t>() + 1;
          break;
        }
        stats["commands_received"] = stats["commands_received"].get<int64_t>() + 1;
        PendingCommand c;
        c.received = t;
        c.arrive = command_link.delivery(t);
        c.id = m.id;
        c.command = m.command;
        inbox.push_back(c);
        if (waiting_first_command) {  // the loop is running: tick 1 applies this command
          waiting_first_command = false;
          next_tick = std::max(start_time + period(), c.arrive);
        }
        break;
      }
      case TwinMessageType::kReply:
      case TwinMessageType::kObservation:
        spdlog::warn("twin: ignored a '{}' message from a client", to_string(m.type));
        break;
    }
  }

  // Lockstep: the tick is due but the command answering the newest observation has not arrived yet
  // (and the wait is within lockstep_timeout_s).
  bool lockstep_waiting(double t) const {
    if (!config.scenario.lockstep || !active || t < next_tick) return false;
    if (t >= next_tick + config.scenario.lockstep_timeout_s) return false;
    if (in_outage(t)) return false;
    for (const PendingCommand& c : inbox)
      if (c.command.answers_sequence >= sequence && c.arrive <= t) return false;
    return true;
  }

  // Running mean and max (ms) of a duration in the episode's stats.
  void add_time(const char* key, double seconds) {
    nlohmann::json& e = stats[key];
    if (!e.is_object()) e = {{"mean", 0.0}, {"max", 0.0}, {"n", 0}};
    const int64_t n = e["n"].get<int64_t>() + 1;
    const double ms = seconds * 1000.0;
    e["mean"] = e["mean"].get<double>() + (ms - e["mean"].get<double>()) / static_cast<double>(n);
    e["max"] = std::max(e["max"].get<double>(), ms);
    e["n"] = n;
  }

  void tick(double t) {
    waiting_first_command = false;
    ++sequence;
    const bool outage = in_outage(t);
    std::optional<PendingCommand> chosen;
    while (!inbox.empty() && inbox.front().arrive <= t) {
      if (chosen) stats["commands_superseded"] = stats["commands_superseded"].get<int64_t>() + 1;
      chosen = inbox.front();
      inbox.pop_front();
    }
    if (outage) {
      inbox.clear();
      lag.clear();
      chosen.reset();
    }
    ticks_without_command = chosen ? 0 : ticks_without_command + 1;
    const bool watchdog = ticks_without_command >= config.scenario.watchdog_periods;
    if (watchdog) {
      stats["watchdog_holds"] = stats["watchdog_holds"].get<int64_t>() + 1;
      if (!in_watchdog) {
        stats["watchdog_events"] = stats["watchdog_events"].get<int64_t>() + 1;
        spdlog::info("twin: watchdog hold at tick {}: no command for {} periods", sequence, ticks_without_command);
      }
    }
    in_watchdog = watchdog;

    Step step;
    if (chosen) {
      step.hold = chosen->command.hold;
      step.action = chosen->command.action;
      step.id = chosen->id;
      step.received = chosen->received;
    }
    Step apply;
    if (outage) {
      apply = Step{};
    } else if (config.scenario.tracking_lag_periods > 0) {
      lag.push_back(step);
      if (static_cast<int>(lag.size()) > config.scenario.tracking_lag_periods) {
        apply = lag.front();
        lag.pop_front();
      }
    } else {
      apply = step;
    }
    Action action = apply.action;
    if (apply.hold) {  // make_hold_command's action: zero motion, the controller's latch repeated
      action.fill(0.0);
      action[6] = robot->privileged()->env().controller().gripper_closed() ? 1.0 : -1.0;
    }
    if (apply.id != 0) stats["commands_applied"] = stats["commands_applied"].get<int64_t>() + 1;

    RobotCommand rc;
    rc.action = action;
    rc.hold = apply.hold;
    try {
      robot->command(rc);
    } catch (const std::exception& e) {
      spdlog::error("twin: the simulator failed at tick {}: {}", sequence, e.what());
      stats["error"] = e.what();
      finish_episode("simulation_error");
      return;
    }
    // Stamped when the state exists (after the physics step); rendering is the camera's readout.
    const double captured = now();
    TwinObservation o = make_observation(captured);
    add_time("physics_ms", captured - t);
    add_time("render_ms", now() - captured);
    o.applied_action = action;
    o.applied_hold = apply.hold;
    o.watchdog_hold = watchdog;
    o.applied_command_id = apply.id;
    o.applied_command_received_s = apply.received;

    if (outage) {
      auto& d = stats["disconnect"];
      if (!outage_seen) {
        outage_seen = true;
        outage_q0 = arm_joints();
        d = {{"start_s", t - start_time},
             {"end_s", nullptr},
             {"started_at_sequence", sequence},
             {"ended_at_sequence", nullptr},
             {"held_ticks", 0},
             {"messages_discarded", 0},
             {"observations_lost", 0},
             {"arm_joint_max_change_rad", 0.0}};
        spdlog::info("twin: connection lost at tick {} for {} s (scenario disconnect); holding the arm", sequence,
                     config.scenario.disconnect.duration_s);
      }
      d["held_ticks"] = d["held_ticks"].get<int64_t>() + 1;
      const auto q = arm_joints();
      double change = d["arm_joint_max_change_rad"].get<double>();
      for (int i = 0; i < kArmDof; ++i) change = std::max(change, std::abs(q[i] - outage_q0[i]));
      d["arm_joint_max_change_rad"] = change;
    } else if (outage_seen && stats["disconnect"]["end_s"].is_null()) {
      stats["disconnect"]["end_s"] = t - start_time;
      stats["disconnect"]["ended_at_sequence"] = sequence;
      spdlog::info("twin: connection back at tick {}", sequence);
    }
    stats["ticks"] = sequence;
    command_link_stats();
    o.stats = stats;
    TwinMessage msg;
    msg.type = TwinMessageType::kObservation;
    msg.episode = token;
    msg.has_observation = true;
    msg.observation = std::move(o);
    outbox.push_back({observation_link.delivery(t), encode_twin_message(msg)});
  }

  void flush(double t) {
    while (!outbox.empty() && outbox.front().send_at <= t) {
      if (in_outage(t)) {
        stats["observations_lost"] = stats["observations_lost"].get<int64_t>() + 1;
        auto& d = stats["disconnect"];
        if (d.is_object()) d["observations_lost"] = d["observations_lost"].get<int64_t>() + 1;
      } else {
        send(client, outbox.front().bytes);
        stats["observations_sent"] = stats["observations_sent"].get<int64_t>() + 1;
      }
      outbox.pop_front();
    }
  }
};

TwinServer::TwinServer(const TwinServerConfig& config) : impl_(std::make_unique<Impl>()) {
  if (config.image_size <= 0 || config.image_size > 4096)
    throw std::invalid_argument("twin: image size must be in 1..4096 pixels, got " + std::to_string(config.image_size));
  if (config.cameras.empty()) throw std::invalid_argument("twin: at least one camera is needed");
  impl_->config = config;
  EnvConfig env;
  env.image_height = env.image_width = config.image_size;
  env.cameras = config.cameras;
  env.control_frequency_hz = config.scenario.control_hz;
  impl_->env_config = env;
  impl_->socket.set(zmq::sockopt::linger, 0);
  impl_->socket.set(zmq::sockopt::router_mandatory, 0);
  impl_->socket.bind(config.endpoint);
  impl_->endpoint = impl_->socket.get(zmq::sockopt::last_endpoint);
}

TwinServer::~TwinServer() = default;

std::string TwinServer::endpoint() const { return impl_->endpoint; }

void TwinServer::run() {
  Impl& s = *impl_;
  s.robot = std::make_unique<SimRobot>(s.env_config);
  s.calibrated_models.clear();
  zmq::pollitem_t items[] = {{static_cast<void*>(s.socket), 0, ZMQ_POLLIN, 0}};
  while (!stop_.load()) {
    double t = s.now();
    double wake = t + 0.05;
    if (s.active && s.lockstep_waiting(t)) {
      wake = std::min(wake, s.next_tick + s.config.scenario.lockstep_timeout_s);
      for (const PendingCommand& c : s.inbox)  // a command still in (injected) flight
        if (c.arrive > t) wake = std::min(wake, c.arrive);
    } else if (s.active) {
      wake = std::min(wake, s.next_tick);
    }
    if (!s.outbox.empty()) wake = std::min(wake, s.outbox.front().send_at);
    const auto timeout = std::chrono::milliseconds(static_cast<int64_t>(std::max(0.0, std::ceil((wake - t) * 1000.0))));
    try {
      zmq::poll(items, 1, timeout);
    } catch (const zmq::error_t& e) {
      if (e.num() != EINTR) throw;
      continue;  // a signal (SIGINT / SIGTERM): stop_ is checked above
    }
    while (true) {
      zmq::message_t identity, payload;
      if (!s.socket.recv(identity, zmq::recv_flags::dontwait)) break;
      if (!identity.more()) continue;
      if (!s.socket.recv(payload, zmq::recv_flags::none)) break;
      while (payload.more()) {  // a client sends one frame; skip any extra ones
        zmq::message_t extra;
        if (!s.socket.recv(extra, zmq::recv_flags::none) || !extra.more()) break;
      }
      s.handle(identity.to_string(), payload.to_string());
    }
    t = s.now();
    s.flush(t);
    if (s.active && t >= s.next_tick && !s.lockstep_waiting(t)) {
      // A tick more than a tenth of a period late (the host descheduled the twin) re-anchors the
      // grid, so the twin's own lateness never shortens the client's time to answer.
      if (t - s.next_tick > 0.1 * s.period()) {
        if (!s.config.scenario.lockstep) s.stats["overruns"] = s.stats["overruns"].get<int64_t>() + 1;
        s.next_tick = t;
      }
      s.tick(t);
      s.next_tick += s.period();
      s.flush(s.now());
    }
  }
  s.finish_episode("shutdown");
  s.robot.reset();
}

}  // namespace wambench
