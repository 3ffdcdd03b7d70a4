// Image lists for ImageNet-100-LT / Places-LT style data: a text file of `relative/path label`
// lines (an OOD pool's list may leave the label out). JPEG images are decoded with libjpeg-turbo
// (data/jpeg_decode.h), PNG images with stb_image built with its PNG decoder only
// (data/stb_image_decoders.cpp); each is resized so the shorter side is `size`, centre-cropped to
// size x size, and kept in memory as uint8 NHWC.
#pragma once
#include <string>
#include <vector>

#include "data/cifar.h"

namespace kdup {

// The largest width or height decoded: a larger image (or a header claiming one) is an error before
// its pixels are allocated; stb_image allocates at most what such an image needs (513 MiB).
constexpr int kMaxImageSide = 8192;

struct ImageListEntry {
  std::string path;
  int64_t label = -1;  // -1 in an unlabelled list
  int64_t line = 0;    // 1-based line of the list, for error messages
};

// Parses a list, skipping blank lines. Labelled: every line is `path label` with a label >= 0;
// unlabelled: the first field is the path and the rest is ignored. Errors name the list and line.
std::vector<ImageListEntry> parse_image_list(const std::string& list_path, bool labelled);

// Decodes the entries (paths relative to `root`), in parallel, printing progress for long lists.
// A missing or undecodable image is an error naming `list_name`, the line and the file.
ImageSet decode_image_list(const std::vector<ImageListEntry>& entries, const std::string& root,
                           int64_t size, const std::string& list_name);

// parse_image_list + decode_image_list.
ImageSet read_image_list(const std::string& list_path, const std::string& root, int64_t size,
                         bool labelled = true);

}  // namespace kdup
