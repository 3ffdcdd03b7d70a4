#include "data/image_list.h"

#include <stb/stb_image.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "data/augment_math.h"

namespace kdup {

namespace {

struct Entry {
  std::string path;
  int64_t label;
};

std::vector<Entry> parse_list(const std::string& list_path) {
  std::ifstream in(list_path);
  KDUP_CHECK(in, list_path << ": cannot open image list");
  std::vector<Entry> entries;
  std::string line;
  for (int64_t number = 1; std::getline(in, line); ++number) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    std::istringstream fields(line);
    Entry e;
    KDUP_CHECK(fields >> e.path >> e.label && e.label >= 0,
               list_path << ":" << number << ": expected 'path label' with a label >= 0, got '"
                         << line << "'");
    entries.push_back(e);
  }
  KDUP_CHECK(!entries.empty(), list_path << ": the image list is empty");
  return entries;
}

// Shorter side to `size` by bilinear sampling of pixel centres, then the central size x size.
void resize_center_crop(const uint8_t* image, int height, int width, int64_t size, uint8_t* out) {
  const double scale = static_cast<double>(std::min(height, width)) / size;
  const double top = (height - size * scale) / 2, left = (width - size * scale) / 2;
  for (int64_t y = 0; y < size; ++y)
    for (int64_t x = 0; x < size; ++x)
      for (int c = 0; c < 3; ++c) {
        const float v = bilinear_sample(image, height, width, c,
                                        static_cast<float>(top + (y + 0.5) * scale - 0.5),
                                        static_cast<float>(left + (x + 0.5) * scale - 0.5));
        out[(y * size + x) * 3 + c] = static_cast<uint8_t>(std::lround(v * 255.f));
      }
}

}  // namespace

ImageSet read_image_list(const std::string& list_path, const std::string& root, int64_t size) {
  KDUP_CHECK(size > 0, list_path << ": image size must be positive, got " << size);
  const std::vector<Entry> entries = parse_list(list_path);
  ImageSet set;
  const int64_t n = static_cast<int64_t>(entries.size());
  set.images = Tensor::empty({n, size, size, 3}, DType::u8);
  uint8_t* out = set.images.data<uint8_t>();
  for (int64_t i = 0; i < n; ++i) {
    const std::string path = root.empty() ? entries[i].path : root + "/" + entries[i].path;
    int width = 0, height = 0, channels = 0;
    uint8_t* pixels = stbi_load(path.c_str(), &width, &height, &channels, 3);
    KDUP_CHECK(pixels, list_path << ": image '" << path << "' (line " << i + 1
                                 << ") cannot be read: " << stbi_failure_reason());
    resize_center_crop(pixels, height, width, size, out + i * size * size * 3);
    stbi_image_free(pixels);
    set.labels.push_back(entries[i].label);
    set.num_classes = std::max(set.num_classes, entries[i].label + 1);
  }
  return set;
}

}  // namespace kdup
