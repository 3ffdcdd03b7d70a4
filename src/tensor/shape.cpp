#include "tensor/shape.h"

#include "tensor/error.h"

namespace kdup {

int64_t shape_numel(const Shape& shape) {
  int64_t n = 1;
  for (int64_t s : shape) n *= s;
  return n;
}

Shape contiguous_strides(const Shape& shape) {
  Shape strides(shape.size());
  int64_t stride = 1;
  for (size_t i = shape.size(); i-- > 0;) {
    strides[i] = stride;
    stride *= shape[i];
  }
  return strides;
}

Shape channels_last_strides(const Shape& shape) {
  const int64_t c = shape[1], h = shape[2], w = shape[3];
  return {h * w * c, 1, w * c, c};
}

std::string shape_str(const Shape& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(shape[i]);
  }
  return s + "]";
}

int64_t normalize_dim(int64_t dim, int64_t rank, const char* op) {
  KDUP_CHECK(dim >= -rank && dim < rank,
             op << ": dimension " << dim << " is out of range for a tensor of rank " << rank);
  return dim < 0 ? dim + rank : dim;
}

int64_t normalize_dim(int64_t dim, const Shape& shape, const char* op) {
  const int64_t rank = static_cast<int64_t>(shape.size());
  KDUP_CHECK(dim >= -rank && dim < rank,
             op << ": dimension " << dim << " is out of range for shape " << shape_str(shape));
  return dim < 0 ? dim + rank : dim;
}

}  // namespace kdup
