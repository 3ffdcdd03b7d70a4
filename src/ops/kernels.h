// Every backend kernel, declared once for both backends: kdup::cpu:: (src/ops/cpu/) and
// kdup::cuda:: (cuda/, same file names). Kernels do no checking and no autograd: the op front ends in
// src/ops/ validate shapes, allocate outputs and record the graph. Unless a comment says otherwise,
// inputs and outputs are contiguous, outputs are allocated with the right shape and dtype, and
// floating kernels accept float32 and float64.
#pragma once
#include <cstdint>

#include "data/augment.h"
#include "ops/kernel_params.h"
#include "ops/math/elementwise_math.h"
#include "tensor/tensor.h"

// X(return type, name, (parameters)). The list is the single source of truth for "which kernels
// exist": tests/cuda/kernel_list_test.cpp walks it and checks both backends define each one.
#define KDUP_KERNELS(X)                                                                           \
  /* out[...] = value, for any dtype */                                                          \
  X(void, fill, (Tensor & out, double value))                                                    \
  /* dst = src element by element; both may be strided views; casts between dtypes */            \
  X(void, copy, (const Tensor& src, Tensor& dst))                                                \
  X(void, unary, (UnaryOp op, const Tensor& x, Tensor& out, double a, double b))                 \
  /* a and b are views broadcast to out's shape (stride 0 along broadcast dimensions) */         \
  X(void, binary, (BinaryOp op, const Tensor& a, const Tensor& b, Tensor& out))                  \
  X(void, compare, (CompareOp op, const Tensor& a, const Tensor& b, Tensor& out /* uint8 */))    \
  /* out = cond ? a : b; cond is uint8; all three are views broadcast to out's shape */          \
  X(void, where, (const Tensor& cond, const Tensor& a, const Tensor& b, Tensor& out))            \
  /* reductions over one dimension; out has x's shape without that dimension */                 \
  X(void, sum_dim, (const Tensor& x, int64_t dim, Tensor& out))                                  \
  X(void, max_dim, (const Tensor& x, int64_t dim, Tensor& values, Tensor& indices /* int64 */))  \
  /* c = alpha * op(a) @ op(b) + beta * c, 2-D, op = transpose when the flag is set */          \
  X(void, gemm, (bool trans_a, bool trans_b, double alpha, const Tensor& a, const Tensor& b,      \
                 double beta, Tensor& c))                                                        \
  /* softmax (or log-softmax) over the last dimension, and its backward from the output y */     \
  X(void, softmax_rows, (const Tensor& x, bool log, Tensor& out))                                \
  X(void, softmax_rows_backward, (const Tensor& y, const Tensor& grad_y, bool log,                \
                                  Tensor& grad_x))                                               \
  /* out[..i..] = x[..index[..i..]..] along dim; index is int64 with out's shape */              \
  X(void, gather_dim, (const Tensor& x, int64_t dim, const Tensor& index, Tensor& out))          \
  /* out[..index[..i..]..] += src[..i..] along dim (the adjoint of gather_dim) */                \
  X(void, scatter_add_dim, (const Tensor& src, int64_t dim, const Tensor& index, Tensor& out))   \
  /* rows of a 2-D-or-more x picked by a 1-D int64 index, and the adjoint (out += ) */           \
  X(void, index_select_rows, (const Tensor& x, const Tensor& index, Tensor& out))                \
  X(void, index_add_rows, (const Tensor& src, const Tensor& index, Tensor& out))                 \
  /* per row of the last dimension: the k largest (or smallest) values in order, their indices */\
  X(void, topk_rows, (const Tensor& x, int64_t k, bool largest, Tensor& values,                  \
                      Tensor& indices))                                                          \
  X(void, argsort_rows, (const Tensor& x, bool descending, Tensor& indices))                     \
  /* NCHW convolution, weight [Cout, Cin, k, k]; bias may be undefined */                       \
  X(void, conv2d_forward, (const Tensor& x, const Tensor& weight, const Tensor& bias,            \
                           Conv2dParams p, Tensor& y))                                           \
  X(void, conv2d_backward_data, (const Tensor& grad_y, const Tensor& weight, Conv2dParams p,     \
                                 Tensor& grad_x))                                                \
  X(void, conv2d_backward_weight, (const Tensor& x, const Tensor& grad_y, Conv2dParams p,        \
                                   Tensor& grad_weight))                                         \
  /* batch norm over x viewed as [N, C, S]; saves the batch mean and 1/sqrt(var + eps). With     \
     `relu` y is relu(batch norm), and the backward takes that y as relu_output (undefined       \
     without relu) and uses grad_y only where relu_output > 0 */                                 \
  X(void, batch_norm_forward_train, (const Tensor& x, const Tensor& gamma, const Tensor& beta,   \
                                     double eps, bool relu, Tensor& y, Tensor& mean,             \
                                     Tensor& invstd))                                            \
  X(void, batch_norm_forward_eval, (const Tensor& x, const Tensor& gamma, const Tensor& beta,    \
                                    const Tensor& running_mean, const Tensor& running_var,       \
                                    double eps, bool relu, Tensor& y))                           \
  X(void, batch_norm_backward, (const Tensor& grad_y, const Tensor& relu_output,                 \
                                const Tensor& x, const Tensor& gamma, const Tensor& mean,        \
                                const Tensor& invstd, Tensor& grad_x, Tensor& grad_gamma,        \
                                Tensor& grad_beta))                                              \
  /* NCHW max pooling; indices (int64) hold the flat h*W+w position of each maximum; the       \
     backward gets the forward's window p and overwrites all of grad_x */                       \
  X(void, max_pool2d_forward, (const Tensor& x, Pool2dParams p, Tensor& y, Tensor& indices))     \
  X(void, max_pool2d_backward, (const Tensor& grad_y, const Tensor& indices, Pool2dParams p,     \
                                Tensor& grad_x))                                                 \
  /* augmented views (data/augment.cpp, cuda/augment.cu): images uint8 [N, H, W, 3], params    \
     uint8 [B, sizeof(AugmentParams)] (each naming its source row) -> out float32 [B, 3, S, S] */ \
  X(void, augment_images, (const Tensor& images, const Tensor& params,                           \
                           const AugmentConfig& config, Tensor& out))

namespace kdup {

#define KDUP_DECLARE_KERNEL(ret, name, params) ret name params;
namespace cpu {
KDUP_KERNELS(KDUP_DECLARE_KERNEL)
}
namespace cuda {
KDUP_KERNELS(KDUP_DECLARE_KERNEL)
}
#undef KDUP_DECLARE_KERNEL

}  // namespace kdup
