// The one compiled copy of stb_image: the PNG decoder only (JPEG goes to libjpeg-turbo,
// data/jpeg_decode.h), no image larger than kMaxImageSide a side, and no allocation larger than
// the largest such image needs. Every other format (GIF, BMP, PSD, TGA, HDR, PIC, PNM, and JPEG
// here), where most of stb_image's fuzzing-found bugs were, is rejected as an unknown image type.
#include <cstdlib>

#include "data/image_list.h"

namespace {

// A kMaxImageSide-square image of 4 channels of 16 bits, and room for PNG's per-row filter bytes:
// stb's buffers never need more. A larger request, which only a corrupt file makes (an IDAT chunk
// claiming gigabytes, a zlib stream inflating past the image), fails and stb reports "outofmem".
constexpr size_t kMaxDecodeBytes = size_t{kdup::kMaxImageSide} * kdup::kMaxImageSide * 4 * 2 +
                                   (size_t{1} << 20);

void* bounded_malloc(size_t bytes) { return bytes <= kMaxDecodeBytes ? std::malloc(bytes) : nullptr; }
void* bounded_realloc(void* p, size_t bytes) {
  return bytes <= kMaxDecodeBytes ? std::realloc(p, bytes) : nullptr;
}

}  // namespace

#define STB_IMAGE_IMPLEMENTATION
#define STBI_ONLY_PNG
#define STBI_MAX_DIMENSIONS kdup::kMaxImageSide
#define STBI_MALLOC(bytes) bounded_malloc(bytes)
#define STBI_REALLOC(p, bytes) bounded_realloc(p, bytes)
#define STBI_FREE(p) std::free(p)
#include <stb/stb_image.h>
