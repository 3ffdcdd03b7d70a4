// The check run before stb_image decodes a PNG: an empty first IDAT chunk is caught where stb
// would read it, and nothing else is (an encoder's file, empty chunks later, other formats).
#include "data/png_guard.h"

#include <stb/stb_image_write.h>

#include <string>
#include <utility>
#include <vector>

#include "test_util.h"

namespace kdup {
namespace {

using Bytes = std::vector<uint8_t>;

std::string problem(const Bytes& bytes) { return png_guard_problem(bytes.data(), bytes.size()); }

// A PNG of the given chunks (type, data length; zero data and a CRC that stb does not check).
Bytes png(std::initializer_list<std::pair<std::string, uint32_t>> chunks) {
  Bytes bytes = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  for (const auto& [type, length] : chunks) {
    for (int shift = 24; shift >= 0; shift -= 8) bytes.push_back(static_cast<uint8_t>(length >> shift));
    for (char c : type) bytes.push_back(static_cast<uint8_t>(c));
    for (uint32_t i = 0; i < length + 4; ++i) bytes.push_back(0);
  }
  return bytes;
}

TEST(PngGuard, AnEmptyIdatChunkBeforeAnyImageDataIsAProblem) {
  EXPECT_NE(problem(png({{"IHDR", 13}, {"IDAT", 0}, {"IEND", 0}})).find("empty IDAT"),
            std::string::npos);
  EXPECT_EQ(problem(png({{"IHDR", 13}, {"IDAT", 5}, {"IDAT", 0}, {"IEND", 0}})), "");
  EXPECT_EQ(problem(png({{"IHDR", 13}, {"tEXt", 9}, {"IDAT", 5}, {"IEND", 0}})), "");
  EXPECT_EQ(problem({0xFF, 0xD8, 0xFF, 0xE0}), "");  // not a PNG
  EXPECT_EQ(problem({}), "");
}

TEST(PngGuard, APngFromAnEncoderPasses) {
  std::vector<uint8_t> pixels(16 * 8 * 3);
  for (size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<uint8_t>(i * 7);
  const auto append = [](void* context, void* data, int size) {
    auto* out = static_cast<Bytes*>(context);
    out->insert(out->end(), static_cast<uint8_t*>(data), static_cast<uint8_t*>(data) + size);
  };
  Bytes file;
  ASSERT_TRUE(stbi_write_png_to_func(append, &file, 16, 8, 3, pixels.data(), 16 * 3));
  EXPECT_EQ(problem(file), "");
}

}  // namespace
}  // namespace kdup
