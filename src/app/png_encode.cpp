#include "app/png_encode.h"

#include <stb/stb_image_write.h>

#include "app/base64.h"
#include "tensor/error.h"

namespace kdup {

namespace {

void append_bytes(void* context, void* data, int size) {
  static_cast<std::string*>(context)->append(static_cast<const char*>(data),
                                             static_cast<size_t>(size));
}

}  // namespace

std::string encode_png(const uint8_t* pixels, int width, int height, int channels) {
  std::string png;
  const int ok = stbi_write_png_to_func(append_bytes, &png, width, height, channels, pixels,
                                        width * channels);
  KDUP_CHECK(ok != 0, "PNG encoding of a " << width << "x" << height << "x" << channels
                                           << " image failed");
  return png;
}

std::string png_data_uri(const uint8_t* pixels, int width, int height, int channels) {
  return "data:image/png;base64," + base64_encode(encode_png(pixels, width, height, channels));
}

}  // namespace kdup
