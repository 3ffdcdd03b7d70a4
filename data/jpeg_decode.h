// JPEG decoding through libjpeg-turbo. stb_image decodes PNG only here: the JPEG decoder of the
// stb_image Debian 12 ships (v2.27) reads and writes out of bounds on malformed files, which
// fuzzing found within minutes (tools/fuzz/regressions/, BENCHMARKS.md "Reliability"), while
// libjpeg-turbo is fuzzed continuously upstream (OSS-Fuzz).
//
//   std::vector<uint8_t> rgb; int width, height; std::string error;
//   if (!decode_jpeg(bytes.data(), bytes.size(), 8192, rgb, width, height, error)) ...
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace kdup {

// True when the bytes begin with a JPEG's start-of-image marker.
bool looks_like_jpeg(const uint8_t* bytes, size_t size);

// Decodes to interleaved RGB (height x width x 3). An image wider or taller than max_side is
// rejected from its header, before its pixels are allocated. On failure returns false and puts
// libjpeg's one-line reason in `error`; warnings about recoverable damage are not printed.
bool decode_jpeg(const uint8_t* bytes, size_t size, int max_side, std::vector<uint8_t>& rgb,
                 int& width, int& height, std::string& error);

}  // namespace kdup
