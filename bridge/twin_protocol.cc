#include "bridge/twin_protocol.h"

#include <cstring>
#include <vector>

#include <msgpack.hpp>

#include "serving/msgpack_writer.h"

namespace wambench {
namespace {

using msgpack_io::Packer;
using msgpack_io::StringWriter;
using msgpack_io::pack_str;

template <size_t N>
void pack_doubles(Packer& p, const std::array<double, N>& a) {
  p.pack_array(N);
  for (double d : a) p.pack_double(d);
}

[[noreturn]] void fail(const std::string& what) {
  throw RobotFault(RobotFault::Kind::kProtocol, "twin protocol: " + what);
}

// Key lookup in a decoded msgpack map.
class MapView {
 public:
  MapView(const msgpack::object& o, std::string path) : path_(std::move(path)) {
    if (o.type != msgpack::type::MAP) fail(path_ + " is not a map");
    for (uint32_t i = 0; i < o.via.map.size; ++i) {
      const msgpack::object& k = o.via.map.ptr[i].key;
      if (k.type != msgpack::type::STR) fail(path_ + " has a key that is not a string");
      entries_.emplace(std::string(k.via.str.ptr, k.via.str.size), &o.via.map.ptr[i].val);
    }
  }
  bool has(const std::string& key) const { return entries_.count(key) > 0; }
  const msgpack::object& get(const std::string& key) const {
    auto it = entries_.find(key);
    if (it == entries_.end()) fail(path_ + " lacks key '" + key + "'");
    return *it->second;
  }
  std::string name(const std::string& key) const { return path_ + "." + key; }

  uint64_t u64(const std::string& key) const {
    const msgpack::object& o = get(key);
    if (o.type != msgpack::type::POSITIVE_INTEGER) fail(name(key) + " must be a non-negative integer");
    return o.via.u64;
  }
  int64_t i64(const std::string& key) const {
    const msgpack::object& o = get(key);
    if (o.type == msgpack::type::POSITIVE_INTEGER) return static_cast<int64_t>(o.via.u64);
    if (o.type == msgpack::type::NEGATIVE_INTEGER) return o.via.i64;
    fail(name(key) + " must be an integer");
  }
  double f64(const std::string& key) const { return as_double(get(key), name(key)); }
  bool boolean(const std::string& key) const {
    const msgpack::object& o = get(key);
    if (o.type != msgpack::type::BOOLEAN) fail(name(key) + " must be a boolean");
    return o.via.boolean;
  }
  std::string str(const std::string& key) const {
    const msgpack::object& o = get(key);
    if (o.type != msgpack::type::STR) fail(name(key) + " must be a string");
    return std::string(o.via.str.ptr, o.via.str.size);
  }
  template <size_t N>
  std::array<double, N> doubles(const std::string& key) const {
    const msgpack::object& o = get(key);
    if (o.type != msgpack::type::ARRAY || o.via.array.size != N)
      fail(name(key) + " must be an array of " + std::to_string(N) + " numbers");
    std::array<double, N> out{};
    for (size_t i = 0; i < N; ++i) out[i] = as_double(o.via.array.ptr[i], name(key));
    return out;
  }
  nlohmann::json json(const std::string& key) const {
    try {
      return nlohmann::json::parse(str(key));
    } catch (const nlohmann::json::exception& e) {
      fail(name(key) + " is not valid JSON: " + e.what());
    }
  }

  static double as_double(const msgpack::object& o, const std::string& name) {
    switch (o.type) {
      case msgpack::type::FLOAT32:
      case msgpack::type::FLOAT64: return o.via.f64;
      case msgpack::type::POSITIVE_INTEGER: return static_cast<double>(o.via.u64);
      case msgpack::type::NEGATIVE_INTEGER: return static_cast<double>(o.via.i64);
      default: fail(name + " must be a number");
    }
  }

