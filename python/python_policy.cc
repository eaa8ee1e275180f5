#include "python/python_policy.h"

#include <cmath>
#include <cstring>
#include <stdexcept>

namespace wambench::python {
namespace {

template <size_t N>
py::array_t<double> vector_array(const std::array<double, N>& v) {
  py::array_t<double> a(static_cast<py::ssize_t>(N));
  std::memcpy(a.mutable_data(), v.data(), N * sizeof(double));
  return a;
}

py::array_t<double> scalar_array(double x) {
  py::array_t<double> a(1);
  *a.mutable_data() = x;
  return a;
}

void add_state(const Observation& obs, py::dict& d) {
  d["ee_pos"] = vector_array(obs.ee_pos_m);
  d["ee_quat"] = vector_array(obs.ee_quat_wxyz);
  d["ee_rot6d"] = vector_array(obs.ee_rot6d);
  d["gripper_opening"] = scalar_array(obs.gripper_opening_m);
  d["joint_pos"] = vector_array(obs.joint_pos_rad);
  d["time"] = scalar_array(obs.time_s);
}

std::string shape_text(const py::array& a) {
  std::string s = "(";
  for (py::ssize_t i = 0; i < a.ndim(); ++i) s += (i ? ", " : "") + std::to_string(a.shape(i));
  return s + (a.ndim() == 1 ? ",)" : ")");
}

}  // namespace

py::dict observation_to_dict(Observation&& obs) {
  py::dict d;
  for (auto& [camera, image] : obs.images) {
    auto* buffer = new std::vector<uint8_t>(std::move(image.rgb));
    py::capsule owner(buffer, [](void* p) { delete static_cast<std::vector<uint8_t>*>(p); });
    d[py::str(camera)] = py::array_t<uint8_t>({image.height, image.width, 3}, buffer->data(), owner);
  }
  add_state(obs, d);
  return d;
}

py::dict observation_to_dict(const Observation& obs) {
  py::dict d;
  for (const auto& [camera, image] : obs.images) {
    py::array_t<uint8_t> a({image.height, image.width, 3});
    std::memcpy(a.mutable_data(), image.rgb.data(), image.rgb.size());
    d[py::str(camera)] = a;
  }
  add_state(obs, d);
  return d;
}

Action action_from_python(py::handle action) {
  auto a = py::array_t<double, py::array::c_style | py::array::forcecast>::ensure(action);
  if (!a)
    throw py::type_error("action must be an array-like of 7 numbers [dx, dy, dz, droll, dpitch, dyaw, gripper], got " +
                         std::string(py::str(py::type::of(action).attr("__name__"))));
  if (a.ndim() != 1 || a.shape(0) != kActionDim)
    throw py::value_error("action must have shape (7,) ([dx, dy, dz, droll, dpitch, dyaw, gripper], normalized to "
                          "[-1, 1]), got shape " + shape_text(a));
  Action out;
  const double* p = a.data();
  for (int i = 0; i < kActionDim; ++i) {
    if (!std::isfinite(p[i]))
      throw py::value_error("action[" + std::to_string(i) + "] is " + std::to_string(p[i]) +
                            ": actions must be finite (values outside [-1, 1] are clipped)");
    out[i] = p[i];
  }
  return out;
}

std::vector<Action> chunk_from_python(py::handle result) {
  auto a = py::array_t<double, py::array::c_style | py::array::forcecast>::ensure(result);
  if (!a)
    throw std::runtime_error("the Python policy returned a " + std::string(py::str(py::type::of(result).attr("__name__"))) +
                             "; expected an action (7,) or an action chunk (H, 7) of numbers");
  const bool single = a.ndim() == 1 && a.shape(0) == kActionDim;
  const bool chunk = a.ndim() == 2 && a.shape(0) >= 1 && a.shape(1) == kActionDim;
  if (!single && !chunk)
    throw std::runtime_error("the Python policy returned an array of shape " + shape_text(a) +
                             "; expected an action (7,) or an action chunk (H, 7) with H >= 1");
  const size_t h = single ? 1 : static_cast<size_t>(a.shape(0));
  std::vector<Action> out(h);
  std::memcpy(out.data(), a.data(), h * kActionDim * sizeof(double));
  return out;
}

SharedPyObject share(py::object object) {
  return SharedPyObject(new py::object(std::move(object)), [](py::object* p) {
    py::gil_scoped_acquire gil;
    delete p;
  });
}

namespace {

class PythonPolicy final : public Policy {
 public:
  PythonPolicy(SharedPyObject callable, bool images, const std::atomic<bool>* interrupted)
      : callable_(std::move(callable)), images_(images), interrupted_(interrupted) {}

  std::string name() const override { return "python"; }
  bool needs_images() const override { return images_; }

  void reset(const EpisodeInfo& info) override {
    check_interrupted();
    info_ = info;
    step_ = 0;
    py::gil_scoped_acquire gil;
    std::string error;
    try {
      if (py::hasattr(*callable_, "reset")) {
        py::object reset = callable_->attr("reset");
        if (PyCallable_Check(reset.ptr())) reset(info_dict(false));
      }
    } catch (py::error_already_set& e) {
      error = std::string("Python policy's reset() raised ") + e.what();
    }
    if (!error.empty()) throw std::runtime_error(error);
  }

  PolicyOutput act(const Observation& obs) override {
    check_interrupted();
    PolicyOutput out;
    std::string error;
    {
      py::gil_scoped_acquire gil;
      try {
        py::object result = (*callable_)(observation_to_dict(obs), info_dict(true));
        out.chunk = chunk_from_python(result);
      } catch (py::error_already_set& e) {
        error = std::string("Python policy raised ") + e.what();
      } catch (const std::exception& e) {
        error = e.what();
      }
    }
    if (!error.empty()) throw std::runtime_error(error);
    step_ += static_cast<int>(out.chunk.size());
    return out;
  }

 private:
  void check_interrupted() const {
    if (interrupted_ && interrupted_->load()) throw SweepInterrupted{};
  }

  py::dict info_dict(bool with_step) const {
    py::dict d;
    d["task"] = info_.task;
    d["split"] = info_.split;
    d["episode"] = info_.index;
    d["seed"] = info_.seed;
    d["instruction"] = info_.instruction;
    d["horizon"] = info_.horizon_steps;
    if (with_step) d["step"] = step_;
    return d;
  }

  SharedPyObject callable_;
  bool images_;
  const std::atomic<bool>* interrupted_;
  EpisodeInfo info_;
  int step_ = 0;
};

}  // namespace

std::unique_ptr<Policy> make_python_policy(SharedPyObject callable, bool images, const std::atomic<bool>* interrupted) {
  return std::make_unique<PythonPolicy>(std::move(callable), images, interrupted);
}

}  // namespace wambench::python
