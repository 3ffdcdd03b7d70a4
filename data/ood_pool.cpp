#include "data/ood_pool.h"

#include "data/image_list.h"
#include "data/npy.h"

namespace kdup {

namespace {

bool is_npy(const std::string& file) {
  return file.size() >= 4 && file.compare(file.size() - 4, 4, ".npy") == 0;
}

}  // namespace

Tensor read_ood_pool(const std::string& file, const std::string& root, int64_t size) {
  if (is_npy(file)) return read_npy(file, DType::u8, {-1, -1, -1, 3});
  return read_image_list(file, root, size, /*labelled=*/false).images;
}

Tensor read_ood_pool_rows(const std::string& file, const std::string& root, int64_t size,
                          const std::vector<int64_t>& rows) {
  if (is_npy(file)) return read_npy_rows(file, rows);
  const std::vector<ImageListEntry> entries = parse_image_list(file, /*labelled=*/false);
  std::vector<ImageListEntry> chosen;
  for (int64_t r : rows) {
    KDUP_CHECK(r >= 0 && r < static_cast<int64_t>(entries.size()),
               file << ": row " << r << " is outside the pool's " << entries.size() << " images");
    chosen.push_back(entries[r]);
  }
  return decode_image_list(chosen, root, size, file).images;
}

}  // namespace kdup
