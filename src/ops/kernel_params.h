// Small parameter structs passed to the convolution and pooling kernels.
#pragma once
#include <cstdint>

namespace kdup {

struct Conv2dParams {
  int64_t stride = 1;
  int64_t padding = 0;
};

struct Pool2dParams {
  int64_t kernel = 2;
  int64_t stride = 2;
  int64_t padding = 0;
};

// Output size of a convolution or pooling window along one spatial axis.
inline int64_t window_output_size(int64_t in, int64_t kernel, int64_t stride, int64_t padding) {
  return (in + 2 * padding - kernel) / stride + 1;
}

}  // namespace kdup
