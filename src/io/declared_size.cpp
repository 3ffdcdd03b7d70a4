#include "io/declared_size.h"

#include <algorithm>

#include "tensor/error.h"

namespace kdup {

uint64_t declared_tensor_bytes(const Shape& shape, uint64_t element_size, uint64_t available,
                               const std::string& file) {
  for (int64_t dim : shape)
    KDUP_CHECK(dim >= 0, file << ": shape " << shape_str(shape) << " has a negative dimension");
  if (std::find(shape.begin(), shape.end(), 0) != shape.end()) return 0;
  uint64_t bytes = element_size;
  for (int64_t dim : shape) {
    // bytes * dim <= available, tested without forming the product (it could overflow).
    KDUP_CHECK(bytes <= available / static_cast<uint64_t>(dim),
               file << ": shape " << shape_str(shape) << " needs more than the " << available
                    << " bytes of data the file holds (truncated, or a corrupt header)");
    bytes *= static_cast<uint64_t>(dim);
  }
  KDUP_CHECK(bytes <= available, file << ": shape " << shape_str(shape) << " needs " << bytes
                                      << " bytes of data, the file holds " << available
                                      << " (truncated, or a corrupt header)");
  return bytes;
}

}  // namespace kdup
