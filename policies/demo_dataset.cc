#include "policies/demo_dataset.h"

#include <openssl/evp.h>

#include <cmath>
#include <fstream>
#include <memory>
#include <mutex>
#include <stdexcept>

#include "io/hdf5.h"
#include "sim/env.h"

namespace wambench {
namespace {

bool exists(hid_t loc, const std::string& path) {
  // H5Lexists on each component, so a missing group is "false", not an error.
  std::string so_far;
  size_t start = 0;
  while (start <= path.size()) {
    const size_t end = path.find('/', start);
    so_far += (so_far.empty() ? "" : "/") + path.substr(start, end - start);
    if (H5Lexists(loc, so_far.c_str(), H5P_DEFAULT) <= 0) return false;
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return true;
}

// Reads a dataset of any rank into `out` (converted to the memory type); returns its dims.
template <typename T>
std::vector<hsize_t> read_all(hid_t loc, const std::string& file, const std::string& name, hid_t mem_type,
                              std::vector<T>* out) {
  hdf5::Handle ds(H5Dopen2(loc, name.c_str(), H5P_DEFAULT), H5Dclose);
  if (ds.id < 0) throw std::runtime_error(file + ": cannot open " + name);
  hdf5::Handle space(H5Dget_space(ds.id), H5Sclose);
  const int rank = H5Sget_simple_extent_ndims(space.id);
  std::vector<hsize_t> dims(std::max(rank, 0));
  H5Sget_simple_extent_dims(space.id, dims.data(), nullptr);
  size_t n = 1;
  for (hsize_t d : dims) n *= d;
  out->resize(n);
  if (n) hdf5::check(H5Dread(ds.id, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, out->data()), file, "reading " + name);
  return dims;
}

}  // namespace

std::vector<uint8_t> pool_images(const uint8_t* src, int n, int size, int k) {
  const int big = size * k;
  std::vector<uint8_t> out(static_cast<size_t>(n) * size * size * 3);
  for (int i = 0; i < n; ++i)
    for (int r = 0; r < size; ++r)
      for (int c = 0; c < size; ++c)
        for (int ch = 0; ch < 3; ++ch) {
          int sum = 0;
          for (int dr = 0; dr < k; ++dr)
            for (int dc = 0; dc < k; ++dc)
              sum += src[((static_cast<size_t>(i) * big + r * k + dr) * big + c * k + dc) * 3 + ch];
          out[((static_cast<size_t>(i) * size + r) * size + c) * 3 + ch] =
              static_cast<uint8_t>((sum + k * k / 2) / (k * k));
        }
  return out;
}

std::vector<float> proprio_vector(const Observation& obs) {
  std::vector<float> p;
  p.reserve(kProprioDim);
  for (double v : obs.ee_pos_m) p.push_back(static_cast<float>(v));
  for (double v : obs.ee_rot6d) p.push_back(static_cast<float>(v));
  p.push_back(static_cast<float>(obs.gripper_opening_m));
  for (double v : obs.joint_pos_rad) p.push_back(static_cast<float>(v));
  return p;
}

std::array<float, kStateFeatureDim> state_features(const double* object_state, const double* ee_pos) {
  std::array<float, kStateFeatureDim> f{};
  for (int k = 0; k < kStateDim; ++k) f[k] = static_cast<float>(object_state[k]);
  for (int k = 0; k < 3; ++k) {
    f[kStateDim + k] = static_cast<float>(object_state[k] - ee_pos[k]);
    f[kStateDim + 3 + k] = static_cast<float>(object_state[5 + k] - ee_pos[k]);
  }
  return f;
}

std::vector<Demo> read_demos(const std::string& path, int front_size, int image_size, bool images) {
  if (image_size < 8 || front_size < 8) throw std::invalid_argument("read_demos: image sizes must be >= 8");
  std::lock_guard<std::mutex> lock(hdf5::mutex());
  std::ifstream probe(path);
  if (!probe) throw std::runtime_error("no demonstration file '" + path + "' (make one with `wambench collect`)");
  hdf5::Handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  if (file.id < 0) throw std::runtime_error("'" + path + "' is not a readable HDF5 file");
  if (!exists(file.id, "data")) throw std::runtime_error(path + ": missing required key 'data' (not a collect file)");
  hdf5::Handle data(H5Gopen2(file.id, "data", H5P_DEFAULT), H5Gclose);
  hsize_t n_links = 0;
  H5G_info_t info;
  hdf5::check(H5Gget_info(data.id, &info), path, "listing data/");
  n_links = info.nlinks;
  if (n_links == 0) throw std::runtime_error(path + ": data/ holds no demonstrations");
  static const char* kRequired[] = {"actions",         "obs/front_image", "obs/wrist_image", "obs/ee_pos",
                                    "obs/ee_rot6d",    "obs/gripper_opening", "obs/joint_pos"};
  std::vector<Demo> demos;
  for (hsize_t i = 0; i < n_links; ++i) {
    const std::string name = "demo_" + std::to_string(i);
    if (!exists(data.id, name))
      throw std::runtime_error(path + ": missing required key 'data/" + name + "' (demos are numbered 0.." +
                               std::to_string(n_links - 1) + ")");
    hdf5::Handle g(H5Gopen2(data.id, name.c_str(), H5P_DEFAULT), H5Gclose);
    std::string missing;
    for (const char* key : kRequired)
      if (!exists(g.id, key)) missing += (missing.empty() ? "" : ", ") + std::string("data/") + name + "/" + key;
    if (H5Aexists(g.id, "task") <= 0) missing += (missing.empty() ? "" : ", ") + std::string("data/") + name + ".attrs[task]";
    if (H5Aexists(g.id, "instruction") <= 0)
      missing += (missing.empty() ? "" : ", ") + std::string("data/") + name + ".attrs[instruction]";
    if (!missing.empty()) throw std::runtime_error(path + ": missing required keys: " + missing);
    Demo d;
    d.task = hdf5::read_text_attribute(g.id, path, "task");
    d.instruction = hdf5::read_text_attribute(g.id, path, "instruction");
    std::vector<double> actions;
    const auto adims = read_all(g.id, path, "actions", H5T_NATIVE_DOUBLE, &actions);
    if (adims.size() != 2 || adims[1] != 7)
      throw std::runtime_error(path + ": data/" + name + "/actions must be (T, 7)");
    d.steps = static_cast<int>(adims[0]);
    d.actions.assign(actions.begin(), actions.end());
    d.front_size = front_size;
    d.image_size = image_size;
    if (images) {
      std::vector<uint8_t> front, wrist;
      const auto fdims = read_all(g.id, path, "obs/front_image", H5T_NATIVE_UINT8, &front);
      const auto wdims = read_all(g.id, path, "obs/wrist_image", H5T_NATIVE_UINT8, &wrist);
      if (fdims.size() != 4 || fdims != wdims || fdims[0] != adims[0] || fdims[1] != fdims[2] || fdims[3] != 3)
        throw std::runtime_error(path + ": data/" + name + "/obs/*_image must both be (T, H, H, 3) with T = " +
                                 std::to_string(d.steps));
      const int stored = static_cast<int>(fdims[1]);
      for (int size : {front_size, image_size})
        if (stored % size != 0)
          throw std::invalid_argument(path + ": stored images are " + std::to_string(stored) +
                                      " px, not a multiple of " + std::to_string(size) + " px");
      const int kf = stored / front_size, kw = stored / image_size;
      d.front = kf == 1 ? front : pool_images(front.data(), d.steps, front_size, kf);
      d.wrist = kw == 1 ? wrist : pool_images(wrist.data(), d.steps, image_size, kw);
    }
    const std::pair<const char*, int> parts[] = {{"obs/ee_pos", 3}, {"obs/ee_rot6d", 6}, {"obs/gripper_opening", 1},
                                                 {"obs/joint_pos", 7}};
    std::vector<std::vector<double>> columns;
    for (const auto& [key, width] : parts) {
      columns.emplace_back();
      const auto dims = read_all(g.id, path, key, H5T_NATIVE_DOUBLE, &columns.back());
      if (dims.size() != 2 || dims[0] != adims[0] || static_cast<int>(dims[1]) != width)
        throw std::runtime_error(path + ": data/" + name + "/" + key + " must be (T, " + std::to_string(width) + ")");
    }
    d.proprio.resize(static_cast<size_t>(d.steps) * kProprioDim);
    for (int t = 0; t < d.steps; ++t) {
      int col = 0;
      for (size_t p = 0; p < columns.size(); ++p)
        for (int c = 0; c < parts[p].second; ++c)
          d.proprio[static_cast<size_t>(t) * kProprioDim + col++] =
              static_cast<float>(columns[p][static_cast<size_t>(t) * parts[p].second + c]);
    }
    if (exists(g.id, "obs/object_state")) {
      std::vector<double> state;
      const auto sdims = read_all(g.id, path, "obs/object_state", H5T_NATIVE_DOUBLE, &state);
      if (sdims.size() != 2 || sdims[0] != adims[0] || sdims[1] != static_cast<hsize_t>(kStateDim))
        throw std::runtime_error(path + ": data/" + name + "/obs/object_state must be (T, " +
                                 std::to_string(kStateDim) + ") (a file of an older `wambench collect` has " +
                                 "another width: collect it again)");
      d.state_features.resize(static_cast<size_t>(d.steps) * kStateFeatureDim);
      for (int t = 0; t < d.steps; ++t) {
        const auto f = state_features(&state[static_cast<size_t>(t) * kStateDim], &columns[0][static_cast<size_t>(t) * 3]);
        std::copy(f.begin(), f.end(), d.state_features.begin() + static_cast<std::ptrdiff_t>(t) * kStateFeatureDim);
      }
    }
    if (exists(g.id, "phases_coarse")) {
      const auto pdims = read_all(g.id, path, "phases_coarse", H5T_NATIVE_UINT8, &d.interaction);
      if (pdims.size() != 1 || pdims[0] != adims[0])
        throw std::runtime_error(path + ": data/" + name + "/phases_coarse must be (T,) with T = " +
                                 std::to_string(d.steps));
    }
    demos.push_back(std::move(d));
  }
  return demos;
}

std::string file_sha256(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read '" + path + "' to hash it");
  std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr);
  std::vector<char> buffer(1 << 20);
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    EVP_DigestUpdate(ctx.get(), buffer.data(), static_cast<size_t>(in.gcount()));
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx.get(), digest, &len);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out += hex[digest[i] >> 4];
    out += hex[digest[i] & 15];
  }
  return out;
}

}  // namespace wambench
