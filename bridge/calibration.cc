#include "bridge/calibration.h"

#include <cmath>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>

namespace wambench {
namespace {

constexpr const char* kFormat = "wambench-calibration-1";

[[noreturn]] void bad(const std::string& source, const std::string& what) {
  throw std::invalid_argument(source + ": " + what);
}

template <size_t N>
std::array<double, N> read_vector(const nlohmann::json& j, const std::string& source, const std::string& key) {
  if (!j.is_array() || j.size() != N) bad(source, "'" + key + "' must be an array of " + std::to_string(N) + " numbers");
  std::array<double, N> v{};
  for (size_t i = 0; i < N; ++i) {
    if (!j[i].is_number() || !std::isfinite(j[i].get<double>()))
      bad(source, "'" + key + "' must be an array of " + std::to_string(N) + " finite numbers");
    v[i] = j[i].get<double>();
  }
  return v;
}

double positive(const nlohmann::json& cam, const std::string& source, const std::string& key) {
  if (!cam.contains(key) || !cam[key].is_number() || !(cam[key].get<double>() > 0) || !std::isfinite(cam[key].get<double>()))
    bad(source, "'" + key + "' must be a number > 0");
  return cam[key].get<double>();
}

}  // namespace

std::array<int, 4> CameraCalibration::effective_crop() const {
  if (crop[2] == 0) return {0, 0, width, height};
  return crop;
}

Calibration calibration_from_json(const nlohmann::json& j, const std::string& source) {
  if (!j.is_object()) bad(source, "a calibration must be a JSON object");
  for (const auto& [k, v] : j.items())
    if (k != "format" && k != "cameras") bad(source, "unknown key '" + k + "' (valid: format, cameras)");
  if (!j.contains("format") || j["format"] != kFormat)
    bad(source, std::string("'format' must be \"") + kFormat + "\"");
  if (!j.contains("cameras") || !j["cameras"].is_object() || j["cameras"].empty())
    bad(source, "'cameras' must be an object: camera name -> calibration");
  static const std::set<std::string> kKeys = {"width", "height", "fx", "fy", "cx", "cy", "crop", "frame", "position_m", "quat_wxyz"};
  Calibration c;
  for (const auto& [name, cam] : j["cameras"].items()) {
    const std::string src = source + ": camera '" + name + "'";
    if (!cam.is_object()) bad(src, "must be an object");
    for (const auto& [k, v] : cam.items())
      if (!kKeys.count(k))
        bad(src, "unknown key '" + k + "' (valid: width, height, fx, fy, cx, cy, crop, frame, position_m, quat_wxyz)");
    CameraCalibration cc;
    for (const char* k : {"width", "height"})
      if (!cam.contains(k) || !cam[k].is_number_integer() || cam[k].get<int>() < 1)
        bad(src, std::string("'") + k + "' must be an integer >= 1 (pixels)");
    cc.width = cam["width"].get<int>();
    cc.height = cam["height"].get<int>();
    cc.fx = positive(cam, src, "fx");
    cc.fy = positive(cam, src, "fy");
    for (const char* k : {"cx", "cy"})
      if (!cam.contains(k) || !cam[k].is_number()) bad(src, std::string("'") + k + "' must be a number (pixels)");
    cc.cx = cam["cx"].get<double>();
    cc.cy = cam["cy"].get<double>();
    if (cam.contains("crop")) {
      const auto v = read_vector<4>(cam["crop"], src, "crop");
      for (int i = 0; i < 4; ++i) cc.crop[i] = static_cast<int>(v[i]);
      if (cc.crop[0] < 0 || cc.crop[1] < 0 || cc.crop[2] < 1 || cc.crop[3] < 1 || cc.crop[0] + cc.crop[2] > cc.width ||
          cc.crop[1] + cc.crop[3] > cc.height)
        bad(src, "'crop' [x0, y0, w, h] must lie inside the " + std::to_string(cc.width) + " x " +
                     std::to_string(cc.height) + " image with w, h >= 1");
    }
    if (cam.contains("frame")) {
      if (!cam["frame"].is_string() || cam["frame"].get<std::string>().empty())
        bad(src, "'frame' must be \"world\" or a body name");
      cc.frame = cam["frame"].get<std::string>();
    }
    if (!cam.contains("position_m")) bad(src, "'position_m' is missing (the optical centre in 'frame', m)");
    cc.position_m = read_vector<3>(cam["position_m"], src, "position_m");
    if (!cam.contains("quat_wxyz")) bad(src, "'quat_wxyz' is missing (the OpenCV camera frame's orientation in 'frame')");
    auto q = read_vector<4>(cam["quat_wxyz"], src, "quat_wxyz");
    const double n = std::sqrt(q[0] * q[0] + q[1] * q[1] + q[2] * q[2] + q[3] * q[3]);
    if (!(n > 1e-9)) bad(src, "'quat_wxyz' has norm 0");
    for (double& x : q) x /= n;
    cc.quat_wxyz = q;
    c.cameras[name] = cc;
  }
  return c;
}

Calibration read_calibration(const std::string& path) {
  std::ifstream f(path);
  if (!f) throw std::invalid_argument("cannot read calibration file '" + path + "'");
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(f);
  } catch (const nlohmann::json::parse_error& e) {
    throw std::invalid_argument(path + ": malformed JSON: " + e.what());
  }
  return calibration_from_json(j, path);
}

