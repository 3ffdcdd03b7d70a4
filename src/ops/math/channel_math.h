// NCHW (or [N, C, S]) addressing shared by the per-channel kernels: convolution bias, batch norm.
#pragma once
#include <cstdint>

#include "tensor/hostdevice.h"

namespace kdup {

// The channel of element `at` of a contiguous [N, channels, spatial] tensor.
KDUP_HD int64_t channel_of(int64_t at, int64_t spatial, int64_t channels) {
  return (at / spatial) % channels;
}

// Element `j` (0 <= j < N * spatial) of channel c: sample j / spatial, position j % spatial.
KDUP_HD int64_t channel_element_offset(int64_t c, int64_t j, int64_t spatial, int64_t channels) {
  return ((j / spatial) * channels + c) * spatial + j % spatial;
}

}  // namespace kdup
