// A check run on an image file before stb_image decodes it, for the malformed files that the
// stb_image of Debian 12 (v2.27) decodes out of bounds or with undefined behaviour. Fuzzing found
// each (tools/fuzz/; the inputs are replayed from tools/fuzz/regressions/ in the tests).
//
//   const std::string problem = image_guard_problem(bytes.data(), bytes.size());
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

namespace kdup {

// "" when the bytes are safe to hand to stb_image (whether or not it can decode them); otherwise
// what is wrong:
// - JPEG: a Huffman table (DHT) declaring more than 256 codes: stb writes past its 256-entry
//   tables (fixed upstream in v2.28, nothings/stb#1297).
// - PNG: an empty IDAT chunk before any image data: stb copies zero bytes to a null pointer.
// Segments and chunks are walked the way stb_image walks them, so only what it reads counts.
std::string image_guard_problem(const uint8_t* bytes, size_t size);

}  // namespace kdup
