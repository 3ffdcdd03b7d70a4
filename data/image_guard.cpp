#include "data/image_guard.h"

#include <cstring>

namespace kdup {

namespace {

// The bytes as stb_image reads them from memory: a read past the end gives 0.
struct ByteReader {
  const uint8_t* bytes;
  size_t size;
  size_t pos = 0;
  int next() { return pos < size ? bytes[pos++] : (pos++, 0); }
  bool at_end() const { return pos >= size; }
  int big_endian16() {
    const int high = next();
    return high << 8 | next();
  }
};

constexpr int kDht = 0xC4, kSos = 0xDA, kEoi = 0xD9;

// A DHT segment after its marker: tables of a class/index byte, 16 code counts (codes of each
// length 1..16) and their symbols. A table of more than 256 codes is a problem (ITU T.81 B.2.4.2).
std::string dht_problem(ByteReader& in) {
  int left = in.big_endian16() - 2;
  while (left > 0) {
    const int table = in.next();
    if (table >> 4 > 1 || (table & 15) > 3) return "";  // stb rejects it itself ("bad DHT header")
    int codes = 0;
    for (int length = 0; length < 16; ++length) codes += in.next();
    if (codes > 256)
      return "JPEG Huffman table declares " + std::to_string(codes) + " codes, at most 256 exist";
    for (int i = 0; i < codes; ++i) in.next();
    left -= 17 + codes;
  }
  return "";
}

// A PNG: the chunks after the 8-byte signature, each a big-endian length, a type, data and a CRC.
std::string png_problem(const uint8_t* bytes, size_t size) {
  ByteReader in{bytes, size, 8};
  while (!in.at_end()) {
    const uint32_t length = static_cast<uint32_t>(in.big_endian16()) << 16 |
                            static_cast<uint32_t>(in.big_endian16());
    char type[4];
    for (char& c : type) c = static_cast<char>(in.next());
    if (std::memcmp(type, "IDAT", 4) == 0) {
      if (length == 0) return "PNG has an empty IDAT chunk before any image data";
      return "";  // stb holds image data from here on
    }
    if (std::memcmp(type, "IEND", 4) == 0) return "";
    in.pos += static_cast<size_t>(length) + 4;
  }
  return "";
}

// A JPEG: the marker segments up to the end-of-image marker.
std::string jpeg_problem(const uint8_t* bytes, size_t size) {
  ByteReader in{bytes, size};
  const auto next_marker = [&in] {  // 0xFF, any number of 0xFF fill bytes, the marker
    int marker = in.next();
    while (marker == 0xFF && !in.at_end()) marker = in.next();
    return marker;
  };
  if (in.next() != 0xFF || next_marker() != 0xD8) return "";  // not a JPEG: no SOI marker
  while (!in.at_end()) {
    if (in.next() != 0xFF) continue;  // stb skips bytes that are not a marker
    const int marker = next_marker();
    if (marker == kEoi) return "";
    if (marker == 0x00 || (marker >= 0xD0 && marker <= 0xD8)) continue;  // no segment follows
    if (marker == kDht) {
      if (std::string problem = dht_problem(in); !problem.empty()) return problem;
      continue;
    }
    const size_t segment = static_cast<size_t>(in.big_endian16());
    in.pos += segment >= 2 ? segment - 2 : 0;
    if (marker == kSos)  // entropy-coded data: up to the next marker (FF then neither 00 nor RSTn)
      while (!in.at_end()) {
        if (in.bytes[in.pos] == 0xFF && in.pos + 1 < size && in.bytes[in.pos + 1] != 0x00 &&
            (in.bytes[in.pos + 1] < 0xD0 || in.bytes[in.pos + 1] > 0xD7))
          break;
        ++in.pos;
      }
  }
  return "";
}

}  // namespace

std::string image_guard_problem(const uint8_t* bytes, size_t size) {
  static const uint8_t kPngSignature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  if (size >= 8 && std::memcmp(bytes, kPngSignature, 8) == 0) return png_problem(bytes, size);
  return jpeg_problem(bytes, size);
}

}  // namespace kdup