 private:
  std::string path_;
  std::map<std::string, const msgpack::object*> entries_;
};

void pack_observation(Packer& p, const TwinObservation& o) {
  const Observation& obs = o.observation;
  p.pack_map(17);
  pack_str(p, "images");
  p.pack_map(static_cast<uint32_t>(obs.images.size()));
  for (const auto& [camera, image] : obs.images) {
    if (image.rgb.size() != static_cast<size_t>(image.height) * image.width * 3)
      throw std::invalid_argument("twin protocol: image '" + camera + "' has " + std::to_string(image.rgb.size()) +
                                  " bytes, not H * W * 3");
    pack_str(p, camera);
    p.pack_map(4);
    pack_str(p, "h");
    p.pack_int(image.height);
    pack_str(p, "w");
    p.pack_int(image.width);
    pack_str(p, "rgb");
    p.pack_bin(static_cast<uint32_t>(image.rgb.size()));
    p.pack_bin_body(reinterpret_cast<const char*>(image.rgb.data()), static_cast<uint32_t>(image.rgb.size()));
    pack_str(p, "stamp");
    auto it = o.image_stamp_s.find(camera);
    p.pack_double(it == o.image_stamp_s.end() ? o.state_stamp_s : it->second);
  }
  pack_str(p, "ee_pos");
  pack_doubles(p, obs.ee_pos_m);
  pack_str(p, "ee_quat");
  pack_doubles(p, obs.ee_quat_wxyz);
  pack_str(p, "ee_rot6d");
  pack_doubles(p, obs.ee_rot6d);
  pack_str(p, "gripper");
  p.pack_double(obs.gripper_opening_m);
  pack_str(p, "joints");
  pack_doubles(p, obs.joint_pos_rad);
  pack_str(p, "sim_time");
  p.pack_double(obs.time_s);
  pack_str(p, "stamp");
  p.pack_double(o.state_stamp_s);
  pack_str(p, "seq");
  p.pack_uint64(o.sequence);
  pack_str(p, "applied");
  pack_doubles(p, o.applied_action);
  pack_str(p, "applied_hold");
  o.applied_hold ? p.pack_true() : p.pack_false();
  pack_str(p, "watchdog");
  o.watchdog_hold ? p.pack_true() : p.pack_false();
  pack_str(p, "applied_id");
  p.pack_uint64(o.applied_command_id);
  pack_str(p, "applied_recv");
  p.pack_double(o.applied_command_received_s);
  pack_str(p, "success");
  o.success ? p.pack_true() : p.pack_false();
  pack_str(p, "progress");
  p.pack_int(o.progress);
  pack_str(p, "hash");
  p.pack_uint64(o.state_hash);
  // (17 keys: images .. hash; the stats travel as JSON text under the message's "info".)
}

TwinObservation unpack_observation(const msgpack::object& obj) {
  MapView m(obj, "observation");
  TwinObservation o;
  const msgpack::object& images = m.get("images");
  if (images.type != msgpack::type::MAP) fail("observation.images is not a map");
  for (uint32_t i = 0; i < images.via.map.size; ++i) {
    const msgpack::object& k = images.via.map.ptr[i].key;
    if (k.type != msgpack::type::STR) fail("observation.images has a key that is not a string");
    const std::string camera(k.via.str.ptr, k.via.str.size);
    MapView im(images.via.map.ptr[i].val, "observation.images." + camera);
    const int64_t h = im.i64("h"), w = im.i64("w");
    const msgpack::object& rgb = im.get("rgb");
    if (rgb.type != msgpack::type::BIN) fail(im.name("rgb") + " must be bin");
    if (h < 0 || w < 0 || static_cast<uint64_t>(rgb.via.bin.size) != static_cast<uint64_t>(h * w * 3))
      fail(im.name("rgb") + " has " + std::to_string(rgb.via.bin.size) + " bytes for a " + std::to_string(h) + " x " +
           std::to_string(w) + " x 3 image");
    Image image(static_cast<int>(h), static_cast<int>(w));
    std::memcpy(image.rgb.data(), rgb.via.bin.ptr, rgb.via.bin.size);
    o.observation.images.emplace(camera, std::move(image));
    o.image_stamp_s[camera] = im.f64("stamp");
  }
  o.observation.ee_pos_m = m.doubles<3>("ee_pos");
  o.observation.ee_quat_wxyz = m.doubles<4>("ee_quat");
  o.observation.ee_rot6d = m.doubles<6>("ee_rot6d");
  o.observation.gripper_opening_m = m.f64("gripper");
  o.observation.joint_pos_rad = m.doubles<kArmDof>("joints");
  o.observation.time_s = m.f64("sim_time");
  o.state_stamp_s = m.f64("stamp");
  o.sequence = m.u64("seq");
  o.applied_action = m.doubles<kActionDim>("applied");
  o.applied_hold = m.boolean("applied_hold");
  o.watchdog_hold = m.boolean("watchdog");
  o.applied_command_id = m.u64("applied_id");
  o.applied_command_received_s = m.f64("applied_recv");
  o.success = m.boolean("success");
  o.progress = static_cast<int>(m.i64("progress"));
  o.state_hash = m.u64("hash");
  return o;
}

TwinMessageType parse_type(const std::string& s) {
  for (TwinMessageType t : {TwinMessageType::kHello, TwinMessageType::kStartEpisode, TwinMessageType::kEndEpisode,
                            TwinMessageType::kCommand, TwinMessageType::kReply, TwinMessageType::kObservation})
    if (s == to_string(t)) return t;
  fail("unknown message type '" + s +
       "' (valid: hello, start_episode, end_episode, command, reply, observation)");
}

}  // namespace

const char* to_string(TwinMessageType type) {
  switch (type) {
    case TwinMessageType::kHello: return "hello";
    case TwinMessageType::kStartEpisode: return "start_episode";
    case TwinMessageType::kEndEpisode: return "end_episode";
    case TwinMessageType::kCommand: return "command";
    case TwinMessageType::kReply: return "reply";
    case TwinMessageType::kObservation: return "observation";
  }
  return "unknown";
}

std::string encode_twin_message(const TwinMessage& m) {
  std::string out;
  StringWriter w{&out};
  Packer p(w);
  uint32_t n = 4;  // v, type, id, episode
  switch (m.type) {
    case TwinMessageType::kHello:
    case TwinMessageType::kEndEpisode: break;
    case TwinMessageType::kStartEpisode: n += 1; break;
    case TwinMessageType::kCommand: n += 3; break;
    case TwinMessageType::kObservation: n += 2; break;
    case TwinMessageType::kReply: n += 6 + (m.has_observation ? 1 : 0); break;
  }
  p.pack_map(n);
  pack_str(p, "v");
  p.pack_int(kTwinProtocolVersion);
  pack_str(p, "type");
  pack_str(p, to_string(m.type));
  pack_str(p, "id");
  p.pack_uint64(m.id);
  pack_str(p, "episode");
  p.pack_uint64(m.episode);
  switch (m.type) {
    case TwinMessageType::kHello:
    case TwinMessageType::kEndEpisode: break;
    case TwinMessageType::kStartEpisode:
      pack_str(p, "setup");
      p.pack_map(6);
      pack_str(p, "task");
      pack_str(p, m.setup.task);
      pack_str(p, "split");
      pack_str(p, m.setup.split);
      pack_str(p, "index");
      p.pack_int64(m.setup.index);
      pack_str(p, "base_seed");
      p.pack_uint64(m.setup.base_seed);
      pack_str(p, "instruction");
      pack_str(p, m.setup.instruction);
      pack_str(p, "horizon");
      p.pack_int(m.setup.horizon_steps);
      break;
    case TwinMessageType::kCommand:
      pack_str(p, "action");
      pack_doubles(p, m.command.action);
      pack_str(p, "hold");
      m.command.hold ? p.pack_true() : p.pack_false();
      pack_str(p, "answers");
      p.pack_uint64(m.command.answers_sequence);
      break;
    case TwinMessageType::kObservation:
      pack_str(p, "observation");
      pack_observation(p, m.observation);
      pack_str(p, "info");
      pack_str(p, m.observation.stats.dump());
      break;
    case TwinMessageType::kReply:
      pack_str(p, "ok");
      m.ok ? p.pack_true() : p.pack_false();
      pack_str(p, "error");
      pack_str(p, m.error);
      pack_str(p, "error_kind");
      pack_str(p, m.error_kind);
      pack_str(p, "twin_time");
      p.pack_double(m.twin_time_s);
      pack_str(p, "info");
      pack_str(p, m.info.dump());
      pack_str(p, "obs_info");
      pack_str(p, m.has_observation ? m.observation.stats.dump() : std::string("{}"));
      if (m.has_observation) {
        pack_str(p, "observation");
        pack_observation(p, m.observation);
      }
      break;
  }
  return out;
}

TwinMessage decode_twin_message(const char* data, size_t size) {
  msgpack::object_handle handle;
  size_t offset = 0;
  try {
    handle = msgpack::unpack(data, size, offset);
  } catch (const msgpack::insufficient_bytes&) {
    fail("truncated message (" + std::to_string(size) + " bytes end inside a msgpack value)");
  } catch (const std::exception& e) {
    fail(std::string("malformed msgpack (") + e.what() + ")");
  }
  if (offset != size)
    fail(std::to_string(size - offset) + " trailing bytes after the message's " + std::to_string(offset) + " bytes");
  MapView m(handle.get(), "message");
  const int64_t version = m.i64("v");
  if (version != kTwinProtocolVersion)
    fail("peer speaks protocol version " + std::to_string(version) + ", this build speaks version " +
         std::to_string(kTwinProtocolVersion) + " (run the same wambench build on both sides)");
  TwinMessage out;
  out.type = parse_type(m.str("type"));
  out.id = m.u64("id");
  out.episode = m.u64("episode");
  switch (out.type) {
    case TwinMessageType::kHello:
    case TwinMessageType::kEndEpisode: break;
    case TwinMessageType::kStartEpisode: {
      MapView s(m.get("setup"), "message.setup");
      out.setup.task = s.str("task");
      out.setup.split = s.str("split");
      out.setup.index = s.i64("index");
      out.setup.base_seed = s.u64("base_seed");
      out.setup.instruction = s.str("instruction");
      out.setup.horizon_steps = static_cast<int>(s.i64("horizon"));
      break;
    }
    case TwinMessageType::kCommand:
      out.command.action = m.doubles<kActionDim>("action");
      out.command.hold = m.boolean("hold");
      out.command.answers_sequence = m.u64("answers");
      break;
    case TwinMessageType::kObservation:
      out.has_observation = true;
      out.observation = unpack_observation(m.get("observation"));
      out.observation.stats = m.json("info");
      break;
    case TwinMessageType::kReply:
      out.ok = m.boolean("ok");
      out.error = m.str("error");
      out.error_kind = m.str("error_kind");
      out.twin_time_s = m.f64("twin_time");
      out.info = m.json("info");
      if (m.has("observation")) {
        out.has_observation = true;
        out.observation = unpack_observation(m.get("observation"));
        out.observation.stats = m.json("obs_info");
      }
      break;
  }
  return out;
}

uint64_t fnv1a64(const void* data, size_t size) {
  const auto* bytes = static_cast<const unsigned char*>(data);
  uint64_t h = 14695981039346656037ull;
  for (size_t i = 0; i < size; ++i) {
    h ^= bytes[i];
    h *= 1099511628211ull;
  }
  return h;
}

}  // namespace wambench
