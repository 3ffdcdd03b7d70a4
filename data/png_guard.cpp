#include "data/png_guard.h"

#include <cstring>

namespace kdup {

namespace {

// The bytes as stb_image reads them from memory: a read past the end gives 0.
struct ByteReader {
  const uint8_t* bytes;
  size_t size;
  size_t pos = 0;
  uint32_t next() { return pos < size ? bytes[pos++] : (pos++, 0); }
  bool at_end() const { return pos >= size; }
};

}  // namespace

std::string png_guard_problem(const uint8_t* bytes, size_t size) {
  static const uint8_t kSignature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  if (size < 8 || std::memcmp(bytes, kSignature, 8) != 0) return "";
  // The chunks after the signature: a big-endian length, a type, the data and a CRC each.
  ByteReader in{bytes, size, 8};
  while (!in.at_end()) {
    uint32_t length = 0;
    for (int i = 0; i < 4; ++i) length = length << 8 | in.next();
    char type[4];
    for (char& c : type) c = static_cast<char>(in.next());
    if (std::memcmp(type, "IDAT", 4) == 0)  // from the first IDAT on stb holds image data
      return length == 0 ? "PNG has an empty IDAT chunk before any image data" : "";
    if (std::memcmp(type, "IEND", 4) == 0) return "";
    in.pos += static_cast<size_t>(length) + 4;
  }
  return "";
}

}  // namespace kdup
