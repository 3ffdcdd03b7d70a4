// Image lists for ImageNet-100-LT / Places-LT style data: a text file of `relative/path label` lines.
// Images are decoded with stb_image (JPEG, PNG, BMP, ...), resized so the shorter side is `size`
// and centre-cropped to size x size, and kept in memory as uint8 NHWC.
#pragma once
#include <string>

#include "data/cifar.h"

namespace kdup {

// Reads every image of the list, relative to `root`. A line that does not parse, a missing or
// undecodable image, or a negative label is an error naming the list, the line and the file.
ImageSet read_image_list(const std::string& list_path, const std::string& root, int64_t size);

}  // namespace kdup
