// The one compiled copy of stb_image: only the decoders kdup's image data need (JPEG for the web
// image sets such as ImageNet-R and Places, PNG for exported and test images), and no image larger
// than kMaxImageSide a side. Every other format (GIF, BMP, PSD, TGA, HDR, PIC, PNM), where most of
// stb_image's fuzzing-found bugs were, is rejected as an unknown image type.
#include "data/image_list.h"

#define STB_IMAGE_IMPLEMENTATION
#define STBI_ONLY_JPEG
#define STBI_ONLY_PNG
#define STBI_MAX_DIMENSIONS kdup::kMaxImageSide
#include <stb/stb_image.h>
