// The bridge between wambench's C++ types and Python (pybind11): observations as dicts of numpy
// arrays, actions and action chunks from array-likes, and a Python callable as a Policy that a
// sweep (eval/runner.h run_sweep) runs like any bundled policy.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include "policies/policy.h"
#include "sim/env.h"

namespace wambench::python {

namespace py = pybind11;

/// The observation as a dict of numpy arrays (DESIGN.md conventions: SI units, world frame):
///   "<camera>" (e.g. "front", "wrist"): (H, W, 3) uint8 RGB, row 0 = top, one per rendered camera;
///   "ee_pos": (3,) float64, end-effector position (m); "ee_quat": (4,) float64, its orientation
///   (w, x, y, z), w >= 0; "ee_rot6d": (6,) float64, the first two columns of its rotation matrix
///   (Zhou et al. 2019); "gripper_opening": (1,) float64, 0..0.08 m; "joint_pos": (7,) float64,
///   arm joint positions (rad); "time": (1,) float64, simulated time since reset (s).
/// This overload moves each image buffer into a capsule that owns it (the array's base): no copy.
/// Needs the GIL.
py::dict observation_to_dict(Observation&& obs);
/// The same, copying the images (for an observation the caller keeps). Needs the GIL.
py::dict observation_to_dict(const Observation& obs);

/// Converts one action: any array-like of 7 finite numbers (list, tuple, numpy array of any real
/// dtype), [dx, dy, dz, droll, dpitch, dyaw, gripper], normalized (components outside [-1, 1] are
/// clipped by the simulator). Needs the GIL.
/// @throws py::type_error if `action` is not convertible to float64, py::value_error naming the shape
/// it has if it is not (7,), and the index and value of the first NaN / Inf component.
Action action_from_python(py::handle action);

/// Converts what a Python policy returned: an action (7,) or an action chunk (H, 7), H >= 1.
/// Needs the GIL. @throws std::runtime_error naming the type or shape it got (non-finite values are
/// left to Env::step, which rejects them with InvalidActionError).
std::vector<Action> chunk_from_python(py::handle result);

/// A Python object shared by C++ threads: copies of the pointer need no GIL; the last owner
/// acquires the GIL to release the object.
using SharedPyObject = std::shared_ptr<py::object>;
/// Wraps `object` (call with the GIL held).
SharedPyObject share(py::object object);

/// Thrown (deliberately not a std::exception, so that the runner does not record it as an episode
/// error) by Python policies once `interrupted` is set: the sweep stops and the episodes in progress
/// are not recorded (a resumed sweep runs them again).
struct SweepInterrupted {};

/// A Policy calling a Python callable (policy name "python"). At each query it calls
/// `callable(obs, info)` with the observation dict above (images copied: the runner keeps its
/// observation) and info = {"task", "split", "episode", "seed", "instruction", "horizon", "step"}
/// (step: control steps executed before this query), and executes the whole returned action or
/// action chunk before asking again. At the start of each episode it calls `callable.reset(info)`
/// (info without "step") if the callable has a callable `reset` attribute. The GIL is acquired only
/// around these calls. A Python exception becomes std::runtime_error("Python policy raised
/// <Type>: <message>") and so the episode's error record. `images` = false: the runner renders
/// nothing and the observation has no camera entries. `interrupted` (optional, must outlive the
/// policy): when set, reset() and act() throw SweepInterrupted.
std::unique_ptr<Policy> make_python_policy(SharedPyObject callable, bool images,
                                           const std::atomic<bool>* interrupted = nullptr);

}  // namespace wambench::python
