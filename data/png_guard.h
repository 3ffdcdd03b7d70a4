// A check run on a PNG before stb_image decodes it, for the malformed files that the stb_image of
// Debian 12 (v2.27) decodes with undefined behaviour. Fuzzing found it (tools/fuzz/; the input is
// replayed from tools/fuzz/regressions/ in the tests).
//
//   const std::string problem = png_guard_problem(bytes.data(), bytes.size());
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

namespace kdup {

// "" when the bytes are not a PNG or are safe to hand to stb_image (whether or not it can decode
// them); otherwise what is wrong:
// - an empty IDAT chunk before any image data: stb copies zero bytes to a null pointer.
// The chunks are walked the way stb_image walks them, so only what it reads counts.
std::string png_guard_problem(const uint8_t* bytes, size_t size);

}  // namespace kdup
