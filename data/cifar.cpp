#include "data/cifar.h"

#include <fstream>

namespace kdup {

ImageSet read_cifar_binary(const std::vector<std::string>& files, CifarVariant variant) {
  const int64_t label_bytes = variant == CifarVariant::cifar10 ? 1 : 2;
  const int64_t side = 32, plane = side * side, record = label_bytes + 3 * plane;
  ImageSet set;
  set.num_classes = variant == CifarVariant::cifar10 ? 10 : 100;

  std::vector<std::vector<char>> contents;
  int64_t total = 0;
  for (const std::string& path : files) {
    std::ifstream in(path, std::ios::binary | std::ios::ate);
    KDUP_CHECK(in, path << ": cannot open CIFAR file");
    const int64_t size = in.tellg();
    KDUP_CHECK(size > 0 && size % record == 0,
               path << ": size " << size << " bytes is not a whole number of " << record
                    << "-byte CIFAR records (truncated or not a CIFAR binary file)");
    std::vector<char> bytes(size);
    in.seekg(0);
    in.read(bytes.data(), size);
    KDUP_CHECK(in, path << ": read failed");
    total += size / record;
    contents.push_back(std::move(bytes));
  }

  set.images = Tensor::empty({total, side, side, 3}, DType::u8);
  uint8_t* out = set.images.data<uint8_t>();
  set.labels.reserve(total);
  for (size_t f = 0; f < contents.size(); ++f) {
    const auto* bytes = reinterpret_cast<const uint8_t*>(contents[f].data());
    const int64_t count = static_cast<int64_t>(contents[f].size()) / record;
    for (int64_t r = 0; r < count; ++r) {
      const uint8_t* rec = bytes + r * record;
      const int64_t label = rec[label_bytes - 1];  // CIFAR-100: the fine label is the second byte
      KDUP_CHECK(label < set.num_classes, files[f] << ": record " << r << " has label " << label
                                                   << ", expected < " << set.num_classes);
      set.labels.push_back(label);
      const uint8_t* pixels = rec + label_bytes;
      for (int64_t p = 0; p < plane; ++p)  // planar CHW -> interleaved HWC
        for (int64_t c = 0; c < 3; ++c) out[p * 3 + c] = pixels[c * plane + p];
      out += 3 * plane;
    }
  }
  return set;
}

ImageSet read_cifar_folder(const std::string& folder, CifarVariant variant, bool train) {
  std::vector<std::string> files;
  if (variant == CifarVariant::cifar10) {
    if (train)
      for (int i = 1; i <= 5; ++i) files.push_back(folder + "/data_batch_" + std::to_string(i) + ".bin");
    else
      files.push_back(folder + "/test_batch.bin");
  } else {
    files.push_back(folder + (train ? "/train.bin" : "/test.bin"));
  }
  return read_cifar_binary(files, variant);
}

}  // namespace kdup
