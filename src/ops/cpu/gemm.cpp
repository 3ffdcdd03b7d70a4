// CPU matrix product through OpenBLAS (row-major cblas_?gemm).
#include <cblas.h>

#include <algorithm>

#include "ops/kernels.h"

namespace kdup::cpu {

void gemm(bool trans_a, bool trans_b, double alpha, const Tensor& a, const Tensor& b, double beta,
          Tensor& c) {
  const int m = static_cast<int>(c.shape()[0]), n = static_cast<int>(c.shape()[1]);
  const int k = static_cast<int>(trans_a ? a.shape()[0] : a.shape()[1]);
  const int lda = std::max(1, static_cast<int>(a.shape()[1]));
  const int ldb = std::max(1, static_cast<int>(b.shape()[1]));
  const CBLAS_TRANSPOSE ta = trans_a ? CblasTrans : CblasNoTrans;
  const CBLAS_TRANSPOSE tb = trans_b ? CblasTrans : CblasNoTrans;
  if (m == 0 || n == 0) return;
  if (c.dtype() == DType::f32) {
    cblas_sgemm(CblasRowMajor, ta, tb, m, n, k, static_cast<float>(alpha), a.data<float>(), lda,
                b.data<float>(), ldb, static_cast<float>(beta), c.data<float>(), n);
  } else {
    KDUP_CHECK(c.dtype() == DType::f64, "gemm: unsupported dtype " << dtype_name(c.dtype()));
    cblas_dgemm(CblasRowMajor, ta, tb, m, n, k, alpha, a.data<double>(), lda, b.data<double>(),
                ldb, beta, c.data<double>(), n);
  }
}

}  // namespace kdup::cpu
