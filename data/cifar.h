// CIFAR-10 / CIFAR-100 in the official binary format. A record is the label byte(s) followed by
// 3,072 pixel bytes: 1,024 red, then 1,024 green, then 1,024 blue, each a row-major 32x32 plane.
#pragma once
#include <string>
#include <vector>

#include "tensor/tensor.h"

namespace kdup {

// Decoded images in memory: uint8 NHWC (RGB), with integer labels.
struct ImageSet {
  Tensor images;  // uint8 [N, H, W, 3]
  std::vector<int64_t> labels;
  int64_t num_classes = 0;
};

enum class CifarVariant { cifar10, cifar100 };

// Reads and concatenates the given binary files in order. CIFAR-100 records carry a coarse and a
// fine label byte; the fine label is used. A file whose size is not a whole number of records, or a
// label out of range, is an error naming the file.
ImageSet read_cifar_binary(const std::vector<std::string>& files, CifarVariant variant);

// The training files (data_batch_1..5.bin, or train.bin) or test file (test_batch.bin / test.bin)
// of a CIFAR folder.
ImageSet read_cifar_folder(const std::string& folder, CifarVariant variant, bool train);

}  // namespace kdup
