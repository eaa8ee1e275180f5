#include "serving/msgpack_numpy.h"

#include <cstring>
#include <sstream>

#include <msgpack.hpp>

#include "serving/msgpack_writer.h"

namespace wambench::serving {
namespace {

const char* const kValidDtypes = "|u1, |b1, <i4, <i8, <f4, <f8";

using msgpack_io::Packer;
using msgpack_io::StringWriter;
using msgpack_io::pack_str;

void pack_bin(Packer& p, const char* data, size_t size) {
  p.pack_bin(static_cast<uint32_t>(size));
  p.pack_bin_body(data, static_cast<uint32_t>(size));
}

void pack_bin_key(Packer& p, const char* key) { pack_bin(p, key, std::strlen(key)); }

// float64 (0xcb) always, as Python packs a float; msgpack-cxx's pack_double writes integral values
// as integers.
void pack_float64(StringWriter& w, double d) {
  uint64_t bits;
  std::memcpy(&bits, &d, 8);
  char buf[9];
  buf[0] = static_cast<char>(0xcb);
  for (int i = 0; i < 8; ++i) buf[1 + i] = static_cast<char>((bits >> (56 - 8 * i)) & 0xff);
  w.write(buf, 9);
}

std::string shape_text(const std::vector<int64_t>& shape) {
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  if (shape.size() == 1) s += ",";
  return s + ")";
}

void pack_value(Packer& p, StringWriter& w, const Value& value) {
  struct Visitor {
    Packer& p;
    StringWriter& w;
    void operator()(const std::monostate&) const { p.pack_nil(); }
    void operator()(bool b) const { b ? p.pack_true() : p.pack_false(); }
    void operator()(int64_t i) const { p.pack_int64(i); }
    void operator()(double d) const { pack_float64(w, d); }
    void operator()(const std::string& s) const { pack_str(p, s); }
    void operator()(const Bin& b) const { pack_bin(p, b.bytes.data(), b.bytes.size()); }
    void operator()(const Array& a) const {
      p.pack_array(static_cast<uint32_t>(a.size()));
      for (const Value& x : a) pack_value(p, w, x);
    }
    void operator()(const Map& m) const {
      p.pack_map(static_cast<uint32_t>(m.size()));
      for (const auto& [k, x] : m) {
        pack_str(p, k);
        pack_value(p, w, x);
      }
    }
    void operator()(const NdArray& a) const {
      const size_t expected = a.element_count() * NdArray::itemsize(a.dtype);
      if (a.data.size() != expected)
        throw std::invalid_argument("ndarray " + a.dtype + " " + shape_text(a.shape) + " needs " +
                                    std::to_string(expected) + " data bytes, has " + std::to_string(a.data.size()));
      p.pack_map(4);
      pack_bin_key(p, "__ndarray__");
      p.pack_true();
      pack_bin_key(p, "data");
      pack_bin(p, a.data.data(), a.data.size());
      pack_bin_key(p, "dtype");
      pack_str(p, a.dtype);
      pack_bin_key(p, "shape");
      p.pack_array(static_cast<uint32_t>(a.shape.size()));
      for (int64_t d : a.shape) p.pack_int64(d);
    }
    void operator()(const NpScalar& s) const {
      p.pack_map(3);
      pack_bin_key(p, "__npgeneric__");
      p.pack_true();
      pack_bin_key(p, "data");
      if (s.dtype == "|b1") s.value != 0 ? p.pack_true() : p.pack_false();
      else if (s.dtype == "<f4" || s.dtype == "<f8") pack_float64(w, s.value);
      else p.pack_int64(static_cast<int64_t>(s.value));
      pack_bin_key(p, "dtype");
      pack_str(p, s.dtype);
    }
  };
  std::visit(Visitor{p, w}, value.v);
}

std::string key_of(const msgpack::object& o) {
  if (o.type == msgpack::type::STR) return std::string(o.via.str.ptr, o.via.str.size);
  if (o.type == msgpack::type::BIN) return std::string(o.via.bin.ptr, o.via.bin.size);
  throw DecodeError("map key of msgpack type " + std::to_string(static_cast<int>(o.type)) +
                    " (e.g. an integer); openpi messages have str or bin map keys only");
}

Value convert(const msgpack::object& o, const std::string& path);

// The ndarray / npgeneric maps: recognized only with bin keys, like openpi's decoder.
bool has_bin_key(const msgpack::object& o, const char* key) {
  for (uint32_t i = 0; i < o.via.map.size; ++i) {
    const msgpack::object& k = o.via.map.ptr[i].key;
    if (k.type == msgpack::type::BIN && k.via.bin.size == std::strlen(key) &&
        std::memcmp(k.via.bin.ptr, key, k.via.bin.size) == 0)
      return true;
  }
  return false;
}

const msgpack::object* bin_entry(const msgpack::object& o, const char* key) {
  for (uint32_t i = 0; i < o.via.map.size; ++i) {
    const msgpack::object& k = o.via.map.ptr[i].key;
    if ((k.type == msgpack::type::BIN || k.type == msgpack::type::STR) && k.via.bin.size == std::strlen(key) &&
        std::memcmp(k.via.bin.ptr, key, k.via.bin.size) == 0)
      return &o.via.map.ptr[i].val;
  }
  return nullptr;
}

std::string text_of(const msgpack::object& o, const std::string& what) {
  if (o.type == msgpack::type::STR) return std::string(o.via.str.ptr, o.via.str.size);
  if (o.type == msgpack::type::BIN) return std::string(o.via.bin.ptr, o.via.bin.size);
  throw DecodeError(what + " must be str or bin");
}

NdArray convert_ndarray(const msgpack::object& o, const std::string& path) {
  NdArray a;
  const msgpack::object* data = bin_entry(o, "data");
  const msgpack::object* dtype = bin_entry(o, "dtype");
  const msgpack::object* shape = bin_entry(o, "shape");
  if (!data || !dtype || !shape)
    throw DecodeError(path + ": ndarray map needs the entries __ndarray__, data, dtype, shape");
  a.dtype = text_of(*dtype, path + ": ndarray dtype");
  const size_t itemsize = NdArray::itemsize(a.dtype);
  if (shape->type != msgpack::type::ARRAY) throw DecodeError(path + ": ndarray shape must be an array of ints");
  for (uint32_t i = 0; i < shape->via.array.size; ++i) {
    const msgpack::object& d = shape->via.array.ptr[i];
    if (d.type == msgpack::type::NEGATIVE_INTEGER) throw DecodeError(path + ": ndarray shape has a negative dimension");
    if (d.type != msgpack::type::POSITIVE_INTEGER) throw DecodeError(path + ": ndarray shape must be an array of ints");
    a.shape.push_back(static_cast<int64_t>(d.via.u64));
  }
  if (data->type != msgpack::type::BIN) throw DecodeError(path + ": ndarray data must be bin");
  a.data.assign(data->via.bin.ptr, data->via.bin.size);
  const size_t expected = a.element_count() * itemsize;
  if (a.data.size() != expected)
    throw DecodeError(path + ": ndarray " + a.dtype + " " + shape_text(a.shape) + " needs " + std::to_string(expected) +
                      " data bytes, got " + std::to_string(a.data.size()));
  return a;
}

Value convert(const msgpack::object& o, const std::string& path) {
  switch (o.type) {
    case msgpack::type::NIL: return Value();
    case msgpack::type::BOOLEAN: return Value(o.via.boolean);
    case msgpack::type::POSITIVE_INTEGER:
      if (o.via.u64 > static_cast<uint64_t>(INT64_MAX)) throw DecodeError(path + ": integer above 2^63 - 1");
      return Value(static_cast<int64_t>(o.via.u64));
    case msgpack::type::NEGATIVE_INTEGER: return Value(static_cast<int64_t>(o.via.i64));
    case msgpack::type::FLOAT32:
    case msgpack::type::FLOAT64: return Value(o.via.f64);
    case msgpack::type::STR: return Value(std::string(o.via.str.ptr, o.via.str.size));
    case msgpack::type::BIN: return Value(Bin{std::string(o.via.bin.ptr, o.via.bin.size)});
    case msgpack::type::ARRAY: {
      Array a;
      a.reserve(o.via.array.size);
      for (uint32_t i = 0; i < o.via.array.size; ++i)
        a.push_back(convert(o.via.array.ptr[i], path + "[" + std::to_string(i) + "]"));
      return Value(std::move(a));
    }
    case msgpack::type::MAP: {
      if (has_bin_key(o, "__ndarray__")) return Value(convert_ndarray(o, path));
      if (has_bin_key(o, "__npgeneric__")) {
        const msgpack::object* data = bin_entry(o, "data");
        const msgpack::object* dtype = bin_entry(o, "dtype");
        if (!data || !dtype) throw DecodeError(path + ": numpy scalar map needs the entries __npgeneric__, data, dtype");
        NpScalar s;
        s.dtype = text_of(*dtype, path + ": numpy scalar dtype");
        NdArray::itemsize(s.dtype);
        const Value inner = convert(*data, path + ".data");
        try {
          s.value = inner.as_number();
        } catch (const std::invalid_argument&) {
          throw DecodeError(path + ": numpy scalar data must be a number or bool, got " + inner.type_name());
        }
        return Value(s);
      }
      Map m;
      for (uint32_t i = 0; i < o.via.map.size; ++i) {
        std::string k;
        try {
          k = key_of(o.via.map.ptr[i].key);
        } catch (const DecodeError& e) {
          throw DecodeError((path.empty() ? std::string("message") : path) + ": " + e.what());
        }
        m[k] = convert(o.via.map.ptr[i].val, path.empty() ? k : path + "." + k);
      }
      return Value(std::move(m));
    }
    default:
      throw DecodeError((path.empty() ? std::string("message") : path) +
                        ": msgpack ext / unsupported type; openpi messages use nil, bool, int, float, str, bin, "
                        "array and map only");
  }
}

}  // namespace

size_t NdArray::element_count() const {
  size_t n = 1;
  for (int64_t d : shape) n *= static_cast<size_t>(d);
  return n;
}

size_t NdArray::itemsize(const std::string& dtype) {
  if (dtype == "|u1" || dtype == "|b1" || dtype == "<u1" || dtype == "<b1") return 1;
  if (dtype == "<i4" || dtype == "<f4") return 4;
  if (dtype == "<i8" || dtype == "<f8") return 8;
  throw DecodeError("unsupported dtype '" + dtype + "'; supported: " + kValidDtypes);
}

std::vector<double> NdArray::to_doubles() const {
  const size_t n = element_count();
  std::vector<double> out(n);
  const char* p = data.data();
  if (dtype == "<f8") {
    std::memcpy(out.data(), p, n * 8);
  } else if (dtype == "<f4") {
    for (size_t i = 0; i < n; ++i) {
      float f;
      std::memcpy(&f, p + 4 * i, 4);
      out[i] = f;
    }
  } else if (dtype == "<i4") {
    for (size_t i = 0; i < n; ++i) {
      int32_t x;
      std::memcpy(&x, p + 4 * i, 4);
      out[i] = x;
    }
  } else if (dtype == "<i8") {
    for (size_t i = 0; i < n; ++i) {
      int64_t x;
      std::memcpy(&x, p + 8 * i, 8);
      out[i] = static_cast<double>(x);
    }
  } else if (itemsize(dtype) == 1) {
    for (size_t i = 0; i < n; ++i) out[i] = static_cast<uint8_t>(p[i]);
  }
  return out;
}

NdArray NdArray::from_bytes_u8(const uint8_t* bytes, std::vector<int64_t> shape) {
  NdArray a;
  a.dtype = "|u1";
  a.shape = std::move(shape);
  a.data.assign(reinterpret_cast<const char*>(bytes), a.element_count());
  return a;
}

NdArray NdArray::from_doubles(const std::vector<double>& values, std::vector<int64_t> shape, const std::string& dtype) {
  NdArray a;
  a.dtype = dtype;
  a.shape = std::move(shape);
  if (values.size() != a.element_count())
    throw std::invalid_argument("from_doubles: " + std::to_string(values.size()) + " values for shape " +
                                shape_text(a.shape));
  if (dtype == "<f8") {
    a.data.assign(reinterpret_cast<const char*>(values.data()), values.size() * 8);
  } else if (dtype == "<f4") {
    a.data.resize(values.size() * 4);
    for (size_t i = 0; i < values.size(); ++i) {
      const float f = static_cast<float>(values[i]);
      std::memcpy(&a.data[4 * i], &f, 4);
    }
  } else {
    throw std::invalid_argument("from_doubles: dtype must be <f8 or <f4, got '" + dtype + "'");
  }
  return a;
}

std::string Value::type_name() const {
  struct Visitor {
    std::string operator()(const std::monostate&) const { return "nil"; }
    std::string operator()(bool) const { return "bool"; }
    std::string operator()(int64_t) const { return "int"; }
    std::string operator()(double) const { return "float"; }
    std::string operator()(const std::string&) const { return "str"; }
    std::string operator()(const Bin&) const { return "bin"; }
    std::string operator()(const Array&) const { return "array"; }
    std::string operator()(const Map&) const { return "map"; }
    std::string operator()(const NdArray& a) const { return "ndarray " + a.dtype + " " + shape_text(a.shape); }
    std::string operator()(const NpScalar& s) const { return "numpy scalar " + s.dtype; }
  };
  return std::visit(Visitor{}, v);
}

double Value::as_number() const {
  if (const bool* b = get_if<bool>()) return *b ? 1.0 : 0.0;
  if (const int64_t* i = get_if<int64_t>()) return static_cast<double>(*i);
  if (const double* d = get_if<double>()) return *d;
  if (const NpScalar* s = get_if<NpScalar>()) return s->value;
  throw std::invalid_argument("expected a number, got " + type_name());
}

std::string encode(const Value& value) {
  std::string out;
  StringWriter writer{&out};
  Packer packer(writer);
  pack_value(packer, writer, value);
  return out;
}

Value decode(const char* data, size_t size) {
  msgpack::object_handle handle;
  size_t offset = 0;
  try {
    handle = msgpack::unpack(data, size, offset);
  } catch (const std::exception& e) {
    throw DecodeError(std::string("not a msgpack message (") + e.what() + ", " + std::to_string(size) + " bytes)");
  }
  if (offset != size)
    throw DecodeError("msgpack message has " + std::to_string(size - offset) + " trailing bytes after the first object");
  return convert(handle.get(), "");
}

}  // namespace wambench::serving
