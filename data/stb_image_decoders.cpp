// The one compiled copy of stb_image: the PNG decoder only (JPEG goes to libjpeg-turbo,
// data/jpeg_decode.h), and no image larger than kMaxImageSide a side. Every other format (GIF,
// BMP, PSD, TGA, HDR, PIC, PNM, and JPEG here), where most of stb_image's fuzzing-found bugs were,
// is rejected as an unknown image type.
#include "data/image_list.h"

#define STB_IMAGE_IMPLEMENTATION
#define STBI_ONLY_PNG
#define STBI_MAX_DIMENSIONS kdup::kMaxImageSide
#include <stb/stb_image.h>
