#include "io/declared_size.h"

#include <limits>

#include "tensor/error.h"

namespace kdup {

uint64_t declared_tensor_bytes(const Shape& shape, uint64_t element_size, uint64_t available,
                               const std::string& file) {
  // Even an empty tensor's strides multiply its other sizes, so those must fit an int64 too.
  constexpr auto kLimit = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  uint64_t nonzero_bytes = element_size;
  bool empty = false;
  for (int64_t dim : shape) {
    KDUP_CHECK(dim >= 0, file << ": shape " << shape_str(shape) << " has a negative dimension");
    if (dim == 0) {
      empty = true;
      continue;
    }
    // nonzero_bytes * dim <= kLimit, tested without forming the product (it could overflow).
    KDUP_CHECK(nonzero_bytes <= kLimit / static_cast<uint64_t>(dim),
               file << ": shape " << shape_str(shape) << " is too large to be a tensor");
    nonzero_bytes *= static_cast<uint64_t>(dim);
  }
  if (empty) return 0;
  KDUP_CHECK(nonzero_bytes <= available,
             file << ": shape " << shape_str(shape) << " needs " << nonzero_bytes
                  << " bytes of data, the file holds " << available
                  << " bytes (truncated, or a corrupt header)");
  return nonzero_bytes;
}

}  // namespace kdup
