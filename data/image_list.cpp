#include "data/image_list.h"

#include <stb/stb_image.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <limits>
#include <sstream>

#include "data/augment_math.h"
#include "data/jpeg_decode.h"
#include "data/png_guard.h"

namespace kdup {

namespace {

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

// The RGB pixels (height x width x 3) of a JPEG (libjpeg-turbo) or PNG (stb_image) file, or false
// and the reason. No exception: this runs inside an OpenMP loop, where one must not be thrown (an
// ifstream on a folder throws when read, hence C stdio).
bool decode_image_file(const std::string& path, std::vector<uint8_t>& rgb, int& width, int& height,
                       std::string& error) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (!file) {
    error = std::strerror(errno);
    return false;
  }
  std::vector<uint8_t> bytes;
  uint8_t chunk[1 << 14];
  for (size_t got; (got = std::fread(chunk, 1, sizeof chunk, file)) > 0;)
    bytes.insert(bytes.end(), chunk, chunk + got);
  const int read_error = std::ferror(file) ? errno : 0;
  std::fclose(file);
  if (read_error) {
    error = std::strerror(read_error);
    return false;
  }
  if (bytes.size() > static_cast<size_t>(std::numeric_limits<int>::max())) {
    error = "larger than 2 GiB";
    return false;
  }
  if (looks_like_jpeg(bytes.data(), bytes.size()))
    return decode_jpeg(bytes.data(), bytes.size(), kMaxImageSide, rgb, width, height, error);
  error = png_guard_problem(bytes.data(), bytes.size());
  if (!error.empty()) return false;
  int channels = 0;
  uint8_t* pixels = stbi_load_from_memory(bytes.data(), static_cast<int>(bytes.size()), &width,
                                          &height, &channels, 3);
  if (!pixels) {
    error = std::string(stbi_failure_reason()) + " (JPEG and PNG are read)";
    return false;
  }
  rgb.assign(pixels, pixels + static_cast<size_t>(width) * height * 3);
  stbi_image_free(pixels);
  return true;
}

}  // namespace

std::vector<ImageListEntry> parse_image_list(const std::string& list_path, bool labelled) {
  std::ifstream in(list_path);
  KDUP_CHECK(in, list_path << ": cannot open image list");
  std::vector<ImageListEntry> entries;
  std::string line;
  for (int64_t number = 1; std::getline(in, line); ++number) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    std::istringstream fields(line);
    ImageListEntry e;
    e.line = number;
    if (labelled)
      KDUP_CHECK(fields >> e.path >> e.label && e.label >= 0,
                 list_path << ":" << number << ": expected 'path label' with a label >= 0, got '"
                           << line << "'");
    else
      fields >> e.path;
    entries.push_back(e);
  }
  KDUP_CHECK(!entries.empty(), list_path << ": the image list is empty");
  return entries;
}

ImageSet decode_image_list(const std::vector<ImageListEntry>& entries, const std::string& root,
                           int64_t size, const std::string& list_name) {
  KDUP_CHECK(size > 0, list_name << ": image size must be positive, got " << size);
  const auto n = static_cast<int64_t>(entries.size());
  ImageSet set;
  set.images = Tensor::empty({n, size, size, 3}, DType::u8);
  uint8_t* out = set.images.data<uint8_t>();
  const bool report = n >= 10000;
  if (report) std::cerr << "kdup: decoding " << n << " images of " << list_name << "\n";
  std::vector<std::string> errors(static_cast<size_t>(n));
  std::atomic<int64_t> done{0};
#pragma omp parallel for schedule(dynamic, 16)
  for (int64_t i = 0; i < n; ++i) {
    const ImageListEntry& e = entries[i];
    const std::string path = root.empty() ? e.path : root + "/" + e.path;
    int width = 0, height = 0;
    std::string error;
    std::vector<uint8_t> pixels;
    if (!decode_image_file(path, pixels, width, height, error)) {
      errors[i] = "image '" + path + "' (line " + std::to_string(e.line) + ") cannot be read: " +
                  error;
      continue;
    }
    resize_center_crop(pixels.data(), height, width, size, out + i * size * size * 3);
    const int64_t count = ++done;
    if (report && count % (n / 10) == 0) {
#pragma omp critical
      std::cerr << "kdup:   " << count << " / " << n << " decoded\n";
    }
  }
  for (const std::string& error : errors) KDUP_CHECK(error.empty(), list_name << ": " << error);
  for (const ImageListEntry& e : entries) {
    set.labels.push_back(e.label);
    set.num_classes = std::max(set.num_classes, e.label + 1);
  }
  return set;
}

ImageSet read_image_list(const std::string& list_path, const std::string& root, int64_t size,
                         bool labelled) {
  return decode_image_list(parse_image_list(list_path, labelled), root, size, list_path);
}

}  // namespace kdup
