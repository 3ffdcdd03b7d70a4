// PNG encoding in memory (through stb_image_write), for thumbnails embedded in a page.
#pragma once
#include <cstdint>
#include <string>

namespace kdup {

// The PNG file bytes of an 8-bit image, rows of width * channels bytes (channels 1, 3 or 4).
std::string encode_png(const uint8_t* pixels, int width, int height, int channels);

// "data:image/png;base64,..." of the same image.
std::string png_data_uri(const uint8_t* pixels, int width, int height, int channels);

}  // namespace kdup
