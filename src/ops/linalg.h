// Matrix products with autograd.
#pragma once
#include "tensor/tensor.h"

namespace kdup {

// [M, K] @ [K, N] -> [M, N]. Transposed views are passed to GEMM as flags, not copied.
Tensor matmul(const Tensor& a, const Tensor& b);
// x [N, in] @ weight[out, in]^T + bias[out] (bias may be undefined).
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias = Tensor());

}  // namespace kdup
