#include "io/hdf5.h"

#include <algorithm>
#include <stdexcept>

namespace wambench::hdf5 {

std::mutex& mutex() {
  static std::mutex m;  // Debian's serial HDF5 is not built thread-safe: serialize every call
  static const bool quiet = [] {
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);  // errors are reported as exceptions instead
    return true;
  }();
  (void)quiet;
  return m;
}

void check(herr_t status, const std::string& path, const std::string& what) {
  if (status < 0) throw std::runtime_error(path + ": HDF5 error while " + what);
}

void write_dataset(hid_t loc, const std::string& path, const std::string& name, hid_t file_type, hid_t mem_type,
                   const void* data, const std::vector<hsize_t>& dims, const std::vector<hsize_t>& chunk) {
  const int rank = static_cast<int>(dims.size());
  Handle space(H5Screate_simple(rank, dims.data(), nullptr), H5Sclose);
  Handle dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
  hsize_t elements = 1;
  for (hsize_t d : dims) elements *= d;
  if (elements > 0) {
    check(H5Pset_chunk(dcpl.id, rank, chunk.data()), path, "setting chunks of " + name);
    check(H5Pset_deflate(dcpl.id, 4), path, "setting gzip");
  }
  Handle ds(H5Dcreate2(loc, name.c_str(), file_type, space.id, H5P_DEFAULT, dcpl.id, H5P_DEFAULT), H5Dclose);
  if (ds.id < 0) throw std::runtime_error(path + ": cannot create dataset " + name);
  if (elements > 0) check(H5Dwrite(ds.id, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data), path, "writing " + name);
}

void write_matrix(hid_t loc, const std::string& path, const char* name, hid_t file_type, hid_t mem_type,
                  const void* data, hsize_t rows, hsize_t cols) {
  if (cols == 0) write_dataset(loc, path, name, file_type, mem_type, data, {rows}, {std::max<hsize_t>(rows, 1)});
  else write_dataset(loc, path, name, file_type, mem_type, data, {rows, cols}, {std::max<hsize_t>(rows, 1), cols});
}

void write_text_attribute(hid_t file, const std::string& path, const char* name, const std::string& text) {
  Handle type(H5Tcopy(H5T_C_S1), H5Tclose);
  check(H5Tset_size(type.id, std::max<size_t>(1, text.size())), path, "sizing a string");
  Handle space(H5Screate(H5S_SCALAR), H5Sclose);
  Handle attr(H5Acreate2(file, name, type.id, space.id, H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
  if (attr.id < 0) throw std::runtime_error(path + ": cannot create attribute " + name);
  const std::string padded = text.empty() ? std::string(1, '\0') : text;
  check(H5Awrite(attr.id, type.id, padded.data()), path, std::string("writing attribute ") + name);
}

namespace {
template <typename T>
void write_number_attribute(hid_t loc, const std::string& path, const char* name, hid_t file_type, hid_t mem_type,
                            T value) {
  Handle space(H5Screate(H5S_SCALAR), H5Sclose);
  Handle attr(H5Acreate2(loc, name, file_type, space.id, H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
  if (attr.id < 0) throw std::runtime_error(path + ": cannot create attribute " + name);
  check(H5Awrite(attr.id, mem_type, &value), path, std::string("writing attribute ") + name);
}
}  // namespace

void write_int_attribute(hid_t loc, const std::string& path, const char* name, int64_t value) {
  write_number_attribute(loc, path, name, H5T_STD_I64LE, H5T_NATIVE_INT64, value);
}

void write_uint_attribute(hid_t loc, const std::string& path, const char* name, uint64_t value) {
  write_number_attribute(loc, path, name, H5T_STD_U64LE, H5T_NATIVE_UINT64, value);
}

std::string read_text_attribute(hid_t file, const std::string& path, const char* name) {
  if (H5Aexists(file, name) <= 0) throw std::runtime_error(path + ": not a wambench trajectory (no '" + name + "')");
  Handle attr(H5Aopen(file, name, H5P_DEFAULT), H5Aclose);
  Handle type(H5Aget_type(attr.id), H5Tclose);
  const size_t n = H5Tget_size(type.id);
  std::string text(n, '\0');
  check(H5Aread(attr.id, type.id, text.data()), path, std::string("reading attribute ") + name);
  while (!text.empty() && text.back() == '\0') text.pop_back();
  return text;
}

std::vector<double> read_matrix(hid_t file, const std::string& path, const char* name, hsize_t* rows, hsize_t* cols) {
  Handle ds(H5Dopen2(file, name, H5P_DEFAULT), H5Dclose);
  if (ds.id < 0) throw std::runtime_error(path + ": missing dataset " + name);
  Handle space(H5Dget_space(ds.id), H5Sclose);
  hsize_t dims[2] = {0, 1};
  const int rank = H5Sget_simple_extent_dims(space.id, dims, nullptr);
  if (rank < 1 || rank > 2) throw std::runtime_error(path + ": dataset " + std::string(name) + " has rank " + std::to_string(rank));
  *rows = dims[0];
  *cols = rank == 2 ? dims[1] : 1;
  std::vector<double> out(*rows * *cols);
  if (!out.empty()) check(H5Dread(ds.id, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()), path,
                          std::string("reading ") + name);
  return out;
}

}  // namespace wambench::hdf5