nlohmann::json to_json(const Calibration& c) {
  nlohmann::json cams = nlohmann::json::object();
  for (const auto& [name, cc] : c.cameras) {
    cams[name] = {{"width", cc.width}, {"height", cc.height}, {"fx", cc.fx},       {"fy", cc.fy},
                  {"cx", cc.cx},       {"cy", cc.cy},         {"frame", cc.frame}, {"position_m", cc.position_m},
                  {"quat_wxyz", cc.quat_wxyz}};
    if (cc.crop[2] > 0) cams[name]["crop"] = cc.crop;
  }
  return {{"format", kFormat}, {"cameras", cams}};
}

double vertical_fov_deg(const CameraCalibration& c) {
  const auto crop = c.effective_crop();
  return 2.0 * std::atan(crop[3] / (2.0 * c.fy)) * 180.0 / M_PI;
}

std::vector<std::string> apply_calibration(mjModel* m, const Calibration& calibration) {
  std::vector<std::string> notes;
  for (const auto& [name, c] : calibration.cameras) {
    const int cam = mj_name2id(m, mjOBJ_CAMERA, name.c_str());
    if (cam < 0) throw std::invalid_argument("calibration: the scene has no camera '" + name + "'");
    const int body = m->cam_bodyid[cam];
    const char* body_name = mj_id2name(m, mjOBJ_BODY, body);
    const std::string parent = body == 0 ? "world" : (body_name ? body_name : "body " + std::to_string(body));
    if (c.frame != parent)
      throw std::invalid_argument("calibration: camera '" + name + "' is mounted on '" + parent +
                                  "'; give its extrinsics in frame \"" + parent + "\" (got \"" + c.frame + "\")");
    // R_mujoco = R_opencv * diag(1, -1, -1): a rotation by pi about the camera's own x axis, i.e.
    // q_mujoco = q_opencv * (0, 1, 0, 0).
    const auto& q = c.quat_wxyz;
    const mjtNum flip[4] = {0, 1, 0, 0};
    mjtNum qo[4] = {q[0], q[1], q[2], q[3]}, qm[4];
    mju_mulQuat(qm, qo, flip);
    mju_normalize4(qm);
    for (int i = 0; i < 3; ++i) m->cam_pos[3 * cam + i] = c.position_m[i];
    for (int i = 0; i < 4; ++i) m->cam_quat[4 * cam + i] = qm[i];
    m->cam_mode[cam] = mjCAMLIGHT_FIXED;
    m->cam_targetbodyid[cam] = -1;
    m->cam_fovy[cam] = vertical_fov_deg(c);
    const auto crop = c.effective_crop();
    const double pcx = c.cx - crop[0], pcy = c.cy - crop[1];
    std::ostringstream s;
    if (std::abs(pcx - crop[2] / 2.0) > 1.0 || std::abs(pcy - crop[3] / 2.0) > 1.0)
      notes.push_back("camera '" + name + "': principal point (" + std::to_string(pcx) + ", " + std::to_string(pcy) +
                      ") px in the crop is off its centre (" + std::to_string(crop[2] / 2.0) + ", " +
                      std::to_string(crop[3] / 2.0) + "); MuJoCo 2.2.2 renders it centred");
    if (std::abs(c.fx - c.fy) > 0.01 * c.fy)
      notes.push_back("camera '" + name + "': fx " + std::to_string(c.fx) + " != fy " + std::to_string(c.fy) +
                      " (non-square pixels); the sim render uses fy");
    if (crop[2] != crop[3])
      notes.push_back("camera '" + name + "': the crop is " + std::to_string(crop[2]) + " x " + std::to_string(crop[3]) +
                      "; the simulator renders square images, so its horizontal field of view differs");
  }
  return notes;
}

}  // namespace wambench
