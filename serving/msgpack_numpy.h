// openpi's message encoding (openpi_client/msgpack_numpy.py): msgpack with the str / bin split, plus
// numpy arrays and scalars as maps with *bin* keys. The wire format is described in
// shared/recipes/openpi-protocol.md §4 (openpi commit 15a9616a, 2026-06-15).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

namespace wambench::serving {

/// A message that is not valid msgpack, or not the openpi encoding (e.g. an integer map key, an
/// ndarray whose data size does not match its shape, an unsupported dtype). The message says what
/// was wrong and, for dtypes, which are valid.
class DecodeError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A numpy array: numpy's dtype string, shape and raw element bytes in C (row-major) order.
/// Supported dtypes (little-endian or byte-order-free): "|u1" uint8, "|b1" bool, "<i4" int32,
/// "<i8" int64, "<f4" float32, "<f8" float64.
struct NdArray {
  std::string dtype;           ///< numpy dtype string, e.g. "|u1", "<f8"
  std::vector<int64_t> shape;  ///< dimensions, each >= 0; empty for a 0-d array
  std::string data;            ///< prod(shape) * itemsize bytes, C order

  /// Number of elements, prod(shape) (1 for a 0-d array).
  size_t element_count() const;
  /// Bytes per element of `dtype`. @throws DecodeError for an unsupported dtype (listing the valid ones).
  static size_t itemsize(const std::string& dtype);
  /// The elements converted to double, C order. @throws DecodeError for an unsupported dtype.
  std::vector<double> to_doubles() const;
  /// A uint8 array of the given shape from raw bytes (copied).
  static NdArray from_bytes_u8(const uint8_t* bytes, std::vector<int64_t> shape);
  /// A "<f8" (float64) or "<f4" (float32) array of shape `shape` holding `values` (C order).
  /// @throws std::invalid_argument if dtype is neither or values.size() != prod(shape).
  static NdArray from_doubles(const std::vector<double>& values, std::vector<int64_t> shape,
                              const std::string& dtype = "<f8");
};

struct Value;
using Array = std::vector<Value>;
/// A msgpack map with str (or bin) keys; keys are kept as their bytes.
using Map = std::map<std::string, Value>;
/// A msgpack bin (Python bytes).
struct Bin {
  std::string bytes;
};
/// A numpy scalar (np.float32(1.5) etc.): dtype string plus the value as a plain number.
struct NpScalar {
  std::string dtype;  ///< numpy dtype string
  double value = 0;   ///< the value (integers and bools converted; exact up to 2^53)
};

/// One decoded msgpack value with openpi's numpy extension.
struct Value {
  std::variant<std::monostate, bool, int64_t, double, std::string, Bin, Array, Map, NdArray, NpScalar> v;

  Value() = default;
  Value(bool b) : v(b) {}                          // NOLINT(google-explicit-constructor)
  Value(int i) : v(static_cast<int64_t>(i)) {}     // NOLINT
  Value(int64_t i) : v(i) {}                       // NOLINT
  Value(double d) : v(d) {}                        // NOLINT
  Value(const char* s) : v(std::string(s)) {}      // NOLINT
  Value(std::string s) : v(std::move(s)) {}        // NOLINT
  Value(Bin b) : v(std::move(b)) {}                // NOLINT
  Value(Array a) : v(std::move(a)) {}              // NOLINT
  Value(Map m) : v(std::move(m)) {}                // NOLINT
  Value(NdArray a) : v(std::move(a)) {}            // NOLINT
  Value(NpScalar s) : v(std::move(s)) {}           // NOLINT

  bool is_nil() const { return std::holds_alternative<std::monostate>(v); }
  template <typename T>
  bool is() const { return std::holds_alternative<T>(v); }
  template <typename T>
  const T* get_if() const { return std::get_if<T>(&v); }
  /// Human-readable type name for error messages: "nil", "bool", "int", "float", "str", "bin",
  /// "array", "map", "ndarray <f4 (10, 7)", "numpy scalar <f4".
  std::string type_name() const;
  /// A number (bool, int, float or numpy scalar) as double. @throws std::invalid_argument otherwise.
  double as_number() const;
};

/// Encodes `value` as openpi does (msgpack_numpy.packb): str as msgpack str, Bin as bin, floats as
/// float64, ints in the smallest format, NdArray as the map {bin "__ndarray__": true, bin "data": bin,
/// bin "dtype": str, bin "shape": [ints]} in that order, NpScalar as {bin "__npgeneric__": true,
/// bin "data": number, bin "dtype": str}. Map keys are written as msgpack str.
/// @throws std::invalid_argument for an NdArray whose data size does not match shape and dtype.
std::string encode(const Value& value);

/// Decodes one msgpack object (the whole buffer) as openpi does (msgpack_numpy.unpackb): str and bin
/// keys are both accepted (kept as bytes), ndarray / npgeneric maps (bin keys only, as openpi's
/// decoder; str-keyed ones stay ordinary maps) become NdArray / NpScalar.
/// @throws DecodeError: not msgpack or trailing bytes, an integer / non-string map key, an ext
/// type, an ndarray map with a missing or mistyped entry, an unsupported dtype, a data size that
/// does not match prod(shape) * itemsize, a negative dimension.
Value decode(const char* data, size_t size);
inline Value decode(const std::string& bytes) { return decode(bytes.data(), bytes.size()); }

}  // namespace wambench::serving
