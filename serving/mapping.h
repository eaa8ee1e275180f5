// Mapping between wambench's Observation / actions and openpi's observation and result maps
// (shared/recipes/openpi-protocol.md §5, §8). Configurable; the defaults follow openpi's LIBERO
// example (examples/libero/main.py), and observation_layout("wambench") is lossless.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "serving/msgpack_numpy.h"
#include "sim/env.h"

namespace wambench::serving {

/// State fields that can be sent, with their sizes, in the order they are concatenated:
///   "ee_pos" (3) Observation::ee_pos_m, world frame, m;
///   "ee_quat" (4) Observation::ee_quat_wxyz, (w, x, y, z);
///   "ee_rot6d" (6) Observation::ee_rot6d;
///   "ee_axis_angle" (3) rotation vector (axis * angle, rad, angle in [0, pi]) of ee_quat, as
///       LIBERO's example sends (robosuite quat2axisangle);
///   "gripper_opening" (1) Observation::gripper_opening_m, 0..0.08 m;
///   "gripper_fingers" (2) the two finger positions (m), each gripper_opening / 2, in the place of
///       LIBERO's two gripper joint positions;
///   "joint_pos" (7) Observation::joint_pos_rad;
///   "time_s" (1) Observation::time_s.
const std::vector<std::string>& state_field_names();
/// Size of one state field. @throws std::invalid_argument for an unknown name, listing the valid ones.
int state_field_size(const std::string& field);

/// How an Observation becomes an openpi observation map.
struct ObservationLayout {
  std::string image_key = "observation/image";              ///< front camera; "" = not sent
  std::string wrist_image_key = "observation/wrist_image";  ///< wrist camera; "" = not sent
  std::string state_key = "observation/state";              ///< state vector; "" = not sent
  std::string prompt_key = "prompt";                        ///< instruction (msgpack str); "" = not sent
  /// Camera names (Observation::images keys) of the two images.
  std::string image_camera = "front";
  std::string wrist_camera = "wrist";
  /// Square image size sent (pixels); 0 = as rendered.
  int image_size = 224;
  /// true: resize_with_pad (aspect kept, bilinear, zero padding centred; openpi_client.image_tools);
  /// false: plain bilinear resize to image_size x image_size.
  bool resize_with_pad = true;
  /// State fields, concatenated in this order (state_field_names()).
  std::vector<std::string> state_fields = {"ee_pos", "ee_axis_angle", "gripper_fingers"};
  /// numpy dtype of the state vector: "<f8" (float64, openpi's examples) or "<f4".
  std::string state_dtype = "<f8";
  /// Total state size (sum of state_field_size over state_fields).
  int state_size() const;
  /// The layout as JSON (for server metadata and documentation).
  nlohmann::json to_json() const;
  /// @throws std::invalid_argument naming the bad field: unknown state field, bad dtype, image
  /// size outside 0..4096.
  void validate() const;
};

/// Named layouts: "libero" (the defaults above: 224 x 224 images with padding, state = ee_pos,
/// ee_axis_angle, gripper_fingers in float64, 8 values) and "wambench" (lossless: the same keys,
/// images as rendered (image_size 0), state = ee_pos, ee_quat, ee_rot6d, gripper_opening,
/// joint_pos, time_s in float64, 22 values, from which decode_observation() rebuilds the
/// Observation exactly). @throws std::invalid_argument for another name, listing the valid ones.
ObservationLayout observation_layout(const std::string& name);

/// openpi_client.image_tools.resize_with_pad for one HWC uint8 image: scale by
/// min(size / h, size / w) with bilinear interpolation (pixel centres aligned, as PIL's BILINEAR
/// for upscaling), then zero padding centred to size x size. An image already size x size is
/// returned unchanged. @throws std::invalid_argument for an empty image or size < 1.
Image resize_with_pad(const Image& image, int size);

/// The observation map of `obs`: images (uint8 HWC ndarray), state (state_dtype ndarray (N,)),
/// prompt (str); plus, if `extra` is a non-empty object, every entry of it (e.g. "wambench/episode").
/// @throws std::invalid_argument if a camera of the layout is missing from obs.images.
Map encode_observation(const Observation& obs, const std::string& prompt, const ObservationLayout& layout,
                       const Map& extra = {});

/// The Observation carried by an observation map of `layout`: images under the layout's camera
/// names, state fields written back (ee_axis_angle / gripper_fingers are converted back to
/// ee_quat / gripper_opening; fields not in the layout stay zero).
/// @throws std::invalid_argument naming the key: a missing key, an image that is not uint8
/// (H, W, 3), a state that is not a float (N,) array of the layout's size, a prompt that is not str.
Observation decode_observation(const Map& request, const ObservationLayout& layout, std::string* prompt);

/// How the result's "actions" (H, D) become this benchmark's normalized 7-D actions.
struct ActionMapping {
  /// "delta_ee": the server already speaks this benchmark's action space (D = 7, DESIGN.md
  /// "Actions": [dx, dy, dz, droll, dpitch, dyaw] in [-1, 1], gripper -1 open / +1 closed), values
  /// used as they are (the simulator clips to [-1, 1]).
  /// "scaled": the model's own units. Arm dimension i (0..5): normalized = scale[i] * (raw[i] -
  /// offset[i]); gripper (dimension gripper_index) mapped by gripper_mode.
  std::string convention = "delta_ee";
  std::vector<double> scale = {1, 1, 1, 1, 1, 1};   ///< "scaled": 6 factors
  std::vector<double> offset = {0, 0, 0, 0, 0, 0};  ///< "scaled": 6 offsets, model units
  int action_dim = 7;                                ///< expected D ("scaled": >= 7; the first 6 are the arm)
  int gripper_index = 6;                             ///< "scaled": which dimension is the gripper
  /// "scaled" gripper: "threshold" (raw > gripper_threshold -> +1 closed, else -1 open; openpi's
  /// DROID example binarizes at 0.5 with 1 = closed), "sign" (raw > 0 -> +1, else -1; LIBERO
  /// models: -1 open), or "range" (gripper_range [open, closed] mapped linearly onto [-1, +1]).
  std::string gripper_mode = "sign";
  double gripper_threshold = 0.5;
  std::vector<double> gripper_range = {0.0, 1.0};
  /// If true the gripper's sign is flipped after the mapping (servers where +1 means open).
  bool gripper_invert = false;
  /// @throws std::invalid_argument naming the field and the valid values.
  void validate() const;
};

/// The actions of a result map. @throws std::runtime_error: no "actions" key (listing the keys
/// present), not an ndarray, dtype not <f4 / <f8, not 2-D, H = 0, D != action_dim, a NaN or Inf
/// (naming row and column).
std::vector<Action> decode_actions(const Map& result, const ActionMapping& mapping);

/// JSON view of a decoded value (for metadata, logs, hashes): ndarrays become
/// {"__ndarray__": dtype, "shape": [...]} plus "values" for arrays of at most 64 numeric elements;
/// bin becomes {"__bin__": size}.
nlohmann::json to_json(const Value& value);
/// The reverse for JSON built by this project (numbers, strings, arrays, objects; no ndarrays).
Value from_json(const nlohmann::json& j);

}  // namespace wambench::serving
