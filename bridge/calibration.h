// Camera calibration of a real setup (intrinsics and extrinsics per camera), and moving the
// simulator's cameras to the calibrated poses so a sim evaluation sees the real viewpoint
// (`wambench render --calibration`, `wambench real` on simulated robots).
//
// File format (JSON, "format": "wambench-calibration-1"):
//   {"format": "wambench-calibration-1",
//    "cameras": {"front": {"width": 640, "height": 480, "fx": 600.0, "fy": 600.0, "cx": 320.0, "cy": 240.0,
//                          "crop": [80, 0, 480, 480],
//                          "frame": "world", "position_m": [1.05, -0.4, 0.8], "quat_wxyz": [w, x, y, z]}}}
// Intrinsics are the pinhole model of OpenCV (pixels, of the native width x height image). "crop"
// ([x0, y0, w, h], pixels; default the full image) is the crop the camera pipeline applies before
// resizing (bridge/camera_pipeline.h), so the field of view the policy sees is that of the crop.
// Extrinsics: the camera's optical centre and orientation in "frame" ("world" = the simulator's
// world frame, or the name of the body the camera is mounted on, e.g. the hand for a wrist camera),
// the camera frame in OpenCV's convention (x right, y down, z forward along the optical axis), as
// calibration tools (OpenCV, Kalibr, easy_handeye) report it.
#pragma once

#include <array>
#include <map>
#include <string>
#include <vector>

#include <mujoco/mujoco.h>
#include <nlohmann/json.hpp>

namespace wambench {

/// One camera's calibration.
struct CameraCalibration {
  int width = 0, height = 0;                 ///< native image size (pixels), >= 1
  double fx = 0, fy = 0, cx = 0, cy = 0;     ///< pinhole intrinsics (pixels), fx, fy > 0
  std::array<int, 4> crop{0, 0, 0, 0};       ///< x0, y0, w, h (pixels) inside the image; w = 0: the whole image
  std::string frame = "world";               ///< "world" or the name of the body the camera is mounted on
  std::array<double, 3> position_m{};        ///< optical centre in `frame` (m)
  std::array<double, 4> quat_wxyz{1, 0, 0, 0};  ///< OpenCV camera frame in `frame`, unit quaternion
  /// The crop actually used: `crop`, or the whole image when its width is 0.
  std::array<int, 4> effective_crop() const;
};

/// A calibration file: camera name (the MJCF camera's name, e.g. "front") -> calibration.
struct Calibration {
  std::map<std::string, CameraCalibration> cameras;
};

/// Parses a calibration. @throws std::invalid_argument naming `source` and the field: wrong
/// format tag, unknown keys, missing or non-positive sizes / focal lengths, a crop outside the
/// image, a quaternion of norm 0 (others are normalized).
Calibration calibration_from_json(const nlohmann::json& j, const std::string& source);
/// Reads and parses a calibration file. @throws std::invalid_argument (missing file, malformed JSON,
/// or as calibration_from_json).
Calibration read_calibration(const std::string& path);
nlohmann::json to_json(const Calibration& c);

/// Vertical field of view (degrees) of the cropped image: 2 atan(crop_h / (2 fy)) (the pinhole
/// model; MuJoCo's cam_fovy is the vertical field of view, mjModel documentation).
double vertical_fov_deg(const CameraCalibration& c);

/// Moves each calibrated camera of `model` to its calibrated pose and field of view: cam_pos /
/// cam_quat (the OpenCV frame turned into MuJoCo's camera frame, which looks along -z with y up:
/// R_mujoco = R_opencv diag(1, -1, -1)), cam_fovy = vertical_fov_deg, and cam_mode fixed (a
/// camera that tracked a target keeps the calibrated orientation instead). MuJoCo 2.2.2 renders
/// with a centred principal point, equal focal lengths and the image's own aspect ratio, so the
/// returned notes say (one line each) where the calibration differs from that by more than 1 pixel
/// / 1 % (the residual a sim render cannot reproduce).
/// @throws std::invalid_argument for a camera or body not in the model, or a "world" frame for a
/// camera mounted on a moving body (naming the body to use).
std::vector<std::string> apply_calibration(mjModel* model, const Calibration& calibration);

}  // namespace wambench
