// CUDA matrix product through cuBLAS. cuBLAS is column-major, and a row-major matrix read as
// column-major is its transpose. So the row-major product C = op(A) op(B) is computed as the
// column-major product C^T = op(B)^T op(A)^T: B and A swap places, keep their transpose flags, and
// m and n swap.
#include "cuda/cuda_check.h"
#include "cuda/handles.h"
#include "ops/kernels.h"

#include <algorithm>

namespace kdup::cuda {

void gemm(bool trans_a, bool trans_b, double alpha, const Tensor& a, const Tensor& b, double beta,
          Tensor& c) {
  const int m = static_cast<int>(c.shape()[0]), n = static_cast<int>(c.shape()[1]);
  const int k = static_cast<int>(trans_a ? a.shape()[0] : a.shape()[1]);
  // Leading dimensions: the row length of each row-major matrix as stored.
  const int lda = std::max(1, static_cast<int>(a.shape()[1]));
  const int ldb = std::max(1, static_cast<int>(b.shape()[1]));
  const int ldc = std::max(1, n);
  const cublasOperation_t op_a = trans_a ? CUBLAS_OP_T : CUBLAS_OP_N;
  const cublasOperation_t op_b = trans_b ? CUBLAS_OP_T : CUBLAS_OP_N;
  if (m == 0 || n == 0) return;
  cublasHandle_t handle = cublas_handle();
  if (c.dtype() == DType::f32) {
    const float alpha_f = static_cast<float>(alpha), beta_f = static_cast<float>(beta);
    KDUP_CUBLAS_CHECK(cublasSgemm(handle, op_b, op_a, n, m, k, &alpha_f, b.data<float>(), ldb,
                                  a.data<float>(), lda, &beta_f, c.data<float>(), ldc));
  } else {
    KDUP_CHECK(c.dtype() == DType::f64, "gemm: unsupported dtype " << dtype_name(c.dtype()));
    KDUP_CUBLAS_CHECK(cublasDgemm(handle, op_b, op_a, n, m, k, &alpha, b.data<double>(), ldb,
                                  a.data<double>(), lda, &beta, c.data<double>(), ldc));
  }
}

}  // namespace kdup::cuda
