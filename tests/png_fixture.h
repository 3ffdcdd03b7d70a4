// PNG files for the image-list tests: a width x height RGB image whose pixel (x, y) is colour(x,
// y).
#pragma once
#include <gtest/gtest.h>
#include <stb/stb_image_write.h>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace kdup::test {

template <class Colour>  // std::array<uint8_t, 3> colour(int x, int y)
void write_png(const std::string& path, int width, int height, Colour colour) {
  std::vector<uint8_t> pixels(static_cast<size_t>(width) * height * 3);
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x) {
      const std::array<uint8_t, 3> rgb = colour(x, y);
      for (int c = 0; c < 3; ++c) pixels[(static_cast<size_t>(y) * width + x) * 3 + c] = rgb[c];
    }
  ASSERT_TRUE(stbi_write_png(path.c_str(), width, height, 3, pixels.data(), width * 3)) << path;
}

}  // namespace kdup::test
