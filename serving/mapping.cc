#include "serving/mapping.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>

namespace wambench::serving {
namespace {

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const std::string& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

// Rotation vector (axis * angle) of a unit quaternion (w, x, y, z); robosuite's quat2axisangle.
std::array<double, 3> quat_to_axis_angle(const std::array<double, 4>& q_wxyz) {
  double w = std::clamp(q_wxyz[0], -1.0, 1.0);
  double x = q_wxyz[1], y = q_wxyz[2], z = q_wxyz[3];
  if (w < 0) w = -w, x = -x, y = -y, z = -z;  // angle in [0, pi]
  const double den = std::sqrt(std::max(0.0, 1.0 - w * w));
  if (den < 1e-12) return {0, 0, 0};
  const double angle = 2.0 * std::acos(w);
  return {x * angle / den, y * angle / den, z * angle / den};
}

std::array<double, 4> axis_angle_to_quat(const std::array<double, 3>& r) {
  const double angle = std::sqrt(r[0] * r[0] + r[1] * r[1] + r[2] * r[2]);
  if (angle < 1e-12) return {1, 0, 0, 0};
  const double s = std::sin(angle / 2) / angle;
  return {std::cos(angle / 2), r[0] * s, r[1] * s, r[2] * s};
}

// First two columns of the rotation matrix of (w, x, y, z): (r00, r10, r20, r01, r11, r21).
std::array<double, 6> quat_to_rot6d(const std::array<double, 4>& q) {
  const double w = q[0], x = q[1], y = q[2], z = q[3];
  return {1 - 2 * (y * y + z * z), 2 * (x * y + w * z), 2 * (x * z - w * y),
          2 * (x * y - w * z),     1 - 2 * (x * x + z * z), 2 * (y * z + w * x)};
}

Value image_value(const Image& image) {
  return Value(NdArray::from_bytes_u8(image.rgb.data(), {image.height, image.width, 3}));
}

Image prepare_image(const Image& image, const ObservationLayout& layout) {
  if (layout.image_size == 0) return image;
  return layout.resize_with_pad ? resize_with_pad(image, layout.image_size)
                                : resize_bilinear(image, layout.image_size, layout.image_size);
}

const Value& required(const Map& m, const std::string& key) {
  auto it = m.find(key);
  if (it == m.end()) {
    std::vector<std::string> keys;
    for (const auto& [k, v] : m) keys.push_back(k);
    throw std::invalid_argument("observation has no '" + key + "' entry (keys present: " + join(keys) + ")");
  }
  return it->second;
}

Image decode_image(const Value& v, const std::string& key) {
  const NdArray* a = v.get_if<NdArray>();
  if (!a || (a->dtype != "|u1" && a->dtype != "<u1") || a->shape.size() != 3 || a->shape[2] != 3 || a->shape[0] < 1 ||
      a->shape[1] < 1)
    throw std::invalid_argument("'" + key + "' must be a uint8 (H, W, 3) ndarray (|u1, HWC RGB), got " + v.type_name());
  Image image(static_cast<int>(a->shape[0]), static_cast<int>(a->shape[1]));
  std::memcpy(image.rgb.data(), a->data.data(), image.rgb.size());
  return image;
}

}  // namespace

const std::vector<std::string>& state_field_names() {
  static const std::vector<std::string> kNames = {"ee_pos",          "ee_quat",         "ee_rot6d",  "ee_axis_angle",
                                                  "gripper_opening", "gripper_fingers", "joint_pos", "time_s"};
  return kNames;
}

int state_field_size(const std::string& field) {
  if (field == "ee_pos" || field == "ee_axis_angle") return 3;
  if (field == "ee_quat") return 4;
  if (field == "ee_rot6d") return 6;
  if (field == "gripper_opening" || field == "time_s") return 1;
  if (field == "gripper_fingers") return 2;
  if (field == "joint_pos") return kArmDof;
  throw std::invalid_argument("unknown state field '" + field + "'; valid fields: " + join(state_field_names()));
}

int ObservationLayout::state_size() const {
  int n = 0;
  for (const std::string& f : state_fields) n += state_field_size(f);
  return n;
}

void ObservationLayout::validate() const {
  for (const std::string& f : state_fields) state_field_size(f);
  if (state_dtype != "<f8" && state_dtype != "<f4")
    throw std::invalid_argument("state dtype must be \"<f8\" (float64) or \"<f4\" (float32), got \"" + state_dtype + "\"");
  if (image_size < 0 || image_size > 4096)
    throw std::invalid_argument("image_size must be 0 (as rendered) or 1..4096 pixels, got " + std::to_string(image_size));
}

nlohmann::json ObservationLayout::to_json() const {
  return {{"image_key", image_key},         {"wrist_image_key", wrist_image_key},
          {"state_key", state_key},         {"prompt_key", prompt_key},
          {"image_camera", image_camera},   {"wrist_camera", wrist_camera},
          {"image_size", image_size},       {"resize_with_pad", resize_with_pad},
          {"state_fields", state_fields},   {"state_dtype", state_dtype},
          {"state_size", state_size()}};
}

ObservationLayout observation_layout(const std::string& name) {
  ObservationLayout layout;
  if (name == "libero") return layout;
  if (name == "wambench") {
    layout.image_size = 0;
    layout.state_fields = {"ee_pos", "ee_quat", "ee_rot6d", "gripper_opening", "joint_pos", "time_s"};
    return layout;
  }
  throw std::invalid_argument("unknown observation layout '" + name + "'; valid layouts: libero, wambench");
}


Image resize_with_pad(const Image& image, int size) {
  if (image.empty() || size < 1) throw std::invalid_argument("resize_with_pad: empty image or size < 1");
  if (image.height == size && image.width == size) return image;
  // openpi_client/image_tools.py: ratio = max(w / W, h / H), resized = int(dim / ratio), then paste
  // at (int((W - w') / 2), int((H - h') / 2)) on zeros.
  const double ratio = std::max(static_cast<double>(image.width) / size, static_cast<double>(image.height) / size);
  const int rh = std::max(1, static_cast<int>(image.height / ratio)), rw = std::max(1, static_cast<int>(image.width / ratio));
  const Image resized = resize_bilinear(image, rh, rw);
  Image out(size, size);
  const int pad_h = std::max(0, (size - rh) / 2), pad_w = std::max(0, (size - rw) / 2);
  for (int r = 0; r < rh && r + pad_h < size; ++r)
    std::memcpy(out.at(r + pad_h, pad_w), resized.at(r, 0), static_cast<size_t>(std::min(rw, size - pad_w)) * 3);
  return out;
}

Map encode_observation(const Observation& obs, const std::string& prompt, const ObservationLayout& layout,
                       const Map& extra) {
  Map m;
  auto camera = [&](const std::string& name) -> const Image& {
    auto it = obs.images.find(name);
    if (it == obs.images.end())
      throw std::invalid_argument("observation has no '" + name + "' camera image (is rendering on?)");
    return it->second;
  };
  if (!layout.image_key.empty()) m[layout.image_key] = image_value(prepare_image(camera(layout.image_camera), layout));
  if (!layout.wrist_image_key.empty())
    m[layout.wrist_image_key] = image_value(prepare_image(camera(layout.wrist_camera), layout));
  if (!layout.state_key.empty()) {
    std::vector<double> s;
    for (const std::string& f : layout.state_fields) {
      if (f == "ee_pos") s.insert(s.end(), obs.ee_pos_m.begin(), obs.ee_pos_m.end());
      else if (f == "ee_quat") s.insert(s.end(), obs.ee_quat_wxyz.begin(), obs.ee_quat_wxyz.end());
      else if (f == "ee_rot6d") s.insert(s.end(), obs.ee_rot6d.begin(), obs.ee_rot6d.end());
      else if (f == "ee_axis_angle") {
        const auto r = quat_to_axis_angle(obs.ee_quat_wxyz);
        s.insert(s.end(), r.begin(), r.end());
      } else if (f == "gripper_opening") s.push_back(obs.gripper_opening_m);
      else if (f == "gripper_fingers") s.insert(s.end(), {obs.gripper_opening_m / 2, obs.gripper_opening_m / 2});
      else if (f == "joint_pos") s.insert(s.end(), obs.joint_pos_rad.begin(), obs.joint_pos_rad.end());
      else if (f == "time_s") s.push_back(obs.time_s);
      else state_field_size(f);  // throws, naming the valid fields
    }
    m[layout.state_key] = Value(NdArray::from_doubles(s, {static_cast<int64_t>(s.size())}, layout.state_dtype));
  }
  if (!layout.prompt_key.empty()) m[layout.prompt_key] = Value(prompt);
  for (const auto& [k, v] : extra) m[k] = v;
  return m;
}

Observation decode_observation(const Map& request, const ObservationLayout& layout, std::string* prompt) {
  Observation obs;
  if (!layout.image_key.empty())
    obs.images[layout.image_camera] = decode_image(required(request, layout.image_key), layout.image_key);
  if (!layout.wrist_image_key.empty())
    obs.images[layout.wrist_camera] = decode_image(required(request, layout.wrist_image_key), layout.wrist_image_key);
  if (!layout.state_key.empty()) {
    const Value& v = required(request, layout.state_key);
    const NdArray* a = v.get_if<NdArray>();
    const int n = layout.state_size();
    if (!a || (a->dtype != "<f8" && a->dtype != "<f4") || a->shape.size() != 1 || a->shape[0] != n)
      throw std::invalid_argument("'" + layout.state_key + "' must be a float (" + std::to_string(n) +
                                  ",) ndarray (<f8 or <f4: " + join(layout.state_fields) + "), got " + v.type_name());
    const std::vector<double> s = a->to_doubles();
    size_t i = 0;
    bool have_quat = false, have_rot6d = false;
    for (const std::string& f : layout.state_fields) {
      if (f == "ee_pos") std::copy_n(&s[i], 3, obs.ee_pos_m.begin());
      else if (f == "ee_quat") std::copy_n(&s[i], 4, obs.ee_quat_wxyz.begin()), have_quat = true;
      else if (f == "ee_rot6d") std::copy_n(&s[i], 6, obs.ee_rot6d.begin()), have_rot6d = true;
      else if (f == "ee_axis_angle" && !have_quat) {
        obs.ee_quat_wxyz = axis_angle_to_quat({s[i], s[i + 1], s[i + 2]});
        have_quat = true;
      } else if (f == "gripper_opening") obs.gripper_opening_m = s[i];
      else if (f == "gripper_fingers") obs.gripper_opening_m = s[i] + s[i + 1];
      else if (f == "joint_pos") std::copy_n(&s[i], kArmDof, obs.joint_pos_rad.begin());
      else if (f == "time_s") obs.time_s = s[i];
      i += state_field_size(f);
    }
    if (have_quat && !have_rot6d) obs.ee_rot6d = quat_to_rot6d(obs.ee_quat_wxyz);
  }
  if (prompt) {
    prompt->clear();
    if (!layout.prompt_key.empty()) {
      auto it = request.find(layout.prompt_key);
      if (it != request.end()) {
        const std::string* p = it->second.get_if<std::string>();
        if (!p) throw std::invalid_argument("'" + layout.prompt_key + "' must be a str, got " + it->second.type_name());
        *prompt = *p;
      }
    }
  }
  return obs;
}

void ActionMapping::validate() const {
  if (convention != "delta_ee" && convention != "scaled")
    throw std::invalid_argument("action convention must be \"delta_ee\" or \"scaled\", got \"" + convention + "\"");
  if (convention == "delta_ee" && action_dim != kActionDim)
    throw std::invalid_argument("action convention \"delta_ee\" needs action_dim 7, got " + std::to_string(action_dim));
  if (convention == "scaled") {
    if (action_dim < kActionDim) throw std::invalid_argument("action_dim must be >= 7, got " + std::to_string(action_dim));
    if (gripper_index < 6 || gripper_index >= action_dim)
      throw std::invalid_argument("gripper_index must be in 6.." + std::to_string(action_dim - 1) + ", got " +
                                  std::to_string(gripper_index));
    if (scale.size() != 6 || offset.size() != 6)
      throw std::invalid_argument("action scale and offset need 6 values each (the arm dimensions)");
    for (size_t i = 0; i < 6; ++i)
      if (!std::isfinite(scale[i]) || !std::isfinite(offset[i]))
        throw std::invalid_argument("action scale / offset must be finite numbers");
    if (gripper_mode != "threshold" && gripper_mode != "sign" && gripper_mode != "range")
      throw std::invalid_argument("gripper mode must be \"threshold\", \"sign\" or \"range\", got \"" + gripper_mode + "\"");
    if (gripper_mode == "range" && (gripper_range.size() != 2 || !(gripper_range[0] != gripper_range[1])))
      throw std::invalid_argument("gripper_range needs two different values [open, closed]");
  }
}

std::vector<Action> decode_actions(const Map& result, const ActionMapping& mapping) {
  auto it = result.find("actions");
  if (it == result.end()) {
    std::vector<std::string> keys;
    for (const auto& [k, v] : result) keys.push_back(k);
    throw std::runtime_error("server result has no \"actions\" (keys present: " + join(keys) + ")");
  }
  const NdArray* a = it->second.get_if<NdArray>();
  if (!a) throw std::runtime_error("server result \"actions\" must be an ndarray, got " + it->second.type_name());
  if (a->dtype != "<f4" && a->dtype != "<f8")
    throw std::runtime_error("server result \"actions\" must be float32 or float64 (<f4 / <f8), got " + a->dtype);
  if (a->shape.size() != 2)
    throw std::runtime_error("server result \"actions\" must be 2-D (H, D), got " + it->second.type_name());
  const int64_t h = a->shape[0], d = a->shape[1];
  if (h < 1) throw std::runtime_error("server result \"actions\" has no actions (H = 0)");
  if (d != mapping.action_dim)
    throw std::runtime_error("server result \"actions\" has D = " + std::to_string(d) + " per action, expected " +
                             std::to_string(mapping.action_dim) + " (" + mapping.convention + ")");
  const std::vector<double> raw = a->to_doubles();
  for (size_t i = 0; i < raw.size(); ++i)
    if (!std::isfinite(raw[i]))
      throw std::runtime_error("server result \"actions\" has a non-finite value (" + std::to_string(raw[i]) + ") at row " +
                               std::to_string(i / d) + ", column " + std::to_string(i % d));
  std::vector<Action> out(static_cast<size_t>(h));
  for (int64_t r = 0; r < h; ++r) {
    const double* x = &raw[static_cast<size_t>(r * d)];
    Action& act = out[static_cast<size_t>(r)];
    if (mapping.convention == "delta_ee") {
      std::copy_n(x, kActionDim, act.begin());
      continue;
    }
    for (int i = 0; i < 6; ++i) act[i] = mapping.scale[i] * (x[i] - mapping.offset[i]);
    const double g = x[mapping.gripper_index];
    double n;
    if (mapping.gripper_mode == "threshold") n = g > mapping.gripper_threshold ? 1.0 : -1.0;
    else if (mapping.gripper_mode == "sign") n = g > 0 ? 1.0 : -1.0;
    else {
      const double lo = mapping.gripper_range[0], hi = mapping.gripper_range[1];
      n = std::clamp(-1.0 + 2.0 * (g - lo) / (hi - lo), -1.0, 1.0);
    }
    act[6] = mapping.gripper_invert ? -n : n;
  }
  return out;
}

nlohmann::json to_json(const Value& value) {
  struct Visitor {
    nlohmann::json operator()(const std::monostate&) const { return nullptr; }
    nlohmann::json operator()(bool b) const { return b; }
    nlohmann::json operator()(int64_t i) const { return i; }
    nlohmann::json operator()(double d) const { return d; }
    nlohmann::json operator()(const std::string& s) const { return s; }
    nlohmann::json operator()(const Bin& b) const { return {{"__bin__", b.bytes.size()}}; }
    nlohmann::json operator()(const Array& a) const {
      nlohmann::json j = nlohmann::json::array();
      for (const Value& x : a) j.push_back(to_json(x));
      return j;
    }
    nlohmann::json operator()(const Map& m) const {
      nlohmann::json j = nlohmann::json::object();
      for (const auto& [k, x] : m) j[k] = to_json(x);
      return j;
    }
    nlohmann::json operator()(const NdArray& a) const {
      nlohmann::json j = {{"__ndarray__", a.dtype}, {"shape", a.shape}};
      if (a.element_count() <= 64) j["values"] = a.to_doubles();
      return j;
    }
    nlohmann::json operator()(const NpScalar& s) const { return s.value; }
  };
  return std::visit(Visitor{}, value.v);
}

Value from_json(const nlohmann::json& j) {
  if (j.is_null()) return Value();
  if (j.is_boolean()) return Value(j.get<bool>());
  if (j.is_number_integer()) return Value(j.get<int64_t>());
  if (j.is_number()) return Value(j.get<double>());
  if (j.is_string()) return Value(j.get<std::string>());
  if (j.is_array()) {
    Array a;
    for (const auto& x : j) a.push_back(from_json(x));
    return Value(std::move(a));
  }
  Map m;
  for (const auto& [k, x] : j.items()) m[k] = from_json(x);
  return Value(std::move(m));
}

}  // namespace wambench::serving
