// Small helpers over HDF5's C API (Debian's libhdf5-dev) shared by the trajectory recordings
// (eval/recording.h), demonstration collection (eval/collect.h) and the dataset reader
// (policies/demo_dataset.h). Included by .cc files only, so that HDF5's headers stay out of the
// public headers of the libraries that use it.
#pragma once

#include <hdf5.h>

#include <mutex>
#include <string>
#include <vector>

namespace wambench::hdf5 {

/// The process-wide lock: Debian's serial HDF5 is not built thread-safe, so every call holds it.
/// Also turns HDF5's automatic error printing off (errors become exceptions).
std::mutex& mutex();

/// Closes an HDF5 handle at scope exit.
struct Handle {
  hid_t id = -1;
  herr_t (*close)(hid_t) = nullptr;
  Handle(hid_t i, herr_t (*c)(hid_t)) : id(i), close(c) {}
  ~Handle() {
    if (id >= 0 && close) close(id);
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
};

/// @throws std::runtime_error "<path>: HDF5 error while <what>" if status < 0.
void check(herr_t status, const std::string& path, const std::string& what);

/// Creates dataset `name` under `loc` with shape `dims` (row-major), gzip level 4 in chunks of
/// `chunk` (same rank; gzip needs chunking, and h5py reads it by default), and writes `data`.
/// @throws std::runtime_error naming `path` and the dataset.
void write_dataset(hid_t loc, const std::string& path, const std::string& name, hid_t file_type, hid_t mem_type,
                   const void* data, const std::vector<hsize_t>& dims, const std::vector<hsize_t>& chunk);

/// A rows x cols matrix (cols 0: a vector of `rows`), one chunk.
void write_matrix(hid_t loc, const std::string& path, const char* name, hid_t file_type, hid_t mem_type,
                  const void* data, hsize_t rows, hsize_t cols);

/// A scalar fixed-length string attribute on `loc` (file, group or dataset).
void write_text_attribute(hid_t loc, const std::string& path, const char* name, const std::string& text);
/// A scalar 64-bit integer attribute.
void write_int_attribute(hid_t loc, const std::string& path, const char* name, int64_t value);
void write_uint_attribute(hid_t loc, const std::string& path, const char* name, uint64_t value);

/// @throws std::runtime_error "<path>: not a wambench trajectory (no '<name>')" if absent.
std::string read_text_attribute(hid_t loc, const std::string& path, const char* name);

/// Reads a rank-1 or rank-2 dataset as doubles. @throws std::runtime_error if missing or of
/// another rank.
std::vector<double> read_matrix(hid_t loc, const std::string& path, const char* name, hsize_t* rows, hsize_t* cols);

}  // namespace wambench::hdf5
