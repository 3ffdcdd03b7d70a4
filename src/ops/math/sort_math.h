// Where the sorting kernels read and write: rows of length `len` sorted whole, of which top-k keeps
// the first k. Shared by the CUDA kernels and checked on the host.
#pragma once
#include <cstdint>

#include "tensor/hostdevice.h"

namespace kdup {

// Element `at` of a [rows, k] top-k result is element at % k of sorted row at / k.
KDUP_HD int64_t topk_source_offset(int64_t at, int64_t k, int64_t len) {
  return (at / k) * len + at % k;
}

}  // namespace kdup
