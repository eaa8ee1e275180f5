// Writing msgpack into a std::string with msgpack-cxx (Debian's libmsgpack-cxx-dev, header-only),
// shared by the openpi codec (serving/msgpack_numpy.cc) and the twin's protocol
// (bridge/twin_protocol.cc).
#pragma once

#include <cstdint>
#include <string>

#include <msgpack.hpp>

namespace wambench::msgpack_io {

/// Appends msgpack bytes to a std::string (msgpack::packer needs write(const char*, size_t)).
struct StringWriter {
  std::string* out;
  void write(const char* data, size_t size) { out->append(data, size); }
};
using Packer = msgpack::packer<StringWriter>;

/// Packs `s` as a msgpack str (UTF-8 text, not bin).
inline void pack_str(Packer& p, const std::string& s) {
  p.pack_str(static_cast<uint32_t>(s.size()));
  p.pack_str_body(s.data(), static_cast<uint32_t>(s.size()));
}

}  // namespace wambench::msgpack_io
